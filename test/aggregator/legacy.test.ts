// History import from the original's CSV crawl folder (legacy-fixture.ts,
// written by hand in its formats): the raw rows it gives, the summaries
// computed from them, and a comparison with a crawl made by this project,
// every expected figure worked out by hand. Also: broken files are refused
// whole, naming file and line, and a failed write leaves nothing behind.

import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { findLegacyRuns, readLegacyCsvRun } from "../../services/aggregator/legacy/csv-import.js";
import { exportLegacyCsv } from "../../services/aggregator/legacy/legacy-csv-export.js";
import { importLegacyCrawl } from "../../services/aggregator/legacy/legacy-import.js";
import { compareSql } from "../../services/aggregator/queries/compare.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { getCrawl, saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { legacyFiles, writeLegacyCrawl } from "./legacy-fixture.js";

const prefixes = { wwwPrefixes: ["www", "www6", "ipv6"], ntpPrefixes: ["ntp"] };
const line = (row: Row) => Object.values(row).map(String).join(" ");

async function importCsv(store: Store, dir: string) {
  const runs = await findLegacyRuns(dir);
  const { crawl } = await readLegacyCsvRun(runs);
  return importLegacyCrawl(store, crawl, { source: `legacy-csv:${dir}`, ...prefixes });
}

/** Crawl B, made by this project: raw rows as the aggregator writes them. */
async function writeNewCrawl(store: Store, crawl: string, date: string): Promise<void> {
  const base = { crawl_id: crawl, date };
  await saveCrawl(store, {
    ...base,
    state: "running",
    options: JSON.stringify({ wwwPrefixes: ["www"], ntpPrefixes: [] }),
    source: "test",
    domains: 3,
    rejected: 0,
    started_at: `${date} 00:00:00`,
    finished_at: null,
    published: 0,
    error: "",
  });
  const job = (domain: string, type: string, host: string) => ({
    ...base,
    domain,
    tld: domain.split(".").pop(),
    type,
    host,
    priority: 0,
    outcome: "OK",
  });
  await store.insert("jobs", [
    job("a.com", "WWW", "www.a.com"),
    job("a.com", "MX", "mx.shared.net"),
    job("b.com", "WWW", "www.b.com"),
    job("c.org", "WWW", "www.c.org"),
  ]);
  const host = (name: string, ipv4: string[], ipv6: string[]) => ({
    ...base,
    host: name,
    a_outcome: ipv4.length ? "OK" : "NODATA",
    aaaa_outcome: ipv6.length ? "OK" : "NODATA",
    ipv4,
    ipv6,
    ip6_types: ipv6.map(() => "documentation"),
    eui64: ipv6.map(() => 0),
    cname_chain: [],
  });
  await store.insert("hosts", [
    host("www.a.com", ["192.0.2.1"], ["2001:db8::1"]),
    host("mx.shared.net", ["192.0.2.25"], ["2001:db8::25"]),
    host("www.b.com", ["192.0.2.2"], ["2001:db8::2"]),
    host("www.c.org", ["192.0.2.3"], []),
  ]);
  const geo = (ip: string, country: string) => ({
    ...base,
    ip: ip.includes(":") ? ip : `::ffff:${ip}`,
    country,
    city: "",
    region: "",
    latitude: null,
    longitude: null,
    asn: 0,
    as_org: "",
    db_version: "test",
  });
  await store.insert("geo", [
    geo("192.0.2.1", "DE"),
    geo("192.0.2.25", "NL"),
    geo("192.0.2.2", "FR"),
    geo("192.0.2.3", "GB"),
  ]);
  await computeSummaries(store, crawl);
  await saveCrawl(store, {
    ...(await getCrawl(store, crawl))!,
    state: "completed",
    published: 1,
    finished_at: `${date} 01:00:00`,
  });
}

describe("legacy CSV import", () => {
  let store: Store;
  let dir: string;
  let legacyId: string;
  const rows = (sql: string) => store.query<Row>(sql, { crawl: legacyId });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-legacy-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    legacyId = (await importCsv(store, writeLegacyCrawl(join(dir, "crawls")))).crawl_id;
    await writeNewCrawl(store, "new1", "2026-06-01");
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records a completed, published crawl dated by its run folder, its source named", async () => {
    const crawl = (await getCrawl(store, legacyId))!;
    assert.deepEqual(
      [crawl.state, crawl.date, crawl.started_at, crawl.published, crawl.domains],
      ["completed", "2021-06-01", "2021-06-01 17:00:00.000", 1, 3],
    );
    assert.equal(crawl.source, `legacy-csv:${join(dir, "crawls")}`);
    assert.deepEqual(JSON.parse(crawl.options).wwwPrefixes, ["www", "www6"]);
  });

  it("fills jobs, including rows without a host or an address", async () => {
    const got = await rows(`SELECT domain, type, host, priority, outcome FROM jobs FINAL
      WHERE crawl_id = {crawl:String} ORDER BY domain, type, host`);
    assert.deepEqual(got.map(line), [
      "a.com MX mx.shared.net 10 OK",
      "a.com NS ns.shared.net 1 OK",
      "a.com NTP ntp.a.com 0 OK",
      "a.com WWW www.a.com 0 OK",
      "a.com WWW www6.a.com 0 OK",
      "b.com MX  10 OTHER", // the original's "10 n/a"
      "b.com NS ns.shared.net 1 OK",
      "b.com NTP ntp.b.com 0 OK",
      "b.com WWW www.b.com 0 OK",
      "b.com WWW www6.b.com 0 OK",
      "c.org MX mx.shared.net 5 OK",
      "c.org NS ns.c.org 1 OK",
      "c.org NTP ntp.c.org 0 OK",
      "c.org WWW www.c.org 0 OK",
      "c.org WWW www6.c.org 0 OK",
    ]);
  });

  it("fills addresses and geo, leaving unknown what the original got wrong", async () => {
    const got = await rows(`SELECT replaceRegexpOne(toString(ip), '^::ffff:', '') AS address, rdns, ping_sent,
      ping_received, ping_avg, ping_max, tcp80, tcp443, tcp25, starttls, trace_hops,
      arrayStringConcat(trace_path, '|') AS path, mtu FROM addresses FINAL
      WHERE crawl_id = {crawl:String} AND address IN ('192.0.2.1', '2001:db8::1', '2001:db8::25') ORDER BY address`);
    assert.deepEqual(got.map(line), [
      "192.0.2.1 www.a.com 5 5 10 10.5 open open not_probed 0 5 gw|r1|r2|r3|www.a.com null",
      "2001:db8::1  5 5 8 null open closed not_probed 0 4 gw6|r6|r7|www.a.com null", // max6 was avg6
      "2001:db8::25 mx.shared.net 5 5 30 null not_probed not_probed closed 0 7 gw6|r6|mx.shared.net null",
    ]);
    const geo = await rows(`SELECT country, city, latitude, longitude, asn, as_org FROM geo FINAL
      WHERE crawl_id = {crawl:String} ORDER BY ip`);
    assert.deepEqual(geo.map(line), [
      "DE Berlin null 13.4 64500 Example Net", // the latitude column held the longitude
      "FR Paris null 2.35 64501 Exemple, SA",
      "NL Amsterdam null 4.9 64502 Mail BV",
      "US  null -97.8 64503 DNS Inc",
      "GB London null -0.1 64504 Brit Ltd",
      "GB London null -0.1 64504 Brit Ltd",
    ]);
    const soa =
      await rows(`SELECT domain, primary_by_soa, primary_in_house, total, rname, serial, minimum FROM soa FINAL
      WHERE crawl_id = {crawl:String} ORDER BY domain`);
    assert.deepEqual(soa.map(line), [
      "a.com ns.shared.net 0 1 hostmaster.a.com 2021060101 300",
      "b.com ns.shared.net 0 1 hostmaster.b.com 7 3600",
      "c.org ns.c.org 1 1 admin.c.org 1 300",
    ]);
  });

  it("computes the summaries from them (method 1: measured by the original)", async () => {
    const hostData =
      await rows(`SELECT tld, type, country, hosts, hosts4, hosts6, dualstack, noip, pinghosts, faster,
      ping4, ping6, pathhosts, fewer, hops4, hops6, method FROM host_data WHERE crawl_id = {crawl:String}
      ORDER BY tld, type, country`);
    assert.deepEqual(hostData.map(line), [
      "com MX NL 1 0 0 1 0 1 0 20 30 1 0 7 7 1",
      "com MX ZZ 1 0 0 0 1 0 0 0 0 0 0 0 0 1", // b.com's failed MX look-up
      "com NS US 2 2 0 0 0 0 0 0 0 0 0 0 0 1",
      "com NTP ZZ 2 0 0 0 2 0 0 0 0 0 0 0 0 1",
      "com WWW DE 1 0 0 1 0 1 1 10 8 1 1 5 4 1",
      "com WWW FR 1 1 0 0 0 0 0 0 0 0 0 0 0 1",
      "com WWW ZZ 2 0 0 0 2 0 0 0 0 0 0 0 0 1",
      "org MX NL 1 0 0 1 0 1 0 20 30 1 0 7 7 1", // the shared MX host: its addresses were measured once
      "org NS GB 1 1 0 0 0 0 0 0 0 0 0 0 0 1",
      "org NTP GB 1 1 0 0 0 0 0 0 0 0 0 0 0 1",
      "org WWW ZZ 2 0 1 0 1 0 0 0 0 0 0 0 0 1", // IPv6 only: not geolocated by the original
    ]);
    const reach = await rows(`SELECT tld, service, country, hosts4, hosts6, reach4, reach6 FROM reachability
      WHERE crawl_id = {crawl:String} AND country != 'ZZ' ORDER BY tld, service, country`);
    assert.deepEqual(reach.map(line), [
      "com HTTP DE 1 1 1 1",
      "com HTTP FR 1 0 1 0",
      "com HTTPS DE 1 1 1 0",
      "com HTTPS FR 1 0 0 0",
      "com SMTP NL 1 1 1 0",
      "org SMTP NL 1 1 1 0",
    ]);
    const domains =
      await rows(`SELECT domain, country, www_hosts, www_hosts6, mx_hosts6, http6, smtp4, faster,
      round(pingratio, 4) AS pingratio, fewer, round(hopratio, 4) AS hopratio FROM domains
      WHERE crawl_id = {crawl:String} ORDER BY domain`);
    assert.deepEqual(domains.map(line), [
      "a.com DE 1 1 1 1 1 1 1.2667 1 0.9167",
      "b.com FR 1 0 0 0 0 0 null 0 null",
      "c.org ZZ 1 1 1 1 1 0 1.5 0 1", // the shared MX host, 7 hops each way
    ]);
  });

  it("keeps method 1 when its summaries are computed again (summarise)", async () => {
    await computeSummaries(store, legacyId);
    const methods = await rows(`SELECT DISTINCT method FROM (
      SELECT method FROM host_data WHERE crawl_id = {crawl:String} UNION ALL
      SELECT method FROM reachability WHERE crawl_id = {crawl:String} UNION ALL
      SELECT method FROM domains WHERE crawl_id = {crawl:String} UNION ALL
      SELECT method FROM domain_penetration WHERE crawl_id = {crawl:String})`);
    assert.deepEqual(methods.map(line), ["1"]);
    const ours = await store.query<Row>(
      "SELECT DISTINCT method FROM domain_penetration WHERE crawl_id = 'new1'",
    );
    assert.deepEqual(ours.map(line), ["2"]);
  });

  it("compares with a crawl of this project like any other crawl", async () => {
    const compare = async (by: string) => {
      const { sql, params } = compareSql(legacyId, "new1", by);
      return (await store.query<Row>(sql, params)).map(line);
    };
    // A: com 1 of 2 domains with IPv6 (a.com), org 1 of 1 (c.org); B: com 2 of 2, org 0 of 1.
    // The methods differ: the imported crawl is the original's (1), new1 this crawler's (2).
    assert.deepEqual(await compare("tld"), ["com 2 1 50 2 2 100 50 1 2", "org 1 1 100 1 0 0 -100 1 2"]);
    assert.deepEqual(await compare("country"), [
      "DE 1 1 100 1 1 100 0 1 2",
      "FR 1 0 0 1 1 100 100 1 2",
      "GB 0 0 null 1 0 0 null 1 2",
      "ZZ 1 1 100 0 0 null null 1 2",
    ]);
    // HostData without ZZ. A: MX 2 dual-stack, NS 3 IPv4, NTP 1 IPv4, WWW DE dual + FR IPv4.
    // B: MX 1 dual-stack, WWW a and b dual-stack, c IPv4.
    assert.deepEqual(await compare("type"), [
      "MX 2 2 100 1 1 100 0 1 2",
      "NS 3 0 0 0 0 null null 1 2",
      "NTP 1 0 0 0 0 null null 1 2",
      "WWW 2 1 50 3 2 66.67 16.67 1 2",
    ]);
  });

  it("exports a crawl as the original's folder, which imports back to the same summaries", async () => {
    const out = join(dir, "exported");
    const files = await exportLegacyCsv(store, (await getCrawl(store, "new1"))!, out);
    assert.ok(files.includes(join("com", "2026-06-01__00-00-00", "MX_com.log")));
    const read = (tld: string, name: string) =>
      readFileSync(join(out, tld, "2026-06-01__00-00-00", name), "utf8");
    assert.equal(read("com", "MX_com.log"), "MX,a.com,mx.shared.net.,192.0.2.25,2001:db8::25,0\r\n");
    assert.equal(
      read("com", "WWW_com.log"),
      "WWW,a.com,www.a.com,192.0.2.1,2001:db8::1\r\nWWW,b.com,www.b.com,192.0.2.2,2001:db8::2\r\n",
    );
    assert.equal(
      read("org", "geoip_WWW_org.log"),
      "geoip,c.org,www.c.org,192.0.2.3,n/a,n/a,n/a,n/a,GB,n/a,n/a\r\n",
    );
    const again = await importCsv(store, out);
    const summary = async (crawl: string) =>
      (
        await store.query<Row>(
          `SELECT tld, country, domains, domains6, www, ns, mx, ntp FROM domain_penetration WHERE crawl_id = {crawl:String}
          ORDER BY tld, country`,
          { crawl },
        )
      ).map(line);
    assert.deepEqual(await summary(again.crawl_id), await summary("new1"));
    const hostData = async (crawl: string) =>
      (
        await store.query<Row>(
          `SELECT tld, type, country, hosts, hosts4, hosts6, dualstack, noip FROM host_data WHERE crawl_id = {crawl:String}
          ORDER BY tld, type, country`,
          { crawl },
        )
      ).map(line);
    assert.deepEqual(await hostData(again.crawl_id), await hostData("new1"));
  });

  it("refuses a broken file whole, naming the file and line", async () => {
    const broken = writeLegacyCrawl(join(dir, "broken"));
    appendFileSync(
      join(broken, "com", "2021-06-01__17-00-00", "ping_WWW_com.log"),
      "ping,d.com,www.d.com,192.0.2.9\r\n",
    );
    const before = await store.query<Row>("SELECT count() AS n FROM crawls FINAL");
    await assert.rejects(importCsv(store, broken), {
      name: "LegacyFormatError",
      message: `${join(broken, "com", "2021-06-01__17-00-00", "ping_WWW_com.log")}:3: expected 14 fields, found 4`,
    });
    const bad = writeLegacyCrawl(join(dir, "bad-ip"), {
      com: { ...legacyFiles["com"]!, "WWW_com.log": "WWW,a.com,www.a.com,192.0.2.300,n/a\r\n" },
    });
    await assert.rejects(
      importCsv(store, bad),
      /WWW_com\.log:1: ip4: "192\.0\.2\.300" is not an IPv4 address/,
    );
    assert.deepEqual(await store.query<Row>("SELECT count() AS n FROM crawls FINAL"), before);
  });

  it("deletes what it wrote when a write fails, and marks the crawl failed", async () => {
    const failing: Store = {
      ...store,
      kind: store.kind,
      exec: (sql, params) =>
        sql.includes("INSERT INTO domains")
          ? Promise.reject(new Error("disk full"))
          : store.exec(sql, params),
      query: (sql, params) => store.query(sql, params),
      insert: (table, rows) => store.insert(table, rows),
      close: async () => {},
    };
    await assert.rejects(importCsv(failing, join(dir, "crawls")), /disk full/);
    const failed = await store.query<{ crawl_id: string; error: string }>(
      "SELECT crawl_id, error FROM crawls FINAL WHERE state = 'failed'",
    );
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.error, "disk full");
    for (const table of ["jobs", "hosts", "addresses", "geo", "soa", "host_data", "reachability"]) {
      const left = await store.query<{ n: number }>(
        `SELECT count() AS n FROM ${table} WHERE crawl_id = {crawl:String}`,
        {
          crawl: failed[0]!.crawl_id,
        },
      );
      assert.equal(left[0]!.n, 0, table);
    }
  });
});
