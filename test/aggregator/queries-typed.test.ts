// QueryService over a real gRPC server on loopback, on the summary rows of query-fixture.ts: the
// typed request and answer (view and grouping as enums, typed columns), the requests it refuses,
// and search a page at a time.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ColumnType,
  Grouping,
  type QueryServiceClient,
  type SearchDomainsResponse,
  type Table,
  View,
} from "../../gen/ipv6matrix/v1/query.js";
import { setPublished } from "../../services/runtime/crawls.js";
import type { Store } from "../../services/runtime/store.js";
import { call, type QueryFixture, startQueryFixture } from "./query-fixture.js";

describe("QueryService over gRPC", () => {
  let fixture: QueryFixture;
  let store: Store;
  let client: QueryServiceClient;

  before(async () => {
    fixture = await startQueryFixture();
    ({ store, client } = fixture);
  });
  after(() => fixture?.close());

  it("takes the view and grouping as enums and answers typed columns and values", async () => {
    const summary = await call<{ table?: Table }>((done) =>
      client.getSummary(
        {
          view: "",
          crawl: "nov",
          groupBy: "",
          filter: undefined,
          dataView: View.VIEW_DOMAINS,
          group: Grouping.GROUPING_TLD,
        },
        done,
      ),
    );
    const table = summary.table!;
    assert.deepEqual(
      table.typedColumns.map((c) => [c.name, ColumnType[c.type], c.nullable]),
      [
        ["tld", "COLUMN_TYPE_TEXT", false],
        ["domains", "COLUMN_TYPE_INTEGER", false],
        ["domains6", "COLUMN_TYPE_INTEGER", false],
        ["www", "COLUMN_TYPE_INTEGER", false],
        ["ns", "COLUMN_TYPE_INTEGER", false],
        ["mx", "COLUMN_TYPE_INTEGER", false],
        ["ntp", "COLUMN_TYPE_INTEGER", false],
      ],
    );
    assert.deepEqual(table.rows[0]!.values.slice(0, 3), [
      { kind: { $case: "text", value: "com" } },
      { kind: { $case: "integer", value: 10 } },
      { kind: { $case: "integer", value: 4 } },
    ]);
    // A trend's date is a date, not text.
    const trend = await call<{ table?: Table }>((done) =>
      client.getTrend(
        {
          view: "",
          groupBy: "",
          filter: { countries: [], types: [], tlds: ["org"], minSample: 0 },
          fromDate: "2026-10-15",
          toDate: "",
          dataView: View.VIEW_DOMAINS,
          group: Grouping.GROUPING_NONE,
        },
        done,
      ),
    );
    assert.equal(trend.table!.typedColumns[0]!.type, ColumnType.COLUMN_TYPE_DATE);
    assert.deepEqual(
      trend.table!.rows.map((row) => row.values[0]),
      [{ kind: { $case: "date", value: { year: 2026, month: 11, day: 1 } } }],
    );
    // Percentages are reals; a share of nothing is no value (NULL), not 0.
    const compared = await call<{ table?: Table }>((done) =>
      client.compareCrawls(
        { crawlA: "oct", crawlB: "nov", groupBy: "", group: Grouping.GROUPING_TYPE, dataView: 0 },
        done,
      ),
    );
    const percentB = compared.table!.typedColumns.findIndex((c) => c.name === "percent_b");
    assert.deepEqual(compared.table!.typedColumns[percentB], {
      name: "percent_b",
      type: ColumnType.COLUMN_TYPE_REAL,
      nullable: true,
    });
    assert.deepEqual(
      compared.table!.rows.map((row) => [row.cells[0], row.values[percentB]]),
      [
        ["MX", { kind: { $case: "real", value: 25 } }],
        ["WWW", { kind: { $case: "real", value: 40 } }],
      ],
    );
    const percentA = compared.table!.typedColumns.findIndex((c) => c.name === "percent_a");
    assert.deepEqual(
      compared.table!.rows[0]!.values[percentA],
      { kind: undefined },
      "MX had no host in October",
    );
  });

  it("refuses a view that is only an object's property, and dates that are not dates, as INVALID_ARGUMENT", async () => {
    for (const view of ["constructor", "toString", "__proto__"]) {
      await assert.rejects(
        call((done) =>
          client.getSummary(
            { view, crawl: "nov", groupBy: "tld", filter: undefined, dataView: 0, group: 0 },
            done,
          ),
        ),
        {
          code: 3,
          details: `unknown view ${view} (one of hosts, domains, reach, dualstack, ping, path, readiness)`,
        },
      );
      await assert.rejects(
        call((done) =>
          client.getTrend(
            { view, groupBy: "", filter: undefined, fromDate: "", toDate: "", dataView: 0, group: 0 },
            done,
          ),
        ),
        { code: 3 },
      );
    }
    for (const [fromDate, toDate] of [
      ["2026-13-45", ""],
      ["", "2026-02-30"],
      ["yesterday", ""],
    ]) {
      await assert.rejects(
        call((done) =>
          client.getTrend(
            {
              view: "domains",
              groupBy: "",
              filter: undefined,
              fromDate: fromDate!,
              toDate: toDate!,
              dataView: 0,
              group: 0,
            },
            done,
          ),
        ),
        { code: 3, details: /_date "[^"]+": expected a calendar date as YYYY-MM-DD/ },
      );
    }
    await assert.rejects(
      call((done) =>
        client.getSummary(
          { view: "hosts", crawl: "2026-13-45", groupBy: "", filter: undefined, dataView: 0, group: 0 },
          done,
        ),
      ),
      { code: 3, details: "2026-13-45: not a calendar date (YYYY-MM-DD)" },
    );
    await assert.rejects(
      call((done) =>
        client.getSummary(
          { view: "", crawl: "nov", groupBy: "", filter: undefined, dataView: 99 as View, group: 0 },
          done,
        ),
      ),
      { code: 3, details: "data_view 99: not a view this server knows" },
    );
  });

  it("searches a page at a time: the token goes on where the last page ended, for that prefix only", async () => {
    const search = (request: { prefix: string; pageSize?: number; pageToken: string }) =>
      call<SearchDomainsResponse>((done) => client.searchDomains({ limit: 0, ...request }, done));
    // example.com is in both crawls: listed once.
    const first = await search({ prefix: "EX", pageSize: 1, pageToken: "" });
    assert.deepEqual(first.domains, ["example.com"]);
    assert.notEqual(first.nextPageToken, "");
    const second = await search({ prefix: "ex", pageSize: 1, pageToken: first.nextPageToken });
    assert.deepEqual(second, { domains: ["exemplary.com"], nextPageToken: "" });
    const all = await search({ prefix: "ex", pageToken: "" });
    assert.deepEqual(all, { domains: ["example.com", "exemplary.com"], nextPageToken: "" });
    await assert.rejects(search({ prefix: "exa", pageSize: 1, pageToken: first.nextPageToken }), {
      code: 3,
      details: 'page_token: it is for the prefix "ex", not "exa"',
    });
    await assert.rejects(search({ prefix: "ex", pageToken: "bm90IGEgdG9rZW4" }), { code: 3 });
    // An unpublished crawl's names are not found.
    await setPublished(store, "nov", false);
    assert.deepEqual(await search({ prefix: "ex", pageToken: "" }), {
      domains: ["example.com"],
      nextPageToken: "",
    });
    await setPublished(store, "nov", true);
    await assert.rejects(search({ prefix: "ex", pageSize: 0, pageToken: "" }), {
      code: 3,
      details: "page_size 0: leave it unset for the server's default",
    });
  });
});
