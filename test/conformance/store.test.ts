// One conformance suite for the Store interface, run against both adapters:
// chDB in this process over a temporary folder, and @clickhouse/client against
// the chDB-backed HTTP endpoint of test/support (no ClickHouse server can be
// installed here). Each suite cleans up its folders and child process on failure too.

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MigrationError, migrate } from "../../services/runtime/migrate.js";
import { type Store, StoreError } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
import { RowEncoder } from "../../services/runtime/store-wire.js";
import { type ClickHouseHttp, startClickHouseHttp } from "../support/clickhouse-http.js";

interface Target {
  readonly name: string;
  start(): Promise<void>;
  /** A new store on the same data each time. */
  open(): Promise<Store>;
  stop(): Promise<void>;
}

function chdbTarget(): Target {
  let dir = "";
  return {
    name: "chdb",
    async start() {
      dir = await mkdtemp(join(tmpdir(), "ipv6matrix-store-chdb-"));
    },
    open: () => openChdbStore(dir),
    async stop() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function clickhouseTarget(): Target {
  let server: ClickHouseHttp | undefined;
  return {
    name: "clickhouse (chDB-backed HTTP endpoint)",
    async start() {
      server = await startClickHouseHttp();
    },
    open: () => openClickHouseStore(server!.url, { requestTimeoutMs: 30_000 }),
    async stop() {
      await server?.stop();
    },
  };
}

const MIGRATION_1 = `-- two statements, one of them with ";" inside a line
CREATE TABLE IF NOT EXISTS m_domains (domain String, note String) ENGINE = MergeTree ORDER BY domain;
CREATE VIEW IF NOT EXISTS m_notes AS SELECT 'a;b' AS text;
`;
const MIGRATION_2 = "ALTER TABLE m_domains ADD COLUMN IF NOT EXISTS tld LowCardinality(String)\n";
const MIGRATION_3 = "CREATE TABLE IF NOT EXISTS m_later (x UInt8) ENGINE = MergeTree ORDER BY x;\n";

for (const target of [chdbTarget(), clickhouseTarget()]) {
  describe(`Store conformance: ${target.name}`, () => {
    let store: Store;
    let migrations = "";

    before(async () => {
      migrations = await mkdtemp(join(tmpdir(), "ipv6matrix-migrations-"));
      await target.start();
      store = await target.open();
    });

    after(async () => {
      await store?.close();
      await target.stop();
      await rm(migrations, { recursive: true, force: true });
    });

    test("migrations apply once, in order; a second run applies nothing", async () => {
      await writeFile(join(migrations, "001_domains.sql"), MIGRATION_1);
      await writeFile(join(migrations, "002_tld.sql"), MIGRATION_2);
      assert.deepEqual(await migrate(store, migrations), ["001_domains.sql", "002_tld.sql"]);
      assert.deepEqual(await migrate(store, migrations), []);
      const columns = await store.query(
        "SELECT name FROM system.columns WHERE table = 'm_domains' ORDER BY name",
      );
      assert.deepEqual(
        columns.map((c) => c["name"]),
        ["domain", "note", "tld"],
      );
      assert.deepEqual(await store.query("SELECT text FROM m_notes"), [{ text: "a;b" }]);
      const recorded = await store.query(
        "SELECT version, name FROM schema_migrations FINAL ORDER BY version",
      );
      assert.deepEqual(recorded, [
        { version: 1, name: "domains" },
        { version: 2, name: "tld" },
      ]);
    });

    test("concurrent starters both succeed and the migration is recorded once", async () => {
      await writeFile(join(migrations, "003_later.sql"), MIGRATION_3);
      const other = await target.open();
      try {
        await Promise.all([migrate(store, migrations), migrate(other, migrations)]);
      } finally {
        await other.close();
      }
      const [row] = await store.query("SELECT count() AS n FROM schema_migrations FINAL WHERE version = 3");
      assert.equal(row?.["n"], 1);
      assert.deepEqual(await migrate(store, migrations), []);
    });

    test("a changed applied migration is an error naming the file", async () => {
      await writeFile(join(migrations, "002_tld.sql"), `${MIGRATION_2}-- edited\n`);
      await assert.rejects(migrate(store, migrations), (err: unknown) => {
        assert.ok(err instanceof MigrationError);
        assert.match(err.message, /002_tld\.sql/);
        return true;
      });
      await writeFile(join(migrations, "002_tld.sql"), MIGRATION_2);
    });

    test("ReplacingMergeTree with a now64() version keeps one row for a replayed insert (FINAL)", async () => {
      await store.exec(`CREATE TABLE addresses (
          crawl String, domain String, address IPv6, country LowCardinality(String),
          measured_on Date, version DateTime64(3) MATERIALIZED now64()
        ) ENGINE = ReplacingMergeTree(version)
        PARTITION BY toYYYYMM(measured_on) ORDER BY (crawl, domain, address)`);
      const row = {
        crawl: "c1",
        domain: "example.org",
        address: "2001:db8::1",
        country: "NL",
        measured_on: "2024-05-01",
      };
      await store.insert("addresses", [row]);
      await store.insert("addresses", [{ ...row, country: "DE" }]);
      const rows = await store.query("SELECT domain, country FROM addresses FINAL");
      assert.deepEqual(rows, [{ domain: "example.org", country: "DE" }]);
    });

    test("parameters bind server-side (String, UInt32, Array(String), Date)", async () => {
      const params = {
        s: "it's a \\ back\tslash\n",
        n: 4_000_000_000,
        a: ["a", "b'c", "d\\e"],
        d: "2024-02-29",
      };
      const rows = await store.query(
        "SELECT {s:String} AS s, {n:UInt32} + 1 AS n, {a:Array(String)} AS a, {d:Date} + 1 AS d, length({a:Array(String)}) AS len",
        params,
      );
      assert.deepEqual(rows, [{ s: params.s, n: 4_000_000_001, a: params.a, d: "2024-03-01", len: 3 }]);
    });

    test("an injection attempt in a parameter is just a value", async () => {
      await store.exec("CREATE TABLE names (name String) ENGINE = MergeTree ORDER BY name");
      await store.insert("names", [{ name: "alice" }, { name: "bob" }]);
      const evil = "x' OR '1'='1'; DROP TABLE names; --";
      assert.deepEqual(
        await store.query("SELECT name FROM names WHERE name = {name:String}", { name: evil }),
        [],
      );
      assert.deepEqual(await store.query("SELECT {name:String} AS v", { name: evil }), [{ v: evil }]);
      await store.exec("INSERT INTO names SELECT {name:String}", { name: evil });
      const [count] = await store.query("SELECT count() AS n FROM names");
      assert.equal(count?.["n"], 3);
    });

    test("64-bit integers come back as numbers", async () => {
      const [row] = await store.query(
        "SELECT toUInt64(9007199254740991) AS max_safe, toInt64(-42) AS negative, count() AS c FROM numbers(10)",
      );
      assert.deepEqual(row, { max_safe: Number.MAX_SAFE_INTEGER, negative: -42, c: 10 });
    });

    test("native IPv4 and IPv6 columns round-trip", async () => {
      await store.exec("CREATE TABLE ips (v4 IPv4, v6 IPv6) ENGINE = MergeTree ORDER BY v6");
      const rows = [
        { v4: "192.0.2.1", v6: "2001:db8::1" },
        { v4: "198.51.100.7", v6: "::ffff:203.0.113.9" },
        { v4: "203.0.113.255", v6: "2002:c000:201::1" },
      ];
      await store.insert("ips", rows);
      assert.deepEqual(await store.query("SELECT v4, v6 FROM ips ORDER BY v4"), rows);
      const found = await store.query("SELECT v4 FROM ips WHERE v6 = {ip:IPv6}", {
        ip: "2001:db8:0:0:0:0:0:1",
      });
      assert.deepEqual(found, [{ v4: "192.0.2.1" }]);
    });

    test("an SQL error is a StoreError with ClickHouse's message and code", async () => {
      const sql = "SELECT * FROM no_such_table";
      await assert.rejects(store.query(sql), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.sql, sql);
        assert.equal(err.code, 60);
        assert.match(err.message, /^Code: 60\. DB::Exception: .*no_such_table.*\(UNKNOWN_TABLE\)$/s);
        return true;
      });
      await assert.rejects(store.exec("SELEC 1"), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 62);
        assert.match(err.message, /Syntax error/);
        return true;
      });
    });

    test("an insert with an unknown column is an error and writes nothing", async () => {
      await store.exec("CREATE TABLE strict (a UInt32) ENGINE = MergeTree ORDER BY a");
      await assert.rejects(store.insert("strict", [{ a: 1, misspelt: 2 }]), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.match(err.message, /misspelt/);
        return true;
      });
      await assert.rejects(store.insert("strict; DROP TABLE strict", [{ a: 1 }]), StoreError);
      assert.deepEqual(await store.query("SELECT count() AS n FROM strict"), [{ n: 0 }]);
    });

    test("a few thousand rows insert and count correctly", async () => {
      await store.exec(
        "CREATE TABLE bulk (i UInt32, domain String, at DateTime64(3)) ENGINE = MergeTree ORDER BY i",
      );
      const rows = Array.from({ length: 5000 }, (_, i) => ({
        i,
        domain: `d${i}.example`,
        at: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, i)).toISOString(),
      }));
      await store.insert("bulk", rows);
      await store.insert("bulk", []);
      const [row] = await store.query("SELECT count() AS n, sum(i) AS total, max(at) AS last FROM bulk");
      assert.deepEqual(row, { n: 5000, total: (4999 * 5000) / 2, last: "2024-01-01 00:00:04.999" });
    });

    test("inserted values of every kind the raw tables use come back as they went in", async () => {
      await store.exec(`CREATE TABLE kinds (
          id UInt64, name String, tag LowCardinality(String), at DateTime64(3), day Date,
          v4 IPv4, v6 IPv6, rtt Nullable(Float64), hops Nullable(UInt16), flag UInt8,
          path Array(String), addresses Array(IPv6), bits Array(UInt8)
        ) ENGINE = MergeTree ORDER BY id`);
      const rows = [
        {
          id: 2n ** 63n + 5n,
          name: "tab\there, newline\nhere, back\\slash, 'quote', \"double\", naïve, 日本",
          tag: "open",
          at: "2024-05-01T10:00:00.123Z",
          day: "2024-05-01",
          v4: "192.0.2.1",
          v6: "::ffff:198.51.100.7",
          rtt: 1.25,
          hops: 7,
          flag: 1,
          path: ["a'b", "c\\d", "*"],
          addresses: ["2001:db8::1", "2001:db8::2"],
          bits: [0, 1],
        },
        {
          id: 1,
          name: "",
          tag: "",
          at: new Date(Date.UTC(2024, 4, 1, 10, 0, 0, 456)),
          day: "2024-05-02",
          v4: "203.0.113.255",
          v6: "2001:db8::ff",
          rtt: null,
          hops: undefined,
          flag: 0,
          path: [],
          addresses: [],
          bits: [],
        },
      ];
      await store.insert("kinds", rows);
      assert.deepEqual(
        await store.query("SELECT toString(id) AS id, * EXCEPT id FROM kinds ORDER BY id DESC"),
        [
          {
            ...rows[0],
            id: "9223372036854775813",
            at: "2024-05-01 10:00:00.123",
          },
          { ...rows[1], id: "1", at: "2024-05-01 10:00:00.456", hops: null },
        ],
      );
    });

    test("rows with different keys insert together; a missing key is the column's default", async () => {
      await store.exec(
        "CREATE TABLE mixed (a UInt32, b String DEFAULT 'b?', c Nullable(UInt8)) ENGINE = MergeTree ORDER BY a",
      );
      await store.insert("mixed", [
        { a: 1, b: "x", c: 3 },
        { a: 2 },
        { c: 4, a: 3 },
        { a: 4, b: "y", c: null },
      ]);
      assert.deepEqual(await store.query("SELECT a, b, c FROM mixed ORDER BY a"), [
        { a: 1, b: "x", c: 3 },
        { a: 2, b: "b?", c: null },
        { a: 3, b: "b?", c: 4 },
        { a: 4, b: "y", c: null },
      ]);
    });

    test("rows encoded ahead (RowEncoder) insert as the rows would", async () => {
      await store.exec("CREATE TABLE encoded (i UInt32, domain String) ENGINE = MergeTree ORDER BY i");
      const encoder = new RowEncoder();
      for (let i = 0; i < 20_000; i++) encoder.add({ i, domain: `d${i}.example` });
      assert.equal(encoder.rows, 20_000);
      const [encoded, ...others] = encoder.take();
      assert.equal(others.length, 0);
      assert.equal(encoder.rows, 0);
      await store.insert("encoded", encoded!);
      const [row] = await store.query(
        "SELECT count() AS n, sum(i) AS total, max(domain) AS last FROM encoded",
      );
      assert.deepEqual(row, { n: 20_000, total: (19_999 * 20_000) / 2, last: "d9999.example" });
    });

    test("close() then reopen keeps the data", async () => {
      await store.close();
      store = await target.open();
      assert.deepEqual(await store.query("SELECT count() AS n FROM bulk"), [{ n: 5000 }]);
      assert.deepEqual(await migrate(store, migrations), []);
    });
  });
}

describe("chdb: one data folder per process", () => {
  test("a second folder is refused naming both; it opens once the first is closed", async () => {
    const [first, second] = [
      await mkdtemp(join(tmpdir(), "ipv6matrix-chdb-a-")),
      await mkdtemp(join(tmpdir(), "ipv6matrix-chdb-b-")),
    ];
    try {
      const a = await openChdbStore(first);
      const again = await openChdbStore(first);
      await assert.rejects(openChdbStore(second), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.ok(err.message.includes(first) && err.message.includes(second), err.message);
        return true;
      });
      await a.close();
      assert.deepEqual(await again.query("SELECT 1 AS one"), [{ one: 1 }]);
      await again.close();
      const b = await openChdbStore(second);
      assert.deepEqual(await b.query("SELECT 2 AS two"), [{ two: 2 }]);
      await b.close();
    } finally {
      await rm(first, { recursive: true, force: true });
      await rm(second, { recursive: true, force: true });
    }
  });
});
