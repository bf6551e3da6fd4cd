// node --import tsx test/lab/check-expected.ts <expected.yaml> <config.yaml>: exports the latest crawl
// of the store that config names and prints, per part, whether it equals the hand-written expectations.
// Exit 1 when anything differs. Used by `npm run demo`.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  checkAddresses,
  checkDns6,
  checkHosts,
  checkJobs,
  checkSummaries,
  checkWebParity,
  exportedTables,
  labCertificates,
  type Row,
  type Tables,
} from "./expectations.js";
import { checkReadiness, readinessTables } from "./readiness-expectations.js";

const [expectedFile, config] = process.argv.slice(2);
if (!expectedFile || !config) throw new Error("usage: check-expected.ts <expected.yaml> <config.yaml>");
const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");
const tables: Tables = {};
for (const table of [...exportedTables, ...readinessTables]) {
  const out = execFileSync(
    process.execPath,
    [bin, "export", table, "--format", "jsonl", "--config", config],
    { encoding: "utf8" },
  );
  tables[table] = out
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);
}
const expected = parse(readFileSync(expectedFile, "utf8")) as Row;
const parts: Record<string, string[]> = {
  "jobs and SOA": checkJobs(expected, tables),
  addresses: checkHosts(expected, tables),
  metrics: checkAddresses(expected, tables),
  ...checkSummaries(expected, tables),
  "dns6 chains": checkDns6(expected, tables),
  // Issue 19: the certificates are the running lab's (its state directory, as lab.ts reads it).
  web_parity: checkWebParity(expected, tables, labCertificates(process.env.V6M_LAB_STATE ?? "/run/v6m-lab")),
};
Object.assign(parts, checkReadiness(expected, tables));
let failed = false;
for (const [part, problems] of Object.entries(parts)) {
  process.stdout.write(`${problems.length === 0 ? "ok  " : "FAIL"} ${part}\n`);
  for (const problem of problems) process.stdout.write(`     ${problem}\n`);
  failed ||= problems.length > 0;
}
process.stdout.write(
  failed
    ? "the crawl differs from the hand-written expectations\n"
    : "every hand-written expectation holds\n",
);
process.exitCode = failed ? 1 : 0;
