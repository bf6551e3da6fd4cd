// Readiness (issue 19) in ClickHouse SQL over hand-written rows (readiness-rows.ts):
// every verdict, every reason and every NULL of readiness_domains, the Readiness
// summary, its comparison across two dated crawls and its export. Crawl r1 has
// the owners' rows; crawl r0, a month older, none of them, as a crawl made
// before the metrics: its dns6, web6, web6_same and ntp6 read NULL, not no.
// Every expected value was worked out by hand from the rows (see comments).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportTable, formatRows } from "../../services/aggregator/export.js";
import { compareSql } from "../../services/aggregator/queries/compare.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { type CrawlId, fillReadinessCrawls } from "./readiness-rows.js";

describe("Readiness (issue 19) over hand-written rows", () => {
  let store: Store;
  let dir: string;
  const rows = (sql: string, crawl: CrawlId) => store.query<Row>(sql, { crawl });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-readiness-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await fillReadinessCrawls(store);
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
      r[verdict] === null
        ? `-${r[reason] ? `?${r[reason]}` : ""}`
        : r[verdict] === 1
          ? "1"
          : `0:${r[reason]}`;
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

  it("gives the same verdicts and sums computed a share of the domains at a time (a large crawl's way)", async () => {
    const verdicts = await rows(verdictSql, "r1");
    const sums = await rows(summarySql, "r1");
    // One domain a share: seven passes for the seven domains.
    await computeSummaries(store, "r1", { domainsAShare: 1 });
    assert.equal(verdicts.length, 7);
    assert.deepEqual(await rows(verdictSql, "r1"), verdicts);
    assert.deepEqual(await rows(summarySql, "r1"), sums);
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
