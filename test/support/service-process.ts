// Test fixture: one `ipv6matrix serve <role>` as a process of its own, which a
// fault test may kill (SIGKILL: a crash, not a shutdown) and start again with
// the same environment and ports. It keeps the tail of the process's stderr
// for failure messages and reads its actors' in-flight gauges from /metrics.
// It does not decide when to kill: the test does.

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { offlineDns6 } from "./offline-dns6.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private log = "";
  /** How many times it was killed and started again. */
  restarts = 0;

  private constructor(
    readonly role: string,
    readonly name: string,
    readonly grpcPort: number,
    readonly metricsPort: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(role: string, name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
    const service = new ServiceProcess(role, name, await freePort(), await freePort(), env);
    service.launch();
    return service;
  }

  /** host:port of its gRPC server. */
  get grpc(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last few kilobytes of its stderr (over every incarnation). */
  tail(bytes = 1500): string {
    return `${this.name}: ${this.log.slice(-bytes)}`;
  }

  private launch(): void {
    const child = spawn(process.execPath, [bin, "serve", this.role], {
      cwd: repo,
      env: {
        ...offlineDns6,
        ...this.env,
        IPV6MATRIX_API_LISTEN: this.grpc,
        IPV6MATRIX_TELEMETRY_LISTEN: `127.0.0.1:${this.metricsPort}`,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.on("data", (chunk) => {
      this.log = (this.log + String(chunk)).slice(-20_000);
    });
    this.child = child;
  }

  /** Its /metrics text, or undefined while it does not answer (starting, or gone). */
  async metrics(): Promise<string | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, {
        signal: AbortSignal.timeout(2000),
      });
      return response.ok ? await response.text() : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sum of ipv6matrix_actor_in_flight over its actors (0 when it does not answer). */
  async inFlight(): Promise<number> {
    const text = (await this.metrics()) ?? "";
    let sum = 0;
    for (const match of text.matchAll(/^ipv6matrix_actor_in_flight\{[^}]*\} (\d+(?:\.\d+)?)$/gm))
      sum += Number(match[1]);
    return sum;
  }

  /** SIGKILL, as a crash: nothing is drained, nothing acknowledged. Resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Starts it again with the same environment and ports. */
  restart(): void {
    if (this.running) throw new Error(`${this.name} is still running`);
    this.restarts++;
    this.log += `\n--- restart ${this.restarts} ---\n`;
    this.launch();
  }

  /** SIGTERM (a clean stop), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
