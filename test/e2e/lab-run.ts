// The lab crawl as a user runs it: `ipv6matrix crawl` in the lab's vantage namespace, then
// `ipv6matrix export`. Shared by the lab end-to-end tests (quiet and busy machine alike), so both
// check the same hand-written expectations the same way.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Row } from "../lab/expectations.js";
import type { Lab } from "../lab/lab.js";
import { runCommand } from "../support/command.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

const run = (cmd: string, args: string[]) => runCommand(cmd, args, { cwd: repo });

/** `ipv6matrix crawl` of a domains file in the lab's vantage namespace; `more` are extra options (e.g. --set). */
export async function crawlInLab(lab: Lab, domainsFile: string, more: string[] = []): Promise<void> {
  const crawl = await run("bash", [
    join(repo, "test/lab/in-netns.sh"),
    lab.vantage,
    process.execPath,
    bin,
    "crawl",
    "--quiet",
    "--config",
    lab.configPath,
    ...more,
    domainsFile,
  ]);
  assert.equal(crawl.code, 0, crawl.stdout + crawl.stderr);
}

/** One table of the last crawl, as `ipv6matrix export <table> --format jsonl` gives it. */
export async function exportTable(lab: Lab, table: string, more: string[] = []): Promise<Row[]> {
  const out = await run(process.execPath, [
    bin,
    "export",
    table,
    "--format",
    "jsonl",
    "--config",
    lab.configPath,
    ...more,
  ]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);
}
