// History import from a mysqldump of the original's summary tables, written
// here in mysqldump's format (ipv6matrix.sql's CREATE TABLEs, extended
// INSERTs): one crawl per date, method 1, SMTPS renamed, compared like any
// crawl, and kept whole by `summarise`, which cannot compute it again.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportRows } from "../../services/aggregator/export.js";
import { importMysqlDump, importMysqlDumpFile } from "../../services/aggregator/legacy/mysql-dump-import.js";
import { compareSql } from "../../services/aggregator/queries/compare.js";
import { trendSql } from "../../services/aggregator/queries/views.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { main } from "../../services/cli/main.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

const dump = `-- MySQL dump 10.13  Distrib 8.0.26, for Linux (x86_64)
--
-- Host: localhost    Database: ipv6matrix
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;

DROP TABLE IF EXISTS \`DomainPenetration\`;
CREATE TABLE \`DomainPenetration\` (
  \`date\` date NOT NULL,
  \`country\` varchar(2) CHARACTER SET utf8 COLLATE utf8_unicode_ci NOT NULL,
  \`tld\` varchar(64) CHARACTER SET utf8 COLLATE utf8_unicode_ci NOT NULL,
  \`domains\` int NOT NULL DEFAULT '0',
  \`domains6\` int NOT NULL DEFAULT '0',
  \`www\` int NOT NULL DEFAULT '0',
  \`mx\` int NOT NULL DEFAULT '0',
  \`ns\` int NOT NULL DEFAULT '0',
  \`ntp\` int NOT NULL DEFAULT '0'
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3 COLLATE=utf8_unicode_ci;

LOCK TABLES \`DomainPenetration\` WRITE;
/*!40000 ALTER TABLE \`DomainPenetration\` DISABLE KEYS */;
INSERT INTO \`DomainPenetration\` VALUES ('2020-01-01','DE','com',10,2,2,1,0,0),('2020-01-01','US','com',30,3,3,0,0,0),('2020-01-01','ZZ','org',5,1,1,0,0,0),('2021-01-01','DE','com',10,5,5,2,1,0),('2021-01-01','US','com',30,6,6,0,0,0);
/*!40000 ALTER TABLE \`DomainPenetration\` ENABLE KEYS */;
UNLOCK TABLES;

CREATE TABLE \`Domains\` (
  \`date\` date NOT NULL,
  \`domain\` varchar(128) NOT NULL,
  \`country\` varchar(2) NOT NULL DEFAULT 'ZZ',
  \`www_hosts\` int NOT NULL DEFAULT '0',
  \`www_hosts6\` int NOT NULL DEFAULT '0',
  \`mx_hosts\` int NOT NULL DEFAULT '0',
  \`mx_hosts6\` int NOT NULL DEFAULT '0',
  \`ns_hosts\` int NOT NULL DEFAULT '0',
  \`ns_hosts6\` int NOT NULL DEFAULT '0',
  \`ntp_hosts\` int NOT NULL DEFAULT '0',
  \`ntp_hosts6\` int NOT NULL DEFAULT '0',
  \`http4\` int NOT NULL DEFAULT '0',
  \`http6\` int NOT NULL DEFAULT '0',
  \`https4\` int NOT NULL DEFAULT '0',
  \`https6\` int NOT NULL DEFAULT '0',
  \`smtp4\` int NOT NULL DEFAULT '0',
  \`smtp6\` int NOT NULL DEFAULT '0',
  \`faster\` int NOT NULL DEFAULT '0',
  \`pingratio\` float NOT NULL DEFAULT '0',
  \`fewer\` int NOT NULL DEFAULT '0',
  \`hopratio\` float NOT NULL DEFAULT '0',
  KEY \`domainsfull\` (\`domain\`)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3 COLLATE=utf8_unicode_ci;
INSERT INTO \`Domains\` VALUES ('2021-01-01','a.com','DE',2,1,1,1,2,0,0,0,2,1,2,0,1,0,1,0.8,0,0),('2021-01-01','b.com','US',1,0,1,0,2,0,0,0,1,0,1,0,0,0,0,0,0,0);

CREATE TABLE \`HostData\` (
  \`date\` date NOT NULL,
  \`country\` char(2) NOT NULL DEFAULT '',
  \`tld\` varchar(64) NOT NULL,
  \`type\` char(3) NOT NULL,
  \`hosts\` int NOT NULL DEFAULT '0',
  \`hosts4\` int NOT NULL DEFAULT '0',
  \`hosts6\` int NOT NULL DEFAULT '0',
  \`dualstack\` int NOT NULL DEFAULT '0',
  \`noip\` int NOT NULL DEFAULT '0',
  \`pinghosts\` int NOT NULL DEFAULT '0',
  \`faster\` int NOT NULL DEFAULT '0',
  \`ping4\` float NOT NULL DEFAULT '0',
  \`ping6\` float NOT NULL DEFAULT '0',
  \`pathhosts\` int NOT NULL DEFAULT '0',
  \`fewer\` int NOT NULL DEFAULT '0',
  \`hops4\` int NOT NULL DEFAULT '0',
  \`hops6\` int NOT NULL DEFAULT '0',
  PRIMARY KEY (\`date\`,\`country\`,\`tld\`,\`type\`)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3 COLLATE=utf8_unicode_ci;
INSERT INTO \`HostData\` VALUES ('2020-01-01','DE','com','WWW',20,18,0,2,0,2,1,30.5,28.25,0,0,0,0),
('2021-01-01','DE','com','WWW',20,15,0,5,0,5,3,60,55.5,0,0,0,0);

CREATE TABLE \`Reachability\` (
  \`date\` date NOT NULL,
  \`country\` varchar(2) NOT NULL,
  \`tld\` varchar(64) NOT NULL,
  \`service\` varchar(5) NOT NULL,
  \`hosts4\` int NOT NULL,
  \`hosts6\` int NOT NULL,
  \`reach4\` int NOT NULL,
  \`reach6\` int NOT NULL
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3 COLLATE=utf8_unicode_ci;
INSERT INTO \`Reachability\` VALUES ('2021-01-01','DE','com','SMTPS',4,2,3,1),('2021-01-01','DE','com','HTTP',20,5,19,5);
-- Dump completed on 2021-08-20 10:26:08
`;

describe("legacy MySQL dump import", () => {
  let store: Store;
  let dir: string;
  let crawls: { crawlId: string; date: string }[];
  const line = (row: Row) => Object.values(row).map(String).join(" ");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-legacy-mysql-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    crawls = (await importMysqlDump(store, dump, "ipv6matrix.sql")).crawls;
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("makes one completed, published crawl per date", async () => {
    assert.deepEqual(
      crawls.map((c) => c.date),
      ["2020-01-01", "2021-01-01"],
    );
    const got = await store.query<Row>(
      "SELECT toString(date) AS date, state, published, domains, source FROM crawls FINAL ORDER BY date",
    );
    assert.deepEqual(got.map(line), [
      "2020-01-01 completed 1 45 legacy-mysql-dump:ipv6matrix.sql", // no Domains rows: DomainPenetration's count
      "2021-01-01 completed 1 2 legacy-mysql-dump:ipv6matrix.sql",
    ]);
  });

  it("fills the summary tables directly, method 1", async () => {
    const crawl = crawls[1]!.crawlId;
    const q = (sql: string) => store.query<Row>(sql, { crawl });
    assert.deepEqual(
      (
        await q(`SELECT tld, country, domains, domains6, www, ns, mx, ntp, method FROM domain_penetration
        WHERE crawl_id = {crawl:String} ORDER BY country`)
      ).map(line),
      ["com DE 10 5 5 1 2 0 1", "com US 30 6 6 0 0 0 1"], // the dump's column order is www, mx, ns
    );
    assert.deepEqual(
      (
        await q(`SELECT domain, tld, country, www_hosts, mx_hosts, ns_hosts, http6, faster, pingratio, hopratio, method
        FROM domains WHERE crawl_id = {crawl:String} ORDER BY domain`)
      ).map(line),
      ["a.com com DE 2 1 2 1 1 0.8 null 1", "b.com com US 1 1 2 0 0 null null 1"], // a ratio of 0 was "none"
    );
    assert.deepEqual(
      (
        await q(`SELECT service, hosts4, hosts6, reach4, reach6 FROM reachability WHERE crawl_id = {crawl:String}
        ORDER BY service`)
      ).map(line),
      ["HTTP 20 5 19 5", "SMTP 4 2 3 1"],
    );
    assert.deepEqual(
      (
        await q(
          `SELECT type, hosts, dualstack, ping4, ping6, method FROM host_data WHERE crawl_id = {crawl:String}`,
        )
      ).map(line),
      ["WWW 20 5 60 55.5 1"],
    );
  });

  it("compares two imported crawls", async () => {
    const { sql, params } = compareSql(crawls[0]!.crawlId, crawls[1]!.crawlId, "tld");
    assert.deepEqual((await store.query<Row>(sql, params)).map(line), [
      "com 40 5 12.5 40 11 27.5 15 1 1",
      "org 5 1 20 0 0 null null 1 1",
    ]);
  });

  it("draws a trend of the imported dates and exports them, each marked method 1", async () => {
    const { sql, params } = trendSql("domains", "tld", {}, "", "");
    assert.deepEqual((await store.query<Row>(sql, params)).map(line), [
      "2020-01-01 com 40 5 5 0 1 0 1",
      "2020-01-01 org 5 1 1 0 0 0 1",
      "2021-01-01 com 40 11 11 1 2 0 1",
    ]);
    const exported = await exportRows(store, "hostdata", crawls[0]!.crawlId, false);
    assert.deepEqual(
      exported.map((row) => `${row["type"]} ${row["country"]} ${row["method"]}`),
      ["WWW DE 1"],
    );
  });

  it("summarise refuses a crawl that has summaries and no raw rows, and keeps them", async () => {
    const crawl = crawls[1]!;
    const count = async () =>
      (
        await store.query<Row>(
          `SELECT (SELECT count() FROM host_data WHERE crawl_id = {crawl:String}) AS h,
            (SELECT count() FROM reachability WHERE crawl_id = {crawl:String}) AS r,
            (SELECT count() FROM domains WHERE crawl_id = {crawl:String}) AS d,
            (SELECT count() FROM domain_penetration WHERE crawl_id = {crawl:String}) AS p`,
          { crawl: crawl.crawlId },
        )
      ).map(line);
    assert.deepEqual(await count(), ["1 2 2 2"]);
    await assert.rejects(computeSummaries(store, crawl.crawlId), {
      name: "SummariesKeptError",
      message:
        `crawl ${crawl.crawlId} (2021-01-01) has 7 summary rows and no raw rows ` +
        "(source legacy-mysql-dump:ipv6matrix.sql): they cannot be computed again, so they are kept as they are",
    });
    // The command says it in one line and exits 2, as for any refused input.
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => written.push(text) > 0) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(["summarise", crawl.crawlId, "--set", `store.data_dir=${join(dir, "data")}`]);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(code, 2);
    assert.deepEqual(written, [
      `ipv6matrix summarise: crawl ${crawl.crawlId} (2021-01-01) has 7 summary rows and no raw rows ` +
        "(source legacy-mysql-dump:ipv6matrix.sql): they cannot be computed again, so they are kept as they are\n",
    ]);
    assert.deepEqual(await count(), ["1 2 2 2"]);
  });

  it("reads a dump file line by line, CRLF line ends too, to the same rows", async () => {
    const file = join(dir, "ipv6matrix-crlf.sql");
    writeFileSync(file, dump.replaceAll("\n", "\r\n"));
    const again = (await importMysqlDumpFile(store, file)).crawls;
    assert.deepEqual(
      again.map((c) => c.date),
      ["2020-01-01", "2021-01-01"],
    );
    const rows = async (crawl: string) =>
      (
        await store.query<Row>(
          `SELECT tld, country, domains, domains6, www, ns, mx, ntp, method FROM domain_penetration
          WHERE crawl_id = {crawl:String} ORDER BY tld, country`,
          { crawl },
        )
      ).map(line);
    assert.deepEqual(await rows(again[1]!.crawlId), ["com DE 10 5 5 1 2 0 1", "com US 30 6 6 0 0 0 1"]);
    assert.deepEqual(await rows(again[0]!.crawlId), await rows(crawls[0]!.crawlId));
    await assert.rejects(importMysqlDumpFile(store, join(dir, "missing.sql")), {
      name: "LegacyFormatError",
      message: `${join(dir, "missing.sql")}: cannot read it: no such file`,
    });
    await assert.rejects(importMysqlDumpFile(store, dir), {
      name: "LegacyFormatError",
      message: `${dir}: cannot read it: EISDIR`,
    });
  });

  it("refuses a broken dump whole, naming the line", async () => {
    const broken = dump.replace("('2021-01-01','b.com','US',1,0", "('2021-01-01','b.com','US',1,'x'");
    const before = await store.query<Row>("SELECT count() AS n FROM crawls FINAL");
    await assert.rejects(importMysqlDump(store, broken, "broken.sql"), {
      name: "LegacyFormatError",
      message: 'broken.sql:50: www_hosts6: "x" is not a whole number',
    });
    const short = dump.replace(
      "('2021-01-01','DE','com','SMTPS',4,2,3,1)",
      "('2021-01-01','DE','com','SMTPS',4,2,3)",
    );
    await assert.rejects(
      importMysqlDump(store, short, "short.sql"),
      /short\.sql:85: Reachability: 7 values for 8 columns/,
    );
    assert.deepEqual(await store.query<Row>("SELECT count() AS n FROM crawls FINAL"), before);
  });
});
