// Killed halfway, `ipv6matrix crawl` run again with the same arguments goes on
// with the same crawl (as the original did with its ips.db) and ends with what
// an uninterrupted crawl reports: the hand-written expectations of the lab's
// default scenario, one crawl, no row twice.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
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

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

function crawl(lab: Lab, killAfterMs?: number) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
    const child = spawn(
      "bash",
      [
        join(repo, "test/lab/in-netns.sh"),
        lab.vantage,
        process.execPath,
        bin,
        "crawl",
        "--quiet",
        "--config",
        lab.configPath,
        lab.domainsFile,
      ],
      { cwd: repo },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    // in-netns.sh execs down to node, so this SIGKILLs the crawler itself, as a crash would.
    const killer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, out });
    });
  });
}

describe("a crawl killed halfway resumes with the same command", () => {
  let lab: Lab & AsyncDisposable;
  let second: Awaited<ReturnType<typeof crawl>>;
  const tables: Tables = {};

  before(async () => {
    lab = await startLab("default");
    const first = await crawl(lab, 2500);
    assert.equal(first.signal, "SIGKILL", `the first run should still be running at 2.5 s: ${first.out}`);
    // The node process under ip netns exec may outlive bash for a moment: wait for chDB's folder lock.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    second = await crawl(lab);
    for (const table of exportedTables) {
      const out = await new Promise<string>((resolve) => {
        const child = spawn(
          process.execPath,
          [bin, "export", table, "--format", "jsonl", "--config", lab.configPath],
          { cwd: repo },
        );
        let text = "";
        child.stdout.on("data", (chunk) => {
          text += chunk;
        });
        child.on("close", () => resolve(text));
      });
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
    assert.match(second.out, /completed: 12 domains/);
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
