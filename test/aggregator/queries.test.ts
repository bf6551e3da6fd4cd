// QueryService over a real gRPC server on loopback, on the summary rows of query-fixture.ts
// (two crawls a month apart): views, trends, comparisons, a domain's history and search, and
// what a bad or hostile request gets; publish/unpublish decide what trends see.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { QueryServiceClient, Table } from "../../gen/ipv6matrix/v1/query.js";
import { setPublished } from "../../services/runtime/crawls.js";
import type { Store } from "../../services/runtime/store.js";
import { call, type QueryFixture, rows, startQueryFixture } from "./query-fixture.js";

describe("QueryService over gRPC", () => {
  let fixture: QueryFixture;
  let store: Store;
  let client: QueryServiceClient;

  before(async () => {
    fixture = await startQueryFixture();
    ({ store, client } = fixture);
  });
  after(() => fixture?.close());

  it("serves a view of the latest published crawl, grouped and filtered", async () => {
    const byTld = await call<{ table?: Table }>((done) =>
      client.getSummary(
        { view: "domains", crawl: "", groupBy: "tld", filter: undefined, dataView: 0, group: 0 },
        done,
      ),
    );
    assert.deepEqual(byTld.table!.columns, ["tld", "domains", "domains6", "www", "ns", "mx", "ntp"]);
    assert.deepEqual(rows(byTld.table), ["com 10 4 4 0 0 0", "org 5 1 1 0 0 0"]);
    const hosts = await call<{ table?: Table }>((done) =>
      client.getSummary(
        {
          view: "hosts",
          crawl: "2026-10-01",
          groupBy: "type",
          filter: { countries: [], types: ["WWW"], tlds: [], minSample: 0 },
          dataView: 0,
          group: 0,
        },
        done,
      ),
    );
    // ZZ rows are left out: 20 hosts in DE, 1 + 3 with IPv6
    assert.deepEqual(rows(hosts.table), ["WWW 20 4"]);
    const sampled = await call<{ table?: Table }>((done) =>
      client.getSummary(
        {
          view: "hosts",
          crawl: "nov",
          groupBy: "type",
          filter: { countries: [], types: [], tlds: [], minSample: 5 },
          dataView: 0,
          group: 0,
        },
        done,
      ),
    );
    assert.deepEqual(rows(sampled.table), ["WWW 20 8"], "MX has 4 hosts, under the minimum sample of 5");
  });

  it("draws a trend over the published crawls only", async () => {
    const trend = () =>
      call<{ table?: Table }>((done) =>
        client.getTrend(
          {
            view: "domains",
            groupBy: "tld",
            filter: undefined,
            fromDate: "",
            toDate: "",
            dataView: 0,
            group: 0,
          },
          done,
        ),
      );
    assert.deepEqual(rows((await trend()).table), [
      "2026-10-01 com 10 2 2 0 0 0 1",
      "2026-10-01 org 5 0 0 0 0 0 1",
      "2026-11-01 com 10 4 4 0 0 0 2",
      "2026-11-01 org 5 1 1 0 0 0 2",
    ]);
    await setPublished(store, "nov", false);
    assert.deepEqual(rows((await trend()).table), [
      "2026-10-01 com 10 2 2 0 0 0 1",
      "2026-10-01 org 5 0 0 0 0 0 1",
    ]);
    await setPublished(store, "nov", true);
  });

  it("compares two crawls, named by date or id", async () => {
    const compared = await call<{ table?: Table }>((done) =>
      client.compareCrawls(
        { crawlA: "2026-10-01", crawlB: "nov", groupBy: "tld", group: 0, dataView: 0 },
        done,
      ),
    );
    assert.deepEqual(compared.table!.columns, [
      "tld",
      "total_a",
      "ipv6_a",
      "percent_a",
      "total_b",
      "ipv6_b",
      "percent_b",
      "change",
      "method_a",
      "method_b",
    ]);
    assert.deepEqual(rows(compared.table), ["com 10 2 20 10 4 40 20 1 2", "org 5 0 0 5 1 20 20 1 2"]);
    // By type: November's MX has no October row, and the crawl's method is still there.
    const byType = await call<{ table?: Table }>((done) =>
      client.compareCrawls({ crawlA: "oct", crawlB: "nov", groupBy: "type", group: 0, dataView: 0 }, done),
    );
    assert.deepEqual(rows(byType.table), ["MX 0 0  4 1 25  1 2", "WWW 20 4 20 20 8 40 20 1 2"]);
  });

  it("gives a domain's history and finds domains by prefix", async () => {
    const history = await call<{ table?: Table }>((done) =>
      client.getDomainHistory({ domain: "Example.com" }, done),
    );
    assert.deepEqual(
      history.table!.rows.map((row) => [row.cells[0], row.cells[4]]),
      [
        ["2026-10-01", "0"],
        ["2026-11-01", "1"],
      ],
    );
    const found = await call<{ domains: string[] }>((done) =>
      client.searchDomains({ prefix: "exam", limit: 10, pageToken: "" }, done),
    );
    assert.deepEqual(found.domains, ["example.com"]);
  });

  it("says what is wrong with a bad request", async () => {
    await assert.rejects(
      call((done) =>
        client.getSummary(
          { view: "nope", crawl: "", groupBy: "tld", filter: undefined, dataView: 0, group: 0 },
          done,
        ),
      ),
      /INVALID_ARGUMENT: unknown view nope/,
    );
    await assert.rejects(
      call((done) =>
        client.getSummary(
          { view: "hosts", crawl: "2020-01-01", groupBy: "tld", filter: undefined, dataView: 0, group: 0 },
          done,
        ),
      ),
      /NOT_FOUND: no completed crawl 2020-01-01/,
    );
  });

  it("binds every value: quotes and SQL in a domain or filter change nothing", async () => {
    const found = await call<{ domains: string[] }>((done) =>
      client.searchDomains({ prefix: "x' OR 1=1 --", limit: 10, pageToken: "" }, done),
    );
    assert.deepEqual(found.domains, []);
    const filtered = await call<{ table?: Table }>((done) =>
      client.getSummary(
        {
          view: "domains",
          crawl: "nov",
          groupBy: "tld",
          filter: { countries: ["DE') OR 1=1 --"], types: [], tlds: ["com'"], minSample: 0 },
          dataView: 0,
          group: 0,
        },
        done,
      ),
    );
    assert.deepEqual(rows(filtered.table), []);
    const history = await call<{ table?: Table }>((done) =>
      client.getDomainHistory({ domain: "example.com' OR '1'='1" }, done),
    );
    assert.deepEqual(history.table!.rows, []);
    // Nothing was dropped or changed by any of it.
    const all = await call<{ table?: Table }>((done) =>
      client.getSummary(
        { view: "domains", crawl: "nov", groupBy: "tld", filter: undefined, dataView: 0, group: 0 },
        done,
      ),
    );
    assert.equal(all.table!.rows.length, 2);
  });
});
