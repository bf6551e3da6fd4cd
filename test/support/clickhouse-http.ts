// Test fixture: a ClickHouse HTTP endpoint on 127.0.0.1, served by a child Node
// process running chDB over its own temporary data folder. No ClickHouse server
// can be installed on this machine, so the server Store adapter is tested
// against this chDB-backed endpoint (see clickhouse-http-server.ts for what it
// does and does not implement). It is not a substitute for a real server run.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ClickHouseHttp extends AsyncDisposable {
  /** http://default:@127.0.0.1:<port>/default */
  readonly url: string;
  /** Stops the child and deletes its data folder; safe to call twice. */
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL("./clickhouse-http-server.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));

export async function startClickHouseHttp(
  options: { startTimeoutMs?: number } = {},
): Promise<ClickHouseHttp> {
  const dataDir = await mkdtemp(join(tmpdir(), "ipv6matrix-clickhouse-http-"));
  // stdin stays a pipe: if this process dies without stopping the child, the
  // pipe closes and the child exits on its own instead of leaking.
  const child = spawn(process.execPath, ["--import", "tsx", SERVER, dataDir, "--delete-data-on-exit"], {
    cwd: REPO,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const forced = await terminate(child, exited);
      await rm(dataDir, { recursive: true, force: true });
      // A server that ignores SIGTERM would hang a real deployment's shutdown too: fail the test.
      if (forced) throw new Error(`clickhouse-http-server ignored SIGTERM and was killed: ${stderr}`);
    })();
    return stopped;
  };

  try {
    const port = await readPort(child, exited, options.startTimeoutMs ?? 30_000, () => stderr);
    return { url: `http://default:@127.0.0.1:${port}/default`, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function readPort(
  child: ChildProcess,
  exited: Promise<void>,
  timeoutMs: number,
  stderr: () => string,
): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<number>((resolve, reject) => {
        lines.once("line", (line) => {
          try {
            resolve((JSON.parse(line) as { port: number }).port);
          } catch {
            reject(new Error(`clickhouse-http-server printed ${JSON.stringify(line)} instead of its port`));
          }
        });
      }),
      exited.then(() => {
        throw new Error(`clickhouse-http-server exited before listening: ${stderr()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`clickhouse-http-server did not listen within ${timeoutMs} ms: ${stderr()}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

/** Stops the child; true when it had to be killed. */
async function terminate(child: ChildProcess, exited: Promise<void>): Promise<boolean> {
  child.stdin?.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return false;
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(true);
    }, 5_000);
  });
  const forced = await Promise.race([exited.then(() => false), killed]);
  clearTimeout(timer);
  await exited;
  return forced;
}
