import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { migrate } from "./migrate.js";
import { readProgress, unnamedRoutersSql } from "./progress.js";
import type { Store } from "./store.js";
import { openChdbStore } from "./store-chdb.js";

const crawl = "progress-test";
const date = "2026-12-01";

describe("an address of a crawl that asks names waits for the names of the routers on its path (issue 15 item 4)", () => {
  let store: Store;
  let dir: string;
  const addresses = async () =>
    (await readProgress(store, crawl, 1, { prober: true, geo: false, reverse: true })).find(
      (stage) => stage.stage === "addresses",
    )!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-progress-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await store.insert("jobs", [
      {
        crawl_id: crawl,
        date,
        domain: "a.fr",
        tld: "fr",
        type: "WWW",
        host: "www.a.fr",
        priority: 0,
        outcome: "OK",
      },
    ]);
    await store.insert("hosts", [
      {
        crawl_id: crawl,
        date,
        host: "www.a.fr",
        a_outcome: "OK",
        aaaa_outcome: "NODATA",
        ipv4: ["203.0.113.9"],
        ipv6: [],
        ip6_types: [],
        eui64: [],
        cname_chain: [],
      },
    ]);
    await store.insert("addresses", [
      {
        crawl_id: crawl,
        date,
        ip: "::ffff:203.0.113.9",
        family: 4,
        trace_path: ["192.0.2.1", "*", "198.51.100.6", "203.0.113.9"],
        trace_reached: 1,
        trace_hops: 4,
      },
    ]);
    await store.insert("reverse", [
      { crawl_id: crawl, date, ip: "::ffff:203.0.113.9", name: "www.a.fr", outcome: "OK" },
      { crawl_id: crawl, date, ip: "::ffff:192.0.2.1", name: "r1.transit.net", outcome: "OK" },
    ]);
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is not done while a router's PTR row is missing, and resume finds that router", async () => {
    assert.deepEqual([(await addresses()).total, (await addresses()).done], [1, 0]);
    const missing = await store.query<{ ip: string }>(
      `SELECT replaceRegexpOne(toString(router), '^::ffff:', '') AS ip FROM (${unnamedRoutersSql})`,
      { crawl },
    );
    assert.deepEqual(
      missing.map((row) => row.ip),
      ["198.51.100.6"],
    );
  });

  it("is done once every router answered, a name or not", async () => {
    await store.insert("reverse", [
      { crawl_id: crawl, date, ip: "::ffff:198.51.100.6", name: "", outcome: "NXDOMAIN" },
    ]);
    assert.deepEqual([(await addresses()).total, (await addresses()).done], [1, 1]);
  });

  it("does not wait for names when the crawl does not ask them", async () => {
    const stages = await readProgress(store, crawl, 1, { prober: true, geo: false, reverse: false });
    assert.equal(stages.find((stage) => stage.stage === "addresses")!.done, 1);
  });
});
