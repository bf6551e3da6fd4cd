// Test fixture: a real `nats-server -js` on a free loopback port with its own
// store directory, stopped and removed by the test that started it. It fails
// the test when a client connection or the process outlives the test; it
// never talks to a server that happens to be running.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServer extends AsyncDisposable {
  /** nats://127.0.0.1:<port>, the same across restarts so clients reconnect. */
  readonly url: string;
  /** The JetStream store directory, kept across restarts. */
  readonly storeDir: string;
  /** http://127.0.0.1:<port> of its monitoring (varz, connz, jsz). */
  readonly monitor: string;
  /** The last `bytes` of what it logged (slow consumers, JetStream warnings). */
  tail(bytes?: number): string;
  /** Kills the server (SIGKILL: a crash, not a clean shutdown) and starts it again on the same port and store. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server and removes its store; throws if clients are still connected. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "nats-server is not installed: run `sudo apt-get install -y nats-server`";

/** Servers started by this process and not yet stopped: a safety net for crashed tests. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** How many fixture servers are still running; a suite's `after` hook asserts zero. */
export function runningNatsServers(): number {
  return running.size;
}

function natsServerBinary(): string {
  for (const candidate of [
    process.env.NATS_SERVER_BIN,
    "nats-server",
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
  ]) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ["--version"], { stdio: "ignore" });
      return candidate;
    } catch {
      // try the next place it may live
    }
  }
  throw new Error(INSTALL_HINT);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startNatsServer(): Promise<NatsServer> {
  const binary = natsServerBinary();
  const storeDir = await mkdtemp(join(tmpdir(), "ipv6matrix-nats-"));
  const port = await freePort();
  const monitorPort = await freePort();
  let child: ChildProcess | undefined;
  let log = "";

  const launch = async () => {
    log = "";
    const started = spawn(
      binary,
      ["-js", "-sd", storeDir, "-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child = started;
    running.add(started);
    started.once("exit", () => running.delete(started));
    started.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
    });
    const deadline = Date.now() + 10_000;
    // "Server is ready" comes after JetStream has recovered its store, so
    // streams and consumers are there when the first client connects.
    while (!(log.includes("Server is ready") && (await accepts(port)))) {
      if (started.exitCode !== null)
        throw new Error(`nats-server exited at start (${started.exitCode}):\n${log}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not start within 10 s:\n${log}`);
      await sleep(10);
    }
  };

  const kill = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => {
      current.once("exit", () => resolve());
      timer = setTimeout(resolve, 5_000);
    });
    current.kill("SIGKILL");
    await exited;
    clearTimeout(timer);
    if (current.exitCode === null && current.signalCode === null)
      throw new Error(`nats-server pid ${current.pid} did not exit`);
  };

  /** Client connections still open: a fixture user that forgot to close its transport. */
  const openConnections = async (): Promise<string[]> => {
    const response = await fetch(`http://127.0.0.1:${monitorPort}/connz`);
    const body = (await response.json()) as { connections?: { name?: string; cid: number }[] };
    return (body.connections ?? []).map((c) => c.name ?? `cid ${c.cid}`);
  };

  await launch();
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    let leaked: string[] = [];
    try {
      if (child) {
        // A closing client's socket may take a moment to be noticed.
        for (let i = 0; i < 50; i++) {
          leaked = await openConnections();
          if (leaked.length === 0) break;
          await sleep(20);
        }
      }
    } finally {
      await kill();
      await rm(storeDir, { recursive: true, force: true });
    }
    if (leaked.length > 0) throw new Error(`connections left open at nats-server stop: ${leaked.join(", ")}`);
  };

  return {
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    monitor: `http://127.0.0.1:${monitorPort}`,
    tail: (bytes = 3000) => log.slice(-bytes),
    async restart(options) {
      if (stopped) throw new Error("nats-server fixture already stopped");
      await kill();
      if (options?.downMs) await sleep(options.downMs);
      await launch();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
