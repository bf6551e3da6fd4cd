// QueryService over a real gRPC server on loopback, on summary rows written by
// hand for two crawls a month apart (October's imported from the original:
// method 1; November's of this crawler: method 2); publish/unpublish decide
// what trends see.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import {
  ColumnType,
  Grouping,
  QueryServiceClient,
  type SearchDomainsResponse,
  type Table,
  View,
} from "../../gen/ipv6matrix/v1/query.js";
import { queryService } from "../../services/aggregator/query-service.js";
import { saveCrawl, setPublished } from "../../services/runtime/crawls.js";
import { type RunningGrpcServer, startGrpcServer } from "../../services/runtime/grpc-server.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

const crawl = (id: string, date: string) => ({
  crawl_id: id,
  date,
  state: "completed" as const,
  options: "{}",
  source: "test",
  domains: 10,
  rejected: 0,
  started_at: `${date} 00:00:00`,
  finished_at: `${date} 01:00:00`,
  published: 0,
  error: "",
});
const penetration = (
  id: string,
  date: string,
  tld: string,
  country: string,
  domains: number,
  domains6: number,
) => ({
  crawl_id: id,
  date,
  tld,
  country,
  domains,
  domains6,
  www: domains6,
  ns: 0,
  mx: 0,
  ntp: 0,
  method: id === "oct" ? 1 : 2,
});
const hostData = (
  id: string,
  date: string,
  type: string,
  country: string,
  hosts: number,
  hosts6: number,
  dualstack: number,
) => ({
  crawl_id: id,
  date,
  tld: "com",
  type,
  country,
  hosts,
  hosts4: hosts - hosts6 - dualstack,
  hosts6,
  dualstack,
  noip: 0,
  pinghosts: 0,
  faster: 0,
  ping4: 0,
  ping6: 0,
  pathhosts: 0,
  fewer: 0,
  hops4: 0,
  hops6: 0,
  method: id === "oct" ? 1 : 2,
});
const domainRow = (id: string, date: string, domain: string, wwwHosts6: number) => ({
  crawl_id: id,
  date,
  domain,
  tld: "com",
  country: "DE",
  www_hosts: 1,
  www_hosts6: wwwHosts6,
  method: id === "oct" ? 1 : 2,
});

function call<Res>(run: (done: (error: Error | null, response: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) =>
    run((error, response) => (error ? reject(error) : resolve(response))),
  );
}
const rows = (table: Table | undefined) => table!.rows.map((row) => row.cells.join(" "));

describe("QueryService over gRPC", () => {
  let dir: string;
  let store: Store;
  let server: RunningGrpcServer;
  let client: QueryServiceClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-queries-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await saveCrawl(store, crawl("oct", "2026-10-01"));
    await saveCrawl(store, crawl("nov", "2026-11-01"));
    // October: com 10 domains in DE, 2 with IPv6; org 5 in US, 0. November: com DE 4 of 10; org US 1 of 5.
    await store.insert("domain_penetration", [
      penetration("oct", "2026-10-01", "com", "DE", 10, 2),
      penetration("oct", "2026-10-01", "org", "US", 5, 0),
      penetration("nov", "2026-11-01", "com", "DE", 10, 4),
      penetration("nov", "2026-11-01", "org", "US", 5, 1),
    ]);
    await store.insert("host_data", [
      hostData("oct", "2026-10-01", "WWW", "DE", 20, 1, 3),
      hostData("oct", "2026-10-01", "WWW", "ZZ", 7, 0, 0),
      hostData("nov", "2026-11-01", "WWW", "DE", 20, 2, 6),
      hostData("nov", "2026-11-01", "MX", "FR", 4, 0, 1),
    ]);
    await store.insert("domains", [
      domainRow("oct", "2026-10-01", "example.com", 0),
      domainRow("nov", "2026-11-01", "example.com", 1),
      domainRow("nov", "2026-11-01", "exemplary.com", 1),
    ]);
    await setPublished(store, "oct", true);
    await setPublished(store, "nov", true);
    server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [queryService(store)]);
    client = new QueryServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

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
