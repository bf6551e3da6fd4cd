// Killed halfway, `ipv6matrix crawl` run again with the same arguments goes on
// with the same crawl (as the original did with its ips.db) and ends with what
// an uninterrupted crawl reports: the hand-written expectations of the lab's
// default scenario, one crawl, no row twice.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { loadConfig } from "../../services/runtime/config.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import {
  checkAddresses,
  checkHosts,
  checkJobs,
  checkSummaries,
  exportedTables,
  type Row,
  type Tables,
} from "../lab/expectations.js";
import { type Lab, startLab } from "../lab/lab.js";
import { runCommand } from "../support/command.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

async function crawl(lab: Lab, killAfterMs?: number) {
  // in-netns.sh execs down to node, so a kill hits the crawler itself, as a crash would.
  const args = [join(repo, "test/lab/in-netns.sh"), lab.vantage, process.execPath, bin, "crawl", "--quiet"];
  const result = await runCommand("bash", [...args, "--config", lab.configPath, lab.domainsFile], {
    cwd: repo,
    killAfterMs,
  });
  return { code: result.code, signal: result.signal, out: result.stdout + result.stderr };
}

describe("a crawl killed halfway resumes with the same command", () => {
  let lab: Lab & AsyncDisposable;
  let second: Awaited<ReturnType<typeof crawl>>;
  const tables: Tables = {};

  before(async () => {
    lab = await startLab("default");
    const first = await crawl(lab, 2500);
    assert.equal(first.signal, "SIGKILL", `the first run should still be running at 2.5 s: ${first.out}`);
    // Let the killed process's chDB folder lock go before the second run opens it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    second = await crawl(lab);
    for (const table of exportedTables) {
      const out = (
        await runCommand(process.execPath, [
          bin,
          "export",
          table,
          "--format",
          "jsonl",
          "--config",
          lab.configPath,
        ])
      ).stdout;
      tables[table] = out
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Row);
    }
  });
  after(async () => {
    await lab?.[Symbol.asyncDispose]();
  });

  it("says it resumes, and completes", () => {
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /resuming crawl c\d{8}-[0-9a-f]{8}/);
    // Every domain of the scenario's list (several cases add domains to it, so it is counted here).
    const domains = readFileSync(lab.domainsFile, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#")).length;
    assert.match(second.out, new RegExp(`completed: ${domains} domains`));
  });

  it("reports what an uninterrupted crawl reports", () => {
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    assert.deepEqual(
      [...checkJobs(expected, tables), ...checkHosts(expected, tables), ...checkAddresses(expected, tables)],
      [],
    );
    assert.deepEqual(checkSummaries(expected, tables), {
      HostData: [],
      Reachability: [],
      Domains: [],
      DomainPenetration: [],
    });
  });

  it("kept one crawl, and no result twice", async () => {
    const store = await openChdbStore(loadConfig({ file: lab.configPath, env: {} }).store.data_dir);
    try {
      const [counts] = await store.query<Record<string, number>>(`SELECT
        (SELECT count() FROM crawls FINAL) AS crawls,
        (SELECT count() FROM jobs FINAL) - (SELECT uniqExact(domain, type, host) FROM jobs) AS jobs,
        (SELECT count() FROM hosts FINAL) - (SELECT uniqExact(host) FROM hosts) AS hosts,
        (SELECT count() FROM addresses FINAL) - (SELECT uniqExact(ip) FROM addresses) AS addresses`);
      assert.deepEqual(counts, { crawls: 1, jobs: 0, hosts: 0, addresses: 0 });
    } finally {
      await store.close();
    }
  });
});
