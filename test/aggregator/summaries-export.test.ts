// The export of the summaries and raw rows (SPEC's column names, RTTs to the microsecond, paths
// by router names) over the hand-written crawl of summaries-fixture.ts.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { exportableTables, exportRows, formatRows } from "../../services/aggregator/export.js";
import type { Store } from "../../services/runtime/store.js";
import { address, crawl, date, hostDataRow, openSummarisedStore } from "./summaries-fixture.js";

describe("summaries (SPEC 5) over hand-written raw rows", () => {
  let fixture: Awaited<ReturnType<typeof openSummarisedStore>>;
  let store: Store;

  before(async () => {
    fixture = await openSummarisedStore();
    store = fixture.store;
  });
  after(() => fixture?.close());

  it("exports every table, with SPEC's column names, crawl_id and date", async () => {
    for (const table of exportableTables) {
      const exported = await exportRows(store, table, crawl, true);
      assert.ok(exported.length > 0, table);
      assert.equal(exported[0]!["crawl_id"], crawl, table);
      assert.equal(exported[0]!["date"], date, table);
    }
    const addressRows = await exportRows(store, "addresses", crawl, false);
    const first = addressRows.find((row) => row["ip"] === "192.0.2.1")!;
    assert.deepEqual(
      [
        first["family"],
        first["tcp80"],
        first["tcp443"],
        first["tcp25"],
        first["ping_avg"],
        first["trace_hops"],
        first["country"],
      ],
      [4, "open", "open", "not_probed", 10, 5, "DE"],
    );
    assert.equal(first["latitude"], 1);
    assert.equal(first["longitude"], 2);
    assert.equal(addressRows.find((row) => row["ip"] === "2001:db8::3")!["ip6_type"], "documentation");
    const placed = await exportRows(store, "hostdata", crawl, false);
    assert.equal(placed.filter((row) => row["country"] === "ZZ").length, 0);
    assert.equal(placed.length, 6); // com MX NL, com NS US, com WWW DE/FR/JP, org NS US
    const csv = formatRows(await exportRows(store, "penetration", crawl, false), "csv");
    assert.equal(csv.split("\n")[0], "date,crawl_id,tld,country,domains,domains6,www,ns,mx,ntp,method");
  });

  it("exports RTTs to the microsecond, not as the float sums and averages they are stored as (issue 15 item 11)", async () => {
    const other = `${crawl}-rtt`;
    // Written by hand: 22.055999999999997 is what 22.056 became through float arithmetic.
    await store.insert("addresses", [
      { ...address("192.0.2.99", 22.055999999999997, 4, {}), crawl_id: other },
    ]);
    const [row] = await exportRows(store, "addresses", other, true);
    assert.deepEqual([row!["ping_min"], row!["ping_avg"], row!["ping_max"]], [22.056, 22.056, 22.056]);
    assert.equal(row!["ping_mdev"], 0);
    // 0.1 + 0.2 summed in a host_data row exports as 0.3.
    await store.insert("host_data", [{ ...hostDataRow(other), ping4: 0.1 + 0.2, ping6: 1.0000000000000002 }]);
    const [summary] = await exportRows(store, "hostdata", other, true);
    assert.deepEqual([summary!["ping4"], summary!["ping6"]], [0.3, 1]);
  });

  it("exports a path by router names where the resolver found one, and which method traced it (issue 15 items 1, 4)", async () => {
    const other = `${crawl}-path`;
    await store.insert("addresses", [
      {
        ...address("203.0.113.9", 1, 4, { tcp80: "open" }),
        crawl_id: other,
        trace_path: ["192.0.2.1", "*", "2001:db8:ff23::2", "203.0.113.9"],
        trace_method: "tcp",
        trace_port: 80,
      },
    ]);
    const reverse = (ip: string, name: string, outcome: string) => ({
      crawl_id: other,
      date,
      ip: ip.includes(":") ? ip : `::ffff:${ip}`,
      name,
      outcome,
    });
    await store.insert("reverse", [
      reverse("192.0.2.1", "r1.transit.net", "OK"),
      reverse("2001:db8:ff23::2", "r3.transit.net", "OK"),
      reverse("203.0.113.9", "", "NXDOMAIN"),
    ]);
    const [row] = await exportRows(store, "addresses", other, true);
    assert.equal(row!["trace_path"], "r1.transit.net * r3.transit.net 203.0.113.9");
    assert.deepEqual([row!["trace_method"], row!["trace_port"]], ["tcp", 80]);
  });
});
