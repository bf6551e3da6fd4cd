// What the whole-crawl bench smokes share: running `npm run bench` on d0..d999 into a temporary
// folder and reading its one JSON result, and the counts of the scale rule, written here by hand.
// It holds no assertion of a mode's own (processes, field tools): each smoke checks its own.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { assertLabPossible } from "../lab/lab.js";

const root = resolve(import.meta.dirname, "../..");

/**
 * The scale rule's counts for d0..d999: www A for N % 10 != 9 (900), www AAAA for N % 10 < 4
 * (400), every address answers ping; the dns6 chain walk over IPv6 from the lab's root: in-house
 * name servers with AAAA for N % 4 == 0 (250, ready), in-house without (250, no_aaaa_glue), a
 * provider's pair for odd N (500).
 */
export const scaleChecks1000 = {
  "domains completed": [1000, 1000],
  "www hosts with A": [900, 900],
  "www hosts with AAAA": [400, 400],
  "addresses without a ping reply": [0, 0],
  "dns6 ready": [250, 250],
  "dns6 no_aaaa_glue": [250, 250],
  "dns6 one_ipv6_nameserver": [500, 500],
};

export interface BenchRun {
  readonly stdout: string;
  // biome-ignore lint/suspicious/noExplicitAny: the bench's JSON, read field by field by each smoke
  readonly result: any;
}

/** `npm run bench -- --domains 1000 ARGS` on a scale lab of this name; fails the test unless it exits 0 with one JSON result. */
export async function runBench1000(t: TestContext, args: string[], scaleName: string): Promise<BenchRun> {
  assertLabPossible();
  const out = mkdtempSync(join(tmpdir(), `${scaleName}-`));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const child = spawn("npm", ["run", "-s", "bench", "--", "--domains", "1000", ...args, "--out", out], {
    cwd: root,
    env: { ...process.env, V6M_SCALE_NAME: scaleName },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(code, 0, `bench failed:\n${stdout}\n${stderr}`);
  const files = readdirSync(out).filter((f) => f.startsWith("crawl-1000-") && f.endsWith(".json"));
  assert.equal(files.length, 1);
  const result = JSON.parse(readFileSync(join(out, files[0]!), "utf8"));
  assert.equal(result.domains, 1000);
  return { stdout, result };
}
