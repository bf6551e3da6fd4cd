// Killed halfway, `ipv6matrix crawl` run again with the same arguments goes on
// with the same crawl (as the original did with its ips.db) and ends with what
// an uninterrupted crawl reports: the hand-written expectations of the lab's
// default scenario, one crawl, no row written twice. The kill comes on an
// event (the progress shows results stored and some still to come), never at
// a time, so a faster or slower machine tests the same thing.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { loadConfig } from "../../services/runtime/config.js";
import { migrate } from "../../services/runtime/migrate.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
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
} from "../lab/expectations.js";
import { type Lab, startLab } from "../lab/lab.js";
import { checkReadiness, readinessTables } from "../lab/readiness-expectations.js";
import { loadScenario } from "../lab/scenario.js";
import { runCommand } from "../support/command.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

/** The raw tables a crawl writes, keyed as their ReplacingMergeTree orders them. */
const rawTables = ["jobs", "soa", "hosts", "addresses", "geo", "reverse", "web_parity", "dns6_chains"];

async function crawl(lab: Lab, killWhen?: (stdout: string) => boolean) {
  // in-netns.sh execs down to node, so a kill hits the crawler itself, as a crash would.
  // A progress line at every poll of the store (the output is not a terminal).
  const args = [
    join(repo, "test/lab/in-netns.sh"),
    lab.vantage,
    process.execPath,
    bin,
    "crawl",
    "--progress-every",
    "0",
  ];
  const result = await runCommand("bash", [...args, "--config", lab.configPath, lab.domainsFile], {
    cwd: repo,
    killWhen,
  });
  return { code: result.code, signal: result.signal, out: result.stdout + result.stderr };
}

/** The progress line's "addresses <done>/<total>" (progress-display.ts's plain line). */
function addressesProgress(stdout: string): { done: number; total: number } | undefined {
  const last = [...stdout.matchAll(/addresses (\d+)\/(\d+)/g)].at(-1);
  return last ? { done: Number(last[1]), total: Number(last[2]) } : undefined;
}

describe("a crawl killed halfway resumes with the same command", () => {
  let lab: Lab & AsyncDisposable;
  let second: Awaited<ReturnType<typeof crawl>>;
  const tables: Tables = {};

  let killedAt: { done: number; total: number } | undefined;

  before(async () => {
    lab = await startLab("default");
    // Merges off in the crawl's store: a ReplacingMergeTree merge would fold a row written twice
    // into one and hide it from the count below (max_bytes_to_merge_at_max_space_in_pool = 1:
    // no set of parts is small enough to merge).
    const dataDir = loadConfig({ file: lab.configPath, env: {} }).store.data_dir;
    const store = await openChdbStore(dataDir);
    try {
      await migrate(store);
      for (const table of rawTables)
        await store.exec(`ALTER TABLE ${table} MODIFY SETTING max_bytes_to_merge_at_max_space_in_pool = 1`);
    } finally {
      await store.close();
    }
    // Killed once the store holds some measured addresses and not all of them: mid-crawl, by
    // what has happened rather than by the clock.
    const first = await crawl(lab, (stdout) => {
      const progress = addressesProgress(stdout);
      if (progress && progress.done >= 5 && progress.done < progress.total) killedAt = progress;
      return killedAt !== undefined;
    });
    assert.equal(first.signal, "SIGKILL", `the first run should have been killed mid-crawl: ${first.out}`);
    // Let the killed process's chDB folder lock go before the second run opens it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    second = await crawl(lab);
    for (const table of [...exportedTables, ...readinessTables]) {
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
    assert.ok(killedAt, "killed mid-crawl");
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /resuming crawl c\d{8}-[0-9a-f]{8}/);
    // Every domain of the scenario file, as the scenario lists them.
    const domains = loadScenario(join(repo, "test/lab/scenarios/default.yaml")).domains.length;
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

  it("fetches every WWW host with a valid IPv6 address over both families: the hand-written web_parity rows (issue 19)", () => {
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    assert.deepEqual(checkWebParity(expected, tables, labCertificates(lab.stateDir)), []);
  });

  it("walks every domain's DNS chain over IPv6 once: the hand-written dns6_chains rows (issue 19)", () => {
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    assert.deepEqual(checkDns6(expected, tables), []);
  });

  it("gives every domain its hand-written readiness verdicts and the Readiness summary (issue 19)", () => {
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    assert.deepEqual(checkReadiness(expected, tables), { ReadinessDomains: [], Readiness: [] });
  });

  it("kept one crawl, and wrote no result twice", async () => {
    const store = await openChdbStore(loadConfig({ file: lab.configPath, env: {} }).store.data_dir);
    try {
      // Rows as written (no FINAL, merges off): a row the resumed crawl wrote again would count twice.
      const [counts] = await store.query<Record<string, number>>(`SELECT
        (SELECT count() FROM crawls FINAL) AS crawls,
        (SELECT count() FROM jobs) - (SELECT uniqExact(domain, type, host) FROM jobs) AS jobs,
        (SELECT count() FROM soa) - (SELECT uniqExact(domain) FROM soa) AS soa,
        (SELECT count() FROM hosts) - (SELECT uniqExact(host) FROM hosts) AS hosts,
        (SELECT count() FROM addresses) - (SELECT uniqExact(ip) FROM addresses) AS addresses,
        (SELECT count() FROM geo) - (SELECT uniqExact(ip) FROM geo) AS geo,
        (SELECT count() FROM reverse) - (SELECT uniqExact(ip) FROM reverse) AS reverse,
        (SELECT count() FROM web_parity) - (SELECT uniqExact(host, scheme) FROM web_parity) AS web_parity,
        (SELECT count() FROM dns6_chains) - (SELECT uniqExact(domain) FROM dns6_chains) AS dns6_chains`);
      assert.deepEqual(counts, {
        crawls: 1,
        jobs: 0,
        soa: 0,
        hosts: 0,
        addresses: 0,
        geo: 0,
        reverse: 0,
        web_parity: 0,
        dns6_chains: 0,
      });
      // And merges were off, so the count above could see a duplicate.
      const [parts] = await store.query<{ parts: number }>(
        "SELECT count() AS parts FROM system.parts WHERE active AND table = 'addresses'",
      );
      assert.ok(parts!.parts > 1, "the addresses table was merged into one part: the count proves nothing");
    } finally {
      await store.close();
    }
  });
});
