// The whole crawler against the lab's default scenario: `ipv6matrix crawl` in
// the vantage namespace (resolver, prober, geo, aggregator in one process),
// then every expectation of scenarios/default.expected.yaml, written by hand,
// compared with what the exports say (test/lab/expectations.ts).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { exportRows } from "../../services/aggregator/export.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { loadConfig } from "../../services/runtime/config.js";
import { migrate } from "../../services/runtime/migrate.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
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
import { startClickHouseHttp } from "../support/clickhouse-http.js";
import { crawlInLab, exportTable } from "./lab-run.js";

describe("a crawl of the lab's default scenario reports what the scenario says", () => {
  let lab: Lab & AsyncDisposable;
  let expected: Row;
  const tables: Tables = {};
  /** What unbound, the lab's resolver, logged while the crawl ran (log-queries: one line a question). */
  let resolverLog = "";

  before(async () => {
    lab = await startLab("default");
    expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    const unboundLog = join(lab.stateDir, "logs", "unbound.log");
    const logStart = statSync(unboundLog).size;
    await crawlInLab(lab, lab.domainsFile);
    resolverLog = readFileSync(unboundLog).subarray(logStart).toString("utf8");
    for (const table of [...exportedTables, ...readinessTables])
      tables[table] = await exportTable(lab, table);
  });
  after(async () => {
    await lab?.[Symbol.asyncDispose]();
  });

  it("finds every domain's jobs (type, host, priority) and SOA analysis", () => {
    assert.deepEqual(checkJobs(expected, tables), []);
  });
  it("resolves every host to the addresses the zones give (CNAME chain, 60 AAAA over TCP)", () => {
    assert.deepEqual(checkHosts(expected, tables), []);
  });
  it("measures every address: ports, STARTTLS, ping, hops, path MTU, PTR, ip6Type", () => {
    assert.deepEqual(checkAddresses(expected, tables), []);
  });
  it("fetches every WWW host with a valid IPv6 address over both families: same site or which differences (issue 19)", () => {
    assert.deepEqual(checkWebParity(expected, tables, labCertificates(lab.stateDir)), []);
  });
  it("computes the four summaries as written by hand", () => {
    assert.deepEqual(checkSummaries(expected, tables), {
      HostData: [],
      Reachability: [],
      Domains: [],
      DomainPenetration: [],
    });
  });
  it("gives every domain its hand-written readiness verdicts and the Readiness summary (issue 19)", () => {
    assert.deepEqual(checkReadiness(expected, tables), { ReadinessDomains: [], Readiness: [] });
  });

  it("walks every domain's DNS chain over IPv6 from the lab's root, with the hand-written verdict (issue 19)", () => {
    assert.deepEqual(checkDns6(expected, tables), []);
  });

  it("asks every address for the time (NTP, UDP 123) and tells servers, closed ports and a kiss-o'-death apart", () => {
    // Written by hand from the scenario: its `ntp: true` addresses answer (stratum 2), `ntp: kiss`
    // ones send RATE, every other address's UDP 123 is closed. quebec.at is NTP over IPv4 only.
    const answered = [
      "203.0.113.123",
      "203.0.113.41",
      "2001:db8:a::71",
      "203.0.113.124",
      "203.0.113.125",
      "2001:db8:a::125",
    ];
    const kiss = ["203.0.113.126", "2001:db8:a::126"];
    const rows = tables["addresses"]!;
    const got = (ip: string) => {
      const row = rows.find((r) => r["ip"] === ip);
      return `${row?.["ntp_measured"]} ${row?.["ntp_answered"]} ${row?.["ntp_stratum"]} ${row?.["ntp_failure"]} ${row?.["ntp_kiss"]}`;
    };
    assert.deepEqual(
      answered.map(got),
      answered.map(() => "1 1 2  "),
    );
    assert.deepEqual(
      kiss.map(got),
      kiss.map(() => "1 0 0 ntp_kiss_of_death RATE"),
    );
    const others = rows
      .map((r) => String(r["ip"]))
      .filter((ip) => !answered.includes(ip) && !kiss.includes(ip));
    assert.equal(others.length, rows.length - 8);
    assert.deepEqual(
      others.map(got),
      others.map(() => "1 0 0 connection_refused "),
    );
    for (const ip of answered) {
      const row = rows.find((r) => r["ip"] === ip)!;
      // One clock for server and prober: the offset is bounded by half the round trip (and the
      // round trip by the probe's timeout); both are measured, neither is fixed.
      assert.ok(
        Number(row["ntp_rtt_ms"]) > 0 && Number(row["ntp_rtt_ms"]) < 2000,
        `${ip} rtt ${row["ntp_rtt_ms"]}`,
      );
      assert.ok(Math.abs(Number(row["ntp_offset_ms"])) < 500, `${ip} offset ${row["ntp_offset_ms"]}`);
    }
  });

  it("asks the lab's resolver each question once: shared hosts and addresses are resolved once a crawl", () => {
    // unbound logs "info: <client address> <name>. <TYPE> IN" for every question it receives.
    const asked = new Map<string, number>();
    const clients = new Set([lab.vantageIPv4, lab.vantageIPv6]);
    for (const line of resolverLog.split("\n")) {
      const question = /info: (\S+) (\S+)\. (\S+) IN$/.exec(line);
      if (!question || !clients.has(question[1]!)) continue;
      const key = `${question[2]!.toLowerCase()} ${question[3]}`;
      asked.set(key, (asked.get(key) ?? 0) + 1);
    }
    // The scenario's shared providers: mx.mailprov.net is the MX of six crawled domains,
    // ns1.dnsprov.net a name server of eighteen and ns2.dnsprov.net of seventeen; each is one host of
    // the crawl, asked for A and AAAA once.
    const shared = ["mx.mailprov.net", "ns1.dnsprov.net", "ns2.dnsprov.net"];
    assert.deepEqual(
      shared.flatMap((host) =>
        ["A", "AAAA"].map((type) => `${host} ${type} ${asked.get(`${host} ${type}`) ?? 0}`),
      ),
      shared.flatMap((host) => [`${host} A 1`, `${host} AAAA 1`]),
    );
    // No other question is asked twice either, but for the answer too big for UDP: www.kilo.jp's
    // 60 AAAA come back truncated and the same question is asked again over TCP.
    assert.deepEqual(
      [...asked].filter(([, times]) => times > 1).map(([key, times]) => `${key} asked ${times} times`),
      ["www.kilo.jp AAAA asked 2 times"],
    );
    assert.ok(asked.size > 50, `only ${asked.size} distinct questions seen in unbound's log`);
  });

  it("tells a timeout apart from NXDOMAIN, NODATA and SERVFAIL: the lab's resolver never answers for quiet.org", async () => {
    // unbound drops every question under quiet.org (local-zone deny), so each of the crawler's
    // tries (3 s, 2 retries) goes unanswered. A crawl of its own, in a store of its own.
    const dir = mkdtempSync(join(tmpdir(), "v6m-quiet-"));
    try {
      const domains = join(dir, "domains.txt");
      writeFileSync(domains, "quiet.org\n");
      const store = `store.data_dir=${join(dir, "store")}`;
      await crawlInLab(lab, domains, ["--set", store]);
      const exported = (table: string) => exportTable(lab, table, ["--set", store]);
      const jobs = await exported("jobs");
      assert.deepEqual(
        jobs
          .filter((job) => job["host"] === "")
          .map((job) => `${job["type"]} ${job["outcome"]}`)
          .sort(),
        ["MX TIMEOUT", "NS TIMEOUT"],
      );
      assert.deepEqual(
        (await exported("soa")).map((row) => row["outcome"]),
        ["TIMEOUT"],
      );
      const www = (await exported("hosts")).find((row) => row["host"] === "www.quiet.org");
      assert.deepEqual([www?.["a_outcome"], www?.["aaaa_outcome"]], ["TIMEOUT", "TIMEOUT"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("agrees with independent tools: scamper's hop counts and ping's reachability", async () => {
    const ips = Object.keys(expected["addresses"] as Row);
    // scamper (Debian's, the field's reference), tracing each address the way our row says it
    // was reached: ICMP Paris traceroute, UDP traceroute or TCP SYN to the port found open.
    const scamperHops = new Map<string, number>();
    const methodOf = (ip: string) => {
      const row = tables["addresses"]!.find((r) => r["ip"] === ip);
      const method = String(row?.["trace_method"] ?? "");
      // Classic UDP: this scamper's udp-paris gets no answer at all over IPv6 (not even from r1).
      if (method === "udp") return "-P udp";
      if (method === "tcp") return `-P tcp -d ${row?.["trace_port"]}`;
      return "-P icmp-paris";
    };
    for (const method of new Set(ips.map(methodOf))) {
      const traced = await lab.exec(
        "scamper",
        [
          "-O",
          "text",
          "-c",
          `trace ${method} -q 1 -w 1 -m 8`,
          "-i",
          ...ips.filter((ip) => methodOf(ip) === method),
        ],
        120_000,
      );
      let target = "";
      for (const line of traced.stdout.split("\n")) {
        const header = /^traceroute from \S+ to (\S+)/.exec(line);
        if (header) {
          target = header[1]!;
          scamperHops.set(target, 0);
          continue;
        }
        const hop = /^\s*(\d+)\s+(\S+)/.exec(line);
        if (hop && hop[2] === target) scamperHops.set(target, Number(hop[1]));
      }
    }
    const disagreements: string[] = [];
    for (const ip of ips) {
      const row = tables["addresses"]!.find((r) => r["ip"] === ip);
      const ours = Number(row?.["trace_hops"] ?? 0);
      if (scamperHops.get(ip) !== ours)
        disagreements.push(`${ip}: scamper ${scamperHops.get(ip)} hops, ours ${ours}`);
      const pinged = await lab.exec("ping", ["-c", "2", "-i", "0.2", "-W", "1", ip], 10_000);
      const reachable = pinged.code === 0;
      if (reachable !== Number(row?.["ping_received"] ?? 0) > 0)
        disagreements.push(
          `${ip}: ping says ${reachable ? "reachable" : "unreachable"}, ours received ${row?.["ping_received"]}`,
        );
    }
    assert.deepEqual(disagreements, []);
  });

  it("agrees with an independent NTP client: ntpsec's ntpdig on every address", async () => {
    // ntpdig (Debian's ntpsec-ntpdig) asks once and prints JSON; it never sets the clock without
    // -s / -S. A stratum-0 reply it drops as a "probable KOD packet"; silence or a refusal leaves
    // "no eligible servers".
    const ips = Object.keys(expected["addresses"] as Row);
    const theirs = await Promise.all(
      ips.map(async (ip) => {
        const dug = await lab.exec("ntpdig", ["-j", "-t", "1", ip], 20_000);
        const answer = /^\{.*\}$/m.exec(dug.stdout)?.[0];
        if (dug.code === 0 && answer)
          return `answered stratum ${(JSON.parse(answer) as { stratum: number }).stratum}`;
        return /KOD/.test(dug.stdout + dug.stderr) ? "kiss-o'-death" : "no answer";
      }),
    );
    const ours = ips.map((ip) => {
      const row = tables["addresses"]!.find((r) => r["ip"] === ip);
      if (row?.["ntp_answered"] === 1) return `answered stratum ${row["ntp_stratum"]}`;
      return row?.["ntp_failure"] === "ntp_kiss_of_death" ? "kiss-o'-death" : "no answer";
    });
    assert.deepEqual(
      ips.map((ip, i) => `${ip} ${theirs[i]}`),
      ips.map((ip, i) => `${ip} ${ours[i]}`),
    );
  });

  it("gives the same summaries on a ClickHouse server's SQL as on chDB's", async () => {
    // The crawl's raw rows, copied from its chDB folder to the ClickHouse HTTP endpoint, summarised there.
    const config = loadConfig({ file: lab.configPath, env: {} });
    const source = await openChdbStore(config.store.data_dir);
    const clickhouse = await startClickHouseHttp();
    const target = await openClickHouseStore(clickhouse.url);
    try {
      await migrate(target);
      for (const table of ["crawls", "jobs", "soa", "hosts", "addresses", "geo", "reverse"])
        await target.insert(table, await source.query(`SELECT * FROM ${table}`));
      const [crawl] = await source.query<{ crawl_id: string }>(
        "SELECT crawl_id FROM crawls FINAL WHERE state = 'completed'",
      );
      await computeSummaries(target, crawl!.crawl_id);
      const summaries: Tables = { ...tables };
      for (const table of ["hostdata", "reachability", "domains", "penetration"])
        summaries[table] = await exportRows(target, table, crawl!.crawl_id, false);
      assert.deepEqual(checkSummaries(expected, summaries), {
        HostData: [],
        Reachability: [],
        Domains: [],
        DomainPenetration: [],
      });
    } finally {
      await target.close();
      await source.close();
      await clickhouse.stop();
    }
  });
});
