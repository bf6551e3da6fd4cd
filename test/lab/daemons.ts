// Starts the lab's processes inside their namespaces (NSD, unbound, the slow DNS proxy, hostd)
// with a pid file and a log each in the state directory, and waits until each one answers.
// Stopping is lab.sh's job: it kills every process found in a lab namespace.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nsName, sh } from "./netns.js";

const NODE_TSX = [process.execPath, "--import", "tsx"];

export function startDaemon(state: string, name: string, ns: string, argv: string[], cwd?: string): number {
  mkdirSync(join(state, "logs"), { recursive: true });
  mkdirSync(join(state, "pids"), { recursive: true });
  const log = openSync(join(state, "logs", `${name}.log`), "a");
  const child = spawn("ip", ["netns", "exec", nsName(ns), ...argv], {
    detached: true,
    stdio: ["ignore", log, log],
    cwd,
  });
  child.unref();
  writeFileSync(join(state, "pids", `${name}.pid`), `${child.pid}\n`);
  return child.pid!;
}

export function startNode(
  state: string,
  name: string,
  ns: string,
  script: string,
  args: string[],
  repo: string,
): number {
  return startDaemon(state, name, ns, [...NODE_TSX, script, ...args], repo);
}

/** Polls `check` every 50 ms until it is true; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`lab: ${what} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function fileExists(path: string): () => boolean {
  return () => existsSync(path);
}

/** True when `server` in namespace `ns` answers `name type` with status `status`. */
export function digStatus(ns: string, server: string, name: string, type: string, recurse = false): boolean {
  const flags = ["+time=1", "+tries=1", recurse ? "+recurse" : "+norecurse"];
  const out = sh("ip", ["netns", "exec", nsName(ns), "dig", ...flags, `@${server}`, name, type]);
  return out.includes("status: NOERROR");
}

export function digRecursive(ns: string, server: string, name: string, type: string): string {
  return sh("ip", ["netns", "exec", nsName(ns), "dig", "+time=2", "+tries=1", `@${server}`, name, type]);
}
