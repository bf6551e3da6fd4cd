// History import from the original's SQLite file (ips-<run>.db), written by
// the sqlite3 command in the original's schema (utils.create_dns_table) with
// its `n/a` rows; read through chDB's sqlite() table function.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { importLegacyCrawl } from "../../services/aggregator/legacy/legacy-import.js";
import { chdbSqliteTables, readLegacySqlite } from "../../services/aggregator/legacy/sqlite-import.js";
import { getCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

// Two domains: a.com (dual-stack web and mail, IPv4 name server), b.com (IPv4 web, MX look-up failed).
const script = `
CREATE TABLE soa  (host, primaryBySOA, primaryByRank, primaryInHouse, secondary, total, soa, tld);
CREATE TABLE ip4  (host UNIQUE, ip, asn, city, region_name, country_code, longitude, latitude);
CREATE TABLE ip6  (host UNIQUE, ip, valid, id, type);
CREATE TABLE job  (type, domain, host, priority, tld, UNIQUE(type, domain, host));
CREATE TABLE ping (ip PRIMARY KEY, count, min, avg, max, mdev);
CREATE TABLE rdns (ip PRIMARY KEY, reverse);
CREATE TABLE tcp  (ip PRIMARY KEY, port25, port80, port443, starttls);
CREATE TABLE tracert (ip PRIMARY KEY, mtu, hops, path);
INSERT INTO rdns VALUES ('n/a', 'n/a');
INSERT INTO ping VALUES ('n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a');
INSERT INTO tcp VALUES ('n/a', 'n/a', 'n/a', 'n/a', 'n/a');
INSERT INTO tracert VALUES ('n/a', 'n/a', 'n/a', 'n/a');
INSERT INTO job VALUES ('MX', 'a.com', 'mx.a.com.', 10, 'com'), ('MX', 'b.com', 'n/a', 10, 'com'),
  ('NS', 'a.com', 'ns.a.com.', 1, 'com'), ('NS', 'b.com', 'ns.a.com.', 1, 'com'),
  ('WWW', 'a.com', 'www.a.com', 0, 'com'), ('WWW', 'b.com', 'www.b.com', 0, 'com');
INSERT INTO ip4 VALUES ('mx.a.com.', '192.0.2.25', 'AS64502 Mail BV', 'Amsterdam', 'North Holland', 'NL', 4.9, 4.9),
  ('n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'),
  ('ns.a.com.', '192.0.2.53', 'AS64503 DNS Inc', 'n/a', 'n/a', 'US', -97.8, -97.8),
  ('www.a.com', '192.0.2.1', 'AS64500 Example Net', 'Berlin', 'Land Berlin', 'DE', 13.4, 13.4),
  ('www.b.com', '192.0.2.2', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a');
INSERT INTO ip6 VALUES ('mx.a.com.', '2001:db8::25', 0, 'n/a', 'n/a'), ('n/a', 'n/a', 'n/a', 'n/a', 'n/a'),
  ('ns.a.com.', 'n/a', 'n/a', 'n/a', 'n/a'), ('www.a.com', '2001:db8::1', 0, 'n/a', 'n/a'),
  ('www.b.com', 'n/a', 'n/a', 'n/a', 'n/a');
INSERT INTO ping VALUES ('192.0.2.25', '5', '19.0', '20.0', '21.0', '0.5'), ('2001:db8::25', '5', '29.0', '30.0', '31.0', '0.5'),
  ('192.0.2.53', '5', '4.0', '5.0', '6.0', '0.1'), ('192.0.2.1', '5', '9.5', '10.0', '10.5', '0.3'),
  ('2001:db8::1', '5', '7.5', '8.0', '8.5', '0.2'), ('192.0.2.2', '5', 'n/a', 'n/a', 'n/a', 'n/a');
INSERT INTO tcp VALUES ('192.0.2.25', 'True', 'False', 'False', 'True'), ('2001:db8::25', 'False', 'False', 'False', 'False'),
  ('192.0.2.53', 'False', 'False', 'False', 'False'), ('192.0.2.1', 'False', 'True', 'True', 'False'),
  ('2001:db8::1', 'False', 'True', 'False', 'False'), ('192.0.2.2', 'False', 'True', 'False', 'False');
INSERT INTO tracert VALUES ('192.0.2.25', 1500, 7, 'gw --> 192.0.2.25'), ('2001:db8::25', 1500, 7, 'gw6 --> no --> mx.a.com'),
  ('192.0.2.53', 'n/a', 'n/a', 'n/a'), ('192.0.2.1', 1500, 5, 'gw --> www.a.com'), ('2001:db8::1', 1500, 4, 'gw6 --> www.a.com'),
  ('192.0.2.2', 'n/a', 'n/a', 'n/a');
INSERT INTO rdns VALUES ('192.0.2.25', 'mx.a.com.'), ('198.51.100.1', 'gw'), ('192.0.2.1', 'www.a.com.');
INSERT INTO soa VALUES ('a.com', 'ns.a.com.', 'ns.a.com.', 1, 0, '1', 'hostmaster.a.com.,2021060101,3600,600,86400,300', 'com');
`;

// The sqlite3 command (Debian's sqlite3, installed by scripts/test.sh) writes the file, as the original's
// Python did: never this project's own code.
describe("legacy SQLite import", () => {
  let store: Store;
  let dir: string;
  let crawlId: string;
  const rows = (sql: string) => store.query<Row>(sql, { crawl: crawlId });
  const line = (row: Row) => Object.values(row).map(String).join(" ");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-legacy-sqlite-"));
    const file = join(dir, "ips-2021-07-01__08-30-00.db");
    execFileSync("sqlite3", [file], { input: script });
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    const tables = await chdbSqliteTables(store, file, join(dir, "scratch"));
    const crawl = await readLegacySqlite(tables, file);
    await tables.close();
    crawlId = (
      await importLegacyCrawl(store, crawl, {
        source: `legacy-sqlite:${file}`,
        wwwPrefixes: ["www"],
        ntpPrefixes: [],
      })
    ).crawl_id;
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("dates the crawl by the run in the file name and publishes it", async () => {
    const crawl = (await getCrawl(store, crawlId))!;
    assert.deepEqual(
      [crawl.state, crawl.date, crawl.started_at, crawl.published],
      ["completed", "2021-07-01", "2021-07-01 08:30:00.000", 1],
    );
  });

  it("keeps the real IPv6 max RTT the SQLite file has, and only the hosts' addresses", async () => {
    const got =
      await rows(`SELECT replaceRegexpOne(toString(ip), '^::ffff:', '') AS address, rdns, ping_avg, ping_max,
      tcp25, starttls, trace_hops FROM addresses FINAL WHERE crawl_id = {crawl:String} ORDER BY address`);
    assert.deepEqual(got.map(line), [
      "192.0.2.1 www.a.com 10 10.5 closed 0 5",
      "192.0.2.2  null null closed 0 null",
      "192.0.2.25 mx.a.com 20 21 open 1 7",
      "192.0.2.53  5 6 closed 0 null",
      "2001:db8::1  8 8.5 closed 0 4",
      "2001:db8::25  30 31 closed 0 7",
    ]);
  });

  it("computes the summaries", async () => {
    const got =
      await rows(`SELECT tld, type, country, hosts, hosts4, hosts6, dualstack, noip, pinghosts, faster,
      pathhosts, fewer FROM host_data WHERE crawl_id = {crawl:String} ORDER BY tld, type, country`);
    assert.deepEqual(got.map(line), [
      "com MX NL 1 0 0 1 0 1 0 1 0",
      "com MX ZZ 1 0 0 0 1 0 0 0 0",
      "com NS US 2 2 0 0 0 0 0 0 0",
      "com WWW DE 1 0 0 1 0 1 1 1 1",
      "com WWW ZZ 1 1 0 0 0 0 0 0 0", // www.b.com: the database did not know it
    ]);
    const penetration =
      await rows(`SELECT tld, country, domains, domains6, www, ns, mx FROM domain_penetration
      WHERE crawl_id = {crawl:String} ORDER BY country`);
    assert.deepEqual(penetration.map(line), ["com DE 1 1 1 0 1", "com ZZ 1 0 0 0 0"]);
    const soa = await rows(
      "SELECT domain, rname, serial, minimum FROM soa FINAL WHERE crawl_id = {crawl:String}",
    );
    assert.deepEqual(soa.map(line), ["a.com hostmaster.a.com 2021060101 300"]);
  });

  it("names the table and row of a value that does not fit", async () => {
    const file = join(dir, "ips-2021-07-02__08-30-00.db");
    execFileSync("sqlite3", [file], {
      input: `${script}\nINSERT INTO ping VALUES ('192.0.2.99', '5', 'fast', '1', '1', '0');\nINSERT INTO ip4 VALUES ('x.b.com', '192.0.2.99', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a');`,
    });
    const tables = await chdbSqliteTables(store, file, join(dir, "scratch"));
    await assert.rejects(readLegacySqlite(tables, file), {
      name: "LegacyFormatError",
      message: `${file} table ping row:8: min: "fast" is not a number`,
    });
  });
});
