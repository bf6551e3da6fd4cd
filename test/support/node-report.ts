// Diagnostics for a stuck run (the NATS bench's stall report): a Node.js diagnostic report of a
// running process, asked with SIGUSR2 of a process started with reportOptions(dir), summed up in
// one line: its connections by remote port, its other handles by kind, how long its loop idled.
// No report at all within the wait says the process's event loop is blocked. Decides nothing.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** NODE_OPTIONS that make a process write a report into `dir` on SIGUSR2. */
export function reportOptions(dir: string): string {
  return `--report-on-signal --report-signal=SIGUSR2 --report-directory=${dir}`;
}

interface Handle {
  readonly type: string;
  readonly is_active?: boolean;
  readonly remoteEndpoint?: { host?: string; port?: number };
  readonly loopIdleTimeSeconds?: number;
}

/** What a report's libuv handles say, in one line. Pure. */
export function summariseReport(report: { libuv?: Handle[]; workers?: unknown[] }): string {
  const ports = new Map<string, number>();
  const kinds = new Map<string, number>();
  let idle = "";
  for (const handle of report.libuv ?? []) {
    if (handle.type === "loop") idle = `loop idle ${handle.loopIdleTimeSeconds?.toFixed(1)} s`;
    else if (handle.type === "tcp" && handle.remoteEndpoint?.port !== undefined) {
      const port = `:${handle.remoteEndpoint.port}`;
      ports.set(port, (ports.get(port) ?? 0) + 1);
    } else if (handle.is_active) kinds.set(handle.type, (kinds.get(handle.type) ?? 0) + 1);
  }
  const tcp = [...ports].map(([port, n]) => `${port} x${n}`).join(" ") || "none";
  const others = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(" ");
  return `${idle}; tcp to ${tcp}; active ${others}; workers ${report.workers?.length ?? 0}`;
}

/** Asks `pid` for a report into `dir` and sums it up; says so when none came within `waitMs`. */
export async function nodeReport(pid: number, dir: string, waitMs = 5_000): Promise<string> {
  const mine = (name: string) => name.endsWith(".json") && name.includes(`.${pid}.`);
  const before = new Set(readdirSync(dir).filter(mine));
  try {
    process.kill(pid, "SIGUSR2");
  } catch (error) {
    return `pid ${pid}: ${(error as Error).message}`;
  }
  for (let waited = 0; waited < waitMs; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const written = readdirSync(dir).find((name) => mine(name) && !before.has(name));
    if (!written) continue;
    try {
      return `pid ${pid}: ${summariseReport(JSON.parse(readFileSync(join(dir, written), "utf8")))}`;
    } catch {
      // still being written: read it again at the next turn
    }
  }
  return `pid ${pid}: no report within ${waitMs / 1000} s (its event loop is blocked)`;
}
