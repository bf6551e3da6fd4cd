// The batch writer's bookkeeping against a recording Store: when batches are
// sealed, how many inserts run at once, and which callers a failed insert fails.
// That the encoded rows land in ClickHouse is the Store conformance suite's job.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EncodedRows, Row, Store } from "../runtime/store.js";
import { BatchWriter } from "./batch-writer.js";

interface Insert {
  table: string;
  rows: unknown[][];
  columns: readonly string[];
  done(error?: Error): void;
}

/** A Store whose inserts wait until the test settles them (or settle at once with `immediate`). */
function recordingStore(immediate = false): Store & { inserts: Insert[] } {
  const inserts: Insert[] = [];
  return {
    kind: "chdb",
    inserts,
    exec: async () => {},
    query: async () => [],
    close: async () => {},
    insert(table: string, rows: readonly Row[] | EncodedRows) {
      const { data, columns } = rows as EncodedRows;
      const decoded = data
        .toString("utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as unknown[]);
      return new Promise<void>((resolve, reject) => {
        inserts.push({ table, rows: decoded, columns, done: (error) => (error ? reject(error) : resolve()) });
        if (immediate) resolve();
      });
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const job = (domain: string) => ({ crawl_id: "c1", domain, type: "WWW" });

describe("BatchWriter", () => {
  it("seals a batch at maxRows, one insert a table, values in column order", async () => {
    const store = recordingStore(true);
    const writer = new BatchWriter(store, { maxRows: 3, maxDelayMs: 60_000 });
    const first = writer.write([{ table: "jobs", rows: [job("a.com"), job("b.com")] }]);
    await tick();
    assert.equal(store.inserts.length, 0);
    const second = writer.write([
      { table: "jobs", rows: [job("c.com")] },
      { table: "soa", rows: [{ crawl_id: "c1", domain: "c.com", serial: 7 }] },
    ]);
    await Promise.all([first, second]);
    assert.deepEqual(
      store.inserts.map(({ table, rows, columns }) => ({ table, rows, columns })),
      [
        {
          table: "jobs",
          columns: ["crawl_id", "domain", "type"],
          rows: [
            ["c1", "a.com", "WWW"],
            ["c1", "b.com", "WWW"],
            ["c1", "c.com", "WWW"],
          ],
        },
        { table: "soa", columns: ["crawl_id", "domain", "serial"], rows: [["c1", "c.com", 7]] },
      ],
    );
  });

  it("seals after maxDelayMs when fewer rows come", async () => {
    const store = recordingStore(true);
    const writer = new BatchWriter(store, { maxRows: 1000, maxDelayMs: 20 });
    await writer.write([{ table: "jobs", rows: [job("a.com")] }]);
    assert.equal(store.inserts.length, 1);
  });

  it("holds rows past maxDelayMs while every insert runs, and seals them as one batch when one ends", async () => {
    const store = recordingStore();
    const writer = new BatchWriter(store, { maxRows: 1000, maxDelayMs: 5, maxInserts: 1 });
    const first = writer.write([{ table: "jobs", rows: [job("a.com")] }]);
    while (store.inserts.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The store is busy with a.com: b.com and c.com come in one delay apart, and wait.
    const second = writer.write([{ table: "jobs", rows: [job("b.com")] }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = writer.write([{ table: "jobs", rows: [job("c.com")] }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(store.inserts.length, 1);
    store.inserts[0]?.done();
    await first;
    await tick();
    assert.deepEqual(
      store.inserts.map((insert) => insert.rows.map((row) => row[1])),
      [["a.com"], ["b.com", "c.com"]],
    );
    store.inserts[1]?.done();
    await Promise.all([second, third]);
  });

  it("does not seal past maxDelayMs while a sealed batch still waits for the store", async () => {
    const store = recordingStore();
    const writer = new BatchWriter(store, { maxRows: 2, maxDelayMs: 5, maxInserts: 1 });
    // Two tables sealed at maxRows: two inserts, one running and one waiting.
    const first = writer.write([
      { table: "jobs", rows: [job("a.com")] },
      { table: "soa", rows: [{ crawl_id: "c1", domain: "a.com", serial: 1 }] },
    ]);
    await tick();
    const second = writer.write([{ table: "jobs", rows: [job("b.com")] }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    store.inserts[0]?.done(); // jobs of a.com: the soa insert starts, b.com waits on
    await tick();
    const third = writer.write([{ table: "jobs", rows: [job("c.com")] }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      store.inserts.map((insert) => insert.table),
      ["jobs", "soa"],
    );
    store.inserts[1]?.done();
    await first;
    await tick();
    assert.deepEqual(
      store.inserts.map((insert) => insert.rows.map((row) => row[1])),
      [["a.com"], ["a.com"], ["b.com", "c.com"]],
    );
    store.inserts[2]?.done();
    await Promise.all([second, third]);
  });

  it("runs at most maxInserts inserts at once; a write settles when all its tables are written", async () => {
    const store = recordingStore();
    const writer = new BatchWriter(store, { maxRows: 1, maxDelayMs: 60_000, maxInserts: 2 });
    let settled = false;
    const write = writer
      .write([
        { table: "jobs", rows: [job("a.com")] },
        { table: "hosts", rows: [{ host: "www.a.com" }] },
        { table: "geo", rows: [{ ip: "2001:db8::1" }] },
      ])
      .then(() => {
        settled = true;
      });
    await tick();
    assert.deepEqual(
      store.inserts.map((insert) => insert.table),
      ["jobs", "hosts"],
    );
    store.inserts[0]?.done();
    await tick();
    assert.deepEqual(
      store.inserts.map((insert) => insert.table),
      ["jobs", "hosts", "geo"],
    );
    store.inserts[1]?.done();
    await tick();
    assert.equal(settled, false);
    store.inserts[2]?.done();
    await write;
  });

  it("a failed insert fails the writes with rows in it, and only those", async () => {
    const store = recordingStore();
    const writer = new BatchWriter(store, { maxRows: 1000, maxDelayMs: 60_000, maxInserts: 1 });
    const both = writer.write([
      { table: "jobs", rows: [job("a.com")] },
      { table: "hosts", rows: [{ host: "www.a.com" }] },
    ]);
    const jobsOnly = writer.write([{ table: "jobs", rows: [job("b.com")] }]);
    const hostsOnly = writer.write([{ table: "hosts", rows: [{ host: "www.b.com" }] }]);
    const flushed = writer.flush();
    await tick();
    store.inserts[0]?.done();
    await tick();
    store.inserts[1]?.done(new Error("disk full"));
    await assert.rejects(both, /disk full/);
    await assert.rejects(hostsOnly, /disk full/);
    await jobsOnly;
    await flushed;
  });

  it("rows with other keys go in an insert of their own", async () => {
    const store = recordingStore(true);
    const writer = new BatchWriter(store, { maxRows: 1000, maxDelayMs: 60_000 });
    const write = writer.write([
      { table: "jobs", rows: [job("a.com"), { crawl_id: "c1", domain: "b.com" }, job("c.com")] },
    ]);
    await writer.flush();
    await write;
    assert.deepEqual(
      store.inserts.map(({ rows, columns }) => ({ rows: rows.length, columns })),
      [
        { rows: 2, columns: ["crawl_id", "domain", "type"] },
        { rows: 1, columns: ["crawl_id", "domain"] },
      ],
    );
  });

  it("a write without rows settles at once; flush() with nothing held too", async () => {
    const store = recordingStore();
    const writer = new BatchWriter(store);
    await writer.write([{ table: "jobs", rows: [] }]);
    await writer.flush();
    assert.equal(store.inserts.length, 0);
  });
});
