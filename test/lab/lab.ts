// Test helper: `await using lab = await startLab("default")` brings the lab up (lab.sh up), gives
// the vantage namespace, resolver address, crawler config and domains file, runs commands inside
// the vantage, and tears everything down when disposed. One lab at a time on a machine.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { LabState } from "./up.js";

const here = dirname(fileURLToPath(import.meta.url));
const LAB_SH = join(here, "lab.sh");
const execFileAsync = promisify(execFile);

export interface Lab extends LabState {
  /** Runs `cmd args` inside the vantage namespace; resolves with stdout and stderr whatever the exit code. */
  exec(
    cmd: string,
    args: string[],
    timeoutMs?: number,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Runs a command inside any lab namespace (short name such as "near" or full "v6m-near"). */
  execIn(
    ns: string,
    cmd: string,
    args: string[],
    timeoutMs?: number,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  down(): Promise<void>;
}

/** Throws one clear line when this process cannot build namespaces. */
export function assertLabPossible(): void {
  if (process.getuid?.() !== 0)
    throw new Error("lab: needs root (network namespaces); run the lab tests as root");
  try {
    execFileSync("ip", ["netns", "add", `v6m-probe-${process.pid}`], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", `v6m-probe-${process.pid}`], { stdio: "pipe" });
  } catch {
    throw new Error("lab: cannot create network namespaces here (ip netns add failed)");
  }
}

async function run(argv: string[], timeoutMs: number) {
  try {
    const { stdout, stderr } = await execFileAsync(argv[0]!, argv.slice(1), {
      timeout: timeoutMs,
      maxBuffer: 64 << 20,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: typeof e.code === "number" ? e.code : 1 };
  }
}

export async function stopLab(): Promise<void> {
  await execFileAsync("bash", [LAB_SH, "down"], { timeout: 60_000 });
}

export async function startLab(scenario: string): Promise<Lab & AsyncDisposable> {
  assertLabPossible();
  try {
    await execFileAsync("bash", [LAB_SH, "up", scenario], { timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`lab: up ${scenario} failed: ${(e.stderr || e.message).trim()}`);
  }
  const stateDir = process.env.V6M_LAB_STATE ?? "/run/v6m-lab";
  const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as LabState;
  const execIn = (ns: string, cmd: string, args: string[], timeoutMs = 30_000) =>
    run(["ip", "netns", "exec", ns.startsWith("v6m-") ? ns : `v6m-${ns}`, cmd, ...args], timeoutMs);
  return {
    ...state,
    execIn,
    exec: (cmd, args, timeoutMs) => execIn(state.vantage, cmd, args, timeoutMs),
    down: stopLab,
    [Symbol.asyncDispose]: stopLab,
  };
}
