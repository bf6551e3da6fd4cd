// Readiness (issue 19) in ClickHouse SQL over hand-written rows: every verdict,
// every reason and every NULL of readiness_domains, the Readiness summary, its
// comparison across two dated crawls and its export. Crawl r1 has the owners'
// rows (dns6_chains, web_parity, the addresses' ntp_* columns: created by the
// test-only fixture where the migrations 011-013 have not); crawl r0, a month
// older, has the same jobs, hosts and addresses but none of them, as a crawl
// made before the metrics: its dns6, web6, web6_same and ntp6 read NULL, not no.
// Every expected value was worked out by hand from the rows (see comments).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportTable, formatRows } from "../../services/aggregator/export.js";
import { compareSql } from "../../services/aggregator/queries/compare.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { createOwnersTables, dns6Row, webRow } from "./readiness-fixture.js";

const crawls = { r0: "2026-10-01", r1: "2026-11-01" } as const;
type CrawlId = keyof typeof crawls;

const job = (domain: string, type: string, host: string, priority = 0, outcome = "OK") => ({
  domain,
  tld: "be",
  type,
  host,
  priority,
  outcome,
});
const host = (name: string, ipv4: string[], ipv6: string[], valid6 = ipv6.map(() => 1)) => ({
  host: name,
  a_outcome: ipv4.length ? "OK" : "NODATA",
  aaaa_outcome: ipv6.length ? "OK" : "NODATA",
  ipv4,
  ipv6,
  valid4: ipv4.map(() => 1),
  valid6,
  ip6_types: ipv6.map(() => "documentation"),
  eui64: ipv6.map(() => 0),
  cname_chain: [],
});
/** An address with its SMTP outcome (step '' = not probed) and, in r1 only, its NTP outcome. */
const address = (ip: string, smtp: "" | "ok" | "ehlo" = "", ntp: "" | "answered" | "silent" = "") => ({
  ip: ip.includes(":") ? ip : `::ffff:${ip}`,
  family: ip.includes(":") ? 6 : 4,
  smtp_step: smtp === "" ? "" : smtp === "ok" ? "tls" : "ehlo",
  smtp_failure: smtp === "ehlo" ? "generic_timeout" : "",
  smtp_ehlo: smtp === "ok" ? 1 : 0,
  ntp_measured: ntp === "" ? 0 : 1,
  ntp_answered: ntp === "answered" ? 1 : 0,
  ntp_failure: ntp === "silent" ? "generic_timeout" : "",
});

const jobs = [
  // ready.be: everything over IPv6 (BE, by its web host's IPv4 address)
  job("ready.be", "NS", "ns.ready.be", 1),
  job("ready.be", "WWW", "www.ready.be"),
  job("ready.be", "MX", "mx.ready.be", 10),
  job("ready.be", "NTP", "ntp.ready.be"),
  // noaaaa.be: no AAAA glue; web host IPv4 only; a null MX; an NTP name without address
  job("noaaaa.be", "WWW", "www.noaaaa.be"),
  job("noaaaa.be", "MX", "", 0, "NULL_MX"),
  job("noaaaa.be", "NTP", "ntp.noaaaa.be"),
  // invalid.be: the web host's only AAAA is ::1; one of two MX hosts without AAAA
  job("invalid.be", "WWW", "www.invalid.be"),
  job("invalid.be", "MX", "mx1.invalid.be", 10),
  job("invalid.be", "MX", "mx2.invalid.be", 20),
  // failed.be: web over IPv6 fails on both schemes; SMTP over IPv6 never answers EHLO; NTP IPv4 only
  job("failed.be", "WWW", "www.failed.be"),
  job("failed.be", "MX", "mx.failed.be", 10),
  job("failed.be", "NTP", "ntp.failed.be"),
  // differ.be (NL): answers over IPv6, not the same site; no MX record; NTP silent over IPv6
  job("differ.be", "WWW", "www.differ.be"),
  job("differ.be", "MX", "", 0, "NODATA"),
  job("differ.be", "NTP", "time.differ.be"),
  // v6only.be: IPv6-only web host (nothing over IPv4 to compare); SMTP and NTP not probed
  job("v6only.be", "WWW", "www.v6only.be"),
  job("v6only.be", "MX", "mx.v6only.be", 10),
  job("v6only.be", "NTP", "time.v6only.be"),
  // nodns.be: no dns6_chains row; a web host with IPv6 that web_parity has no row for
  job("nodns.be", "WWW", "www6.nodns.be"),
];
const hosts = [
  host("ns.ready.be", ["192.0.2.1"], ["2001:db8::1"]),
  host("www.ready.be", ["192.0.2.10"], ["2001:db8::10"]),
  host("mx.ready.be", ["192.0.2.11"], ["2001:db8::11"]),
  host("ntp.ready.be", [], ["2001:db8::12"]),
  host("www.noaaaa.be", ["192.0.2.20"], []),
  host("ntp.noaaaa.be", [], []),
  host("www.invalid.be", ["192.0.2.30"], ["::1"], [0]),
  host("mx1.invalid.be", ["192.0.2.31"], ["2001:db8::31"]),
  host("mx2.invalid.be", ["192.0.2.32"], []),
  host("www.failed.be", ["192.0.2.40"], ["2001:db8::40"]),
  host("mx.failed.be", ["192.0.2.41"], ["2001:db8::41"]),
  host("ntp.failed.be", ["192.0.2.42"], []),
  host("www.differ.be", ["192.0.2.50"], ["2001:db8::50"]),
  host("time.differ.be", ["192.0.2.51"], ["2001:db8::51"]),
  host("www.v6only.be", [], ["2001:db8::60"]),
  host("mx.v6only.be", [], ["2001:db8::61"]),
  host("time.v6only.be", [], ["2001:db8::62"]),
  host("www6.nodns.be", [], ["2001:db8::70"]),
];
const addresses = [
  address("2001:db8::11", "ok"),
  address("2001:db8::12", "", "answered"),
  address("2001:db8::31", "ok"),
  address("2001:db8::41", "ehlo"),
  address("2001:db8::51", "", "silent"),
  address("2001:db8::61", ""),
  address("2001:db8::62", ""),
];
const web = (crawl: CrawlId) => [
  webRow(crawl, crawls[crawl], "www.ready.be", "http", 200, 200),
  webRow(crawl, crawls[crawl], "www.ready.be", "https", 200, 200),
  webRow(crawl, crawls[crawl], "www.failed.be", "http", 200, 0, ["ipv6_failed"]),
  webRow(crawl, crawls[crawl], "www.failed.be", "https", 0, 0),
  // listed out of order: the reason lists them in the contract's order
  webRow(crawl, crawls[crawl], "www.differ.be", "http", 200, 200, ["content"]),
  webRow(crawl, crawls[crawl], "www.differ.be", "https", 200, 404, ["certificate", "status"]),
  webRow(crawl, crawls[crawl], "www.v6only.be", "http", 0, 200),
];
const dns6 = (crawl: CrawlId) =>
  [
    ["ready.be", ""],
    ["noaaaa.be", "no_aaaa_glue"],
    ["invalid.be", ""],
    ["failed.be", ""],
    ["differ.be", ""],
    ["v6only.be", ""],
  ].map(([domain, reason]) => dns6Row(crawl, crawls[crawl], domain!, reason));

describe("Readiness (issue 19) over hand-written rows", () => {
  let store: Store;
  let dir: string;
  const rows = (sql: string, crawl: CrawlId) => store.query<Row>(sql, { crawl });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-readiness-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await createOwnersTables(store);
    for (const [crawl, date] of Object.entries(crawls) as [CrawlId, string][]) {
      await saveCrawl(store, {
        crawl_id: crawl,
        date,
        state: "completed",
        options: JSON.stringify({ wwwPrefixes: ["www", "www6"], ntpPrefixes: ["ntp", "time"] }),
        source: "test",
        domains: 7,
        rejected: 0,
        started_at: `${date} 00:00:00`,
        finished_at: `${date} 01:00:00`,
        published: 1,
        error: "",
      });
      const stamp = <T extends object>(row: T) => ({ crawl_id: crawl, date, ...row });
      await store.insert("jobs", jobs.map(stamp));
      await store.insert("hosts", hosts.map(stamp));
      // r0 was probed before the NTP metric: its addresses say so
      await store.insert(
        "addresses",
        addresses.map((a) => stamp(crawl === "r0" ? { ...a, ntp_measured: 0, ntp_answered: 0 } : a)),
      );
      await store.insert("geo", [
        stamp({ ip: "::ffff:192.0.2.10", country: "BE" }),
        stamp({ ip: "::ffff:192.0.2.50", country: "NL" }),
      ]);
    }
    await store.insert("dns6_chains", dns6("r1"));
    await store.insert("web_parity", web("r1"));
    for (const crawl of Object.keys(crawls)) {
      await computeSummaries(store, crawl);
      // Computing twice replaces, never adds.
      await computeSummaries(store, crawl);
    }
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verdictSql = `SELECT domain, country, dns6, dns6_reason, web6, web6_reason, web6_same, web6_same_reason,
    mail6, mail6_reason, ntp6, ntp6_reason, ipv6_only_ready, ipv6_only_reason
    FROM readiness_domains WHERE crawl_id = {crawl:String} ORDER BY domain`;
  // A verdict and its reason as one word: 1, 0:reason, or - for NULL.
  const line = (r: Row) => {
    const v = (verdict: string, reason: string) =>
      r[verdict] === null ? `-${r[reason] ? `?${r[reason]}` : ""}` : r[verdict] === 1 ? "1" : `0:${r[reason]}`;
    return [
      r["domain"],
      r["country"],
      v("dns6", "dns6_reason"),
      v("web6", "web6_reason"),
      v("web6_same", "web6_same_reason"),
      v("mail6", "mail6_reason"),
      v("ntp6", "ntp6_reason"),
      v("ipv6_only_ready", "ipv6_only_reason"),
    ].join(" ");
  };

  it("gives every verdict and reason, and NULL where one does not apply or was not measured", async () => {
    assert.deepEqual((await rows(verdictSql, "r1")).map(line), [
      // answers over IPv6 with another status, certificate and page; no MX record; NTP silent over IPv6
      "differ.be NL 1 1 0:status,certificate,content - 0:ntp6_silent 0:web6_same",
      // both schemes fail over IPv6; the one that answered over IPv4 differs by ipv6_failed
      "failed.be ZZ 1 0:ipv6_failed 0:ipv6_failed 0:smtp6_failed 0:ntp_without_aaaa 0:web6",
      // ::1 is no IPv6 address (decision 010); nothing answered over IPv4 to compare: web6_same NULL;
      // mx2 has no AAAA; no NTP job at all
      "invalid.be ZZ 1 0:invalid_aaaa - 0:mx_without_aaaa - 0:web6",
      // a null MX and an NTP name without an address: neither applies; dns6 fails first
      "noaaaa.be ZZ 0:no_aaaa_glue 0:no_aaaa - - - 0:dns6",
      // no dns6_chains row: unknown; www6 has IPv6 and no web_parity row: unknown, so ready unknown
      "nodns.be ZZ - - - - - -",
      "ready.be BE 1 1 1 1 1 1",
      // web over IPv6 only: nothing to compare; SMTP and NTP not probed: unknown, so ready unknown
      "v6only.be ZZ 1 1 - - - -",
    ]);
  });

  it("reads NULL, not no, for a crawl the owners' tables have no rows for; mail6 comes from older tables", async () => {
    assert.deepEqual((await rows(verdictSql, "r0")).map(line), [
      "differ.be NL - - - - - -",
      "failed.be ZZ - - - 0:smtp6_failed - 0:mail6",
      "invalid.be ZZ - - - 0:mx_without_aaaa - 0:mail6",
      "noaaaa.be ZZ - - - - - -",
      "nodns.be ZZ - - - - - -",
      "ready.be BE - - - 1 - -",
      "v6only.be ZZ - - - - - -",
    ]);
  });

  const summarySql = `SELECT tld, country, domains, dns6_applicable, dns6_yes, web6_applicable, web6_yes,
    web6_same_applicable, web6_same_yes, mail6_applicable, mail6_yes, ntp6_applicable, ntp6_yes,
    ipv6_only_ready_applicable, ipv6_only_ready_yes, method
    FROM readiness WHERE crawl_id = {crawl:String} ORDER BY tld, country`;
  const summaryLine = (r: Row) => Object.values(r).join(" ");

  it("sums the verdicts per (tld, country): domains, then applicable and yes of each, then method", async () => {
    assert.deepEqual((await rows(summarySql, "r1")).map(summaryLine), [
      "be BE 1 1 1 1 1 1 1 1 1 1 1 1 1 2",
      "be NL 1 1 1 1 1 1 0 0 0 1 0 1 0 2",
      // ZZ: failed, invalid, nodns, noaaaa, v6only. dns6 4 known, 3 ready (noaaaa not);
      // web6 4 known (not nodns), 1 yes (v6only); web6_same 1 known (failed), 0 yes;
      // mail6 2 (failed, invalid), 0 yes; ntp6 1 (failed), 0 yes; ready 3 known (failed, invalid, noaaaa), 0 yes
      "be ZZ 5 4 3 4 1 1 0 2 0 1 0 3 0 2",
    ]);
    assert.deepEqual((await rows(summarySql, "r0")).map(summaryLine), [
      "be BE 1 0 0 0 0 0 0 1 1 0 0 0 0 2",
      "be NL 1 0 0 0 0 0 0 0 0 0 0 0 0 2",
      "be ZZ 5 0 0 0 0 0 0 2 0 0 0 2 0 2",
    ]);
  });

  it("compares two dated crawls: domains ready for IPv6 only, per TLD", async () => {
    const { sql, params } = compareSql("r0", "r1", "tld", "readiness");
    assert.deepEqual(await store.query(sql, params), [
      // r0: 2 domains with a readiness verdict (failed, invalid), none ready;
      // r1: 5 (differ, failed, invalid, noaaaa, ready), 1 ready (20%)
      {
        tld: "be",
        total_a: 2,
        ipv6_a: 0,
        percent_a: 0,
        total_b: 5,
        ipv6_b: 1,
        percent_b: 20,
        change: 20,
        method_a: 2,
        method_b: 2,
      },
    ]);
  });

  it("exports readiness and readiness_domains as CSV, NULL as an empty cell", async () => {
    const summary = await exportTable(store, "readiness", "r1", true);
    const csv = formatRows(summary.rows, "csv", summary.columns).split("\n");
    assert.equal(
      csv[0],
      "date,crawl_id,tld,country,domains,dns6_applicable,dns6_yes,web6_applicable,web6_yes," +
        "web6_same_applicable,web6_same_yes,mail6_applicable,mail6_yes,ntp6_applicable,ntp6_yes," +
        "ipv6_only_ready_applicable,ipv6_only_ready_yes,method",
    );
    assert.equal(csv[1], "2026-11-01,r1,be,BE,1,1,1,1,1,1,1,1,1,1,1,1,1,2");
    const domains = await exportTable(store, "readiness_domains", "r1", true);
    const lines = formatRows(domains.rows, "csv", domains.columns).split("\n");
    assert.equal(
      lines[0],
      "date,crawl_id,domain,tld,country,dns6,dns6_reason,web6,web6_reason,web6_same,web6_same_reason," +
        "mail6,mail6_reason,ntp6,ntp6_reason,ipv6_only_ready,ipv6_only_reason,method",
    );
    assert.equal(
      lines.find((l) => l.includes(",differ.be,")),
      '2026-11-01,r1,differ.be,be,NL,1,,1,,0,"status,certificate,content",,,0,ntp6_silent,0,web6_same,2',
    );
  });
});
