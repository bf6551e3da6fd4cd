// The whole crawler against the lab's default scenario: `ipv6matrix crawl` in
// the vantage namespace (resolver, prober, geo, aggregator in one process),
// then every expectation of scenarios/default.expected.yaml, written by hand,
// compared with what the exports say: jobs and SOA per domain, addresses per
// host, metrics per address, and the four summaries.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { type Lab, startLab } from "../lab/lab.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");
type Row = Record<string, unknown>;

function run(cmd: string, args: string[], timeoutMs = 300_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd: repo });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** "any" matches whatever was measured (the lab cannot shape RTTs); numbers compare to 4 decimals. */
function same(expected: unknown, actual: unknown): boolean {
  if (expected === "any") return true;
  if (expected === null || expected === undefined)
    return actual === null || actual === undefined || actual === "";
  if (typeof expected === "number") return typeof actual === "number" && Math.abs(expected - actual) < 1e-4;
  if (typeof expected === "boolean") return actual === (expected ? 1 : 0) || actual === expected;
  return String(expected) === String(actual);
}

function assertRow(what: string, expected: Row, actual: Row | undefined) {
  assert.ok(actual, `${what}: no such row`);
  const wrong = Object.entries(expected).filter(
    ([column, value]) => column in actual && !same(value, actual[column]),
  );
  assert.deepEqual(
    wrong.map(
      ([column, value]) =>
        `${column}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[column])}`,
    ),
    [],
    what,
  );
}

describe("a crawl of the lab's default scenario reports what the scenario says", () => {
  let lab: Lab & AsyncDisposable;
  let expected: Record<string, unknown>;
  let crawlLog = "";
  const tables: Record<string, Row[]> = {};

  before(async () => {
    lab = await startLab("default");
    expected = parse(readFileSync(lab.expectedFile, "utf8")) as Record<string, unknown>;
    const crawl = await run("bash", [
      join(repo, "test/lab/in-netns.sh"),
      lab.vantage,
      process.execPath,
      bin,
      "crawl",
      "--quiet",
      "--config",
      lab.configPath,
      lab.domainsFile,
    ]);
    crawlLog = crawl.stdout + crawl.stderr;
    assert.equal(crawl.code, 0, crawlLog);
    for (const table of [
      "jobs",
      "soa",
      "hosts",
      "addresses",
      "hostdata",
      "reachability",
      "domains",
      "penetration",
    ]) {
      const out = await run(process.execPath, [
        bin,
        "export",
        table,
        "--format",
        "jsonl",
        "--config",
        lab.configPath,
      ]);
      assert.equal(out.code, 0, out.stderr);
      tables[table] = out.stdout
        .trim()
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Row);
    }
  });
  after(async () => {
    await lab?.[Symbol.asyncDispose]();
  });

  it("finds every domain's jobs (type, host, priority) and SOA analysis", () => {
    const domains = expected["domains"] as Record<string, { jobs?: unknown[][]; soa?: Row }>;
    for (const [domain, want] of Object.entries(domains)) {
      const jobs = tables["jobs"]!.filter((row) => row["domain"] === domain);
      if (want.jobs) {
        const got = jobs
          .filter((row) => row["host"] !== "")
          .map((row) => [row["type"], row["host"], row["priority"]]);
        const wanted = want.jobs.filter((job) => typeof job[1] === "string" && job[1] !== "");
        assert.deepEqual(
          [...got].sort((a, b) => String(a).localeCompare(String(b))),
          [...wanted].sort((a, b) => String(a).localeCompare(String(b))),
          `${domain} jobs`,
        );
      }
      if (want.soa) {
        const soa = tables["soa"]!.find((row) => row["domain"] === domain);
        assertRow(`${domain} soa`, want.soa, soa);
      }
    }
  });

  it("resolves every host to the addresses the zones give", () => {
    const hosts = expected["hosts"] as Record<
      string,
      { a?: string[]; aaaa?: string[]; aaaa_count?: number; aaaa_first?: string }
    >;
    for (const [host, want] of Object.entries(hosts)) {
      const row = tables["hosts"]!.find((r) => r["host"] === host);
      assert.ok(row, `host ${host} resolved`);
      const v4 = String(row["ipv4"] || "")
        .split(" ")
        .filter(Boolean);
      const v6 = String(row["ipv6"] || "")
        .split(" ")
        .filter(Boolean);
      if (want.a) assert.deepEqual(v4, want.a, `${host} A`);
      if (want.aaaa) assert.deepEqual(v6, want.aaaa, `${host} AAAA`);
      if (want.aaaa_count !== undefined) {
        assert.equal(v6.length, want.aaaa_count, `${host} AAAA count (TCP fallback)`);
        assert.equal(v6[0], want.aaaa_first, `${host} first AAAA`);
      }
    }
  });

  it("measures every address as the scenario says: ports, STARTTLS, ping, hops, path MTU, PTR, ip6Type", () => {
    const addresses = expected["addresses"] as Record<string, Row>;
    for (const [ip, want] of Object.entries(addresses)) {
      const row = tables["addresses"]!.find((r) => r["ip"] === ip);
      assert.ok(row, `address ${ip} measured`);
      const actual: Row = {
        // A PTR name, or the outcome of the look-up when there is none (NXDOMAIN, ...).
        rdns: row["rdns"] || row["rdns_outcome"],
        ip6Type: row["ip6_type"],
        ping: Number(row["ping_received"]) > 0,
        tcp80: row["tcp80"],
        tcp443: row["tcp443"],
        tcp25: row["tcp25"],
        starttls: row["starttls"] === 1,
        hops: row["trace_hops"] ?? 0,
        pmtu: row["mtu"],
      };
      const { host: _host, ...checked } = want;
      assertRow(`address ${ip}`, checked, actual);
    }
  });

  it("computes HostData as written by hand", () => {
    for (const want of expected["HostData"] as Row[]) {
      const row = tables["hostdata"]!.find(
        (r) => r["tld"] === want["tld"] && r["type"] === want["type"] && r["country"] === want["country"],
      );
      assertRow(`HostData ${want["tld"]} ${want["type"]} ${want["country"]}`, want, row);
    }
    assert.equal(
      tables["hostdata"]!.length,
      (expected["HostData"] as Row[]).length,
      "no other HostData rows",
    );
  });

  it("computes Reachability as written by hand", () => {
    for (const want of expected["Reachability"] as Row[]) {
      const row = tables["reachability"]!.find(
        (r) =>
          r["tld"] === want["tld"] && r["service"] === want["service"] && r["country"] === want["country"],
      );
      assertRow(`Reachability ${want["tld"]} ${want["service"]} ${want["country"]}`, want, row);
    }
    assert.equal(
      tables["reachability"]!.length,
      (expected["Reachability"] as Row[]).length,
      "no other Reachability rows",
    );
  });

  it("computes Domains as written by hand", () => {
    for (const [domain, want] of Object.entries(expected["Domains"] as Record<string, Row>)) {
      const { pinghosts: _p, pathhosts: _q, ...columns } = want;
      assertRow(
        `Domains ${domain}`,
        columns,
        tables["domains"]!.find((r) => r["domain"] === domain),
      );
    }
  });

  it("computes DomainPenetration as written by hand", () => {
    for (const want of expected["DomainPenetration"] as Row[]) {
      const row = tables["penetration"]!.find(
        (r) => r["tld"] === want["tld"] && r["country"] === want["country"],
      );
      assertRow(`DomainPenetration ${want["tld"]} ${want["country"]}`, want, row);
    }
    assert.equal(tables["penetration"]!.length, (expected["DomainPenetration"] as Row[]).length);
  });
});
