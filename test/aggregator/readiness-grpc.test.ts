// Readiness (issue 19) as its users meet it: QueryService over a real gRPC
// server on loopback (GetSummary and GetTrend of the readiness view,
// CompareCrawls of readiness, GetDomainHistory with a domain's verdicts and
// reasons), then the CLI (`query`, `history` through that server; `compare`,
// `export` on the store). Over the hand-written crawls of readiness-rows.ts;
// every expected value is worked out by hand from them.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials, status } from "@grpc/grpc-js";
import { Grouping, QueryServiceClient, type Table, View } from "../../gen/ipv6matrix/v1/query.js";
import { queryService } from "../../services/aggregator/query-service.js";
import { type RunningGrpcServer, startGrpcServer } from "../../services/runtime/grpc-server.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { runCommand } from "../support/command.js";
import { fillReadinessCrawls } from "./readiness-rows.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

function call<Res>(run: (done: (error: Error | null, response: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) =>
    run((error, response) => (error ? reject(error) : resolve(response))),
  );
}
const rows = (table: Table | undefined) => table!.rows.map((row) => row.cells.join(" "));
const jsonl = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("Readiness through QueryService and the CLI", () => {
  let dir: string;
  let store: Store | undefined;
  let server: RunningGrpcServer | undefined;
  let client: QueryServiceClient;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCommand(process.execPath, [bin, ...args], { env, timeoutMs: 60_000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-readiness-grpc-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await fillReadinessCrawls(store);
    server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [queryService(store)]);
    client = new QueryServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    env = {
      ...process.env,
      IPV6MATRIX_STORE_DATA_DIR: join(dir, "data"),
      IPV6MATRIX_STORE_URL: "",
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
    };
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const summaryRequest = {
    view: "",
    crawl: "",
    groupBy: "",
    filter: undefined,
    dataView: View.VIEW_READINESS,
  };

  it("GetSummary: the latest published crawl's Readiness by country, with its columns", async () => {
    const summary = await call<{ table?: Table }>((done) =>
      client.getSummary({ ...summaryRequest, group: Grouping.GROUPING_COUNTRY }, done),
    );
    assert.deepEqual(
      summary.table!.typedColumns.map((c) => c.name),
      [
        "country",
        "domains",
        "dns6_applicable",
        "dns6_yes",
        "web6_applicable",
        "web6_yes",
        "web6_same_applicable",
        "web6_same_yes",
        "mail6_applicable",
        "mail6_yes",
        "ntp6_applicable",
        "ntp6_yes",
        "ipv6_only_ready_applicable",
        "ipv6_only_ready_yes",
      ],
    );
    // r1 (the latest): ZZ first (5 domains, the largest sample), then BE and NL (1 each)
    assert.deepEqual(rows(summary.table), [
      "ZZ 5 4 3 4 1 1 0 2 0 1 0 3 0",
      "BE 1 1 1 1 1 1 1 1 1 1 1 1 1",
      "NL 1 1 1 1 1 1 0 0 0 1 0 1 0",
    ]);
  });

  it("GetTrend: Readiness of TLD be on both dates, with each date's method", async () => {
    const trend = await call<{ table?: Table }>((done) =>
      client.getTrend(
        {
          view: "",
          groupBy: "",
          filter: { countries: [], types: [], tlds: ["BE"], minSample: 0 },
          fromDate: "",
          toDate: "",
          dataView: View.VIEW_READINESS,
          group: Grouping.GROUPING_TLD,
        },
        done,
      ),
    );
    assert.deepEqual(rows(trend.table), [
      // r0: only mail6 known (ready.be yes; failed.be, invalid.be no), and so ready no for those two
      "2026-10-01 be 7 0 0 0 0 0 0 3 1 0 0 2 0 2",
      "2026-11-01 be 7 6 5 6 3 3 1 3 1 3 1 5 1 2",
    ]);
  });

  it("CompareCrawls of readiness between two dated crawls, and what it refuses", async () => {
    const compared = await call<{ table?: Table }>((done) =>
      client.compareCrawls(
        {
          crawlA: "2026-10-01",
          crawlB: "2026-11-01",
          groupBy: "",
          group: Grouping.GROUPING_COUNTRY,
          dataView: View.VIEW_READINESS,
        },
        done,
      ),
    );
    // ready / with a verdict: BE 0/0 then 1/1; NL 0/0 then 0/1; ZZ 0/2 then 0/3
    assert.deepEqual(rows(compared.table), [
      "BE 0 0  1 1 100  2 2",
      "NL 0 0  1 0 0  2 2",
      "ZZ 2 0 0 3 0 0 0 2 2",
    ]);
    for (const [request, message] of [
      [{ group: Grouping.GROUPING_TYPE, dataView: View.VIEW_READINESS }, /cannot compare readiness by type/],
      [{ group: Grouping.GROUPING_TLD, dataView: View.VIEW_HOSTS }, /CompareCrawls compares penetration/],
    ] as const)
      await assert.rejects(
        call((done) => client.compareCrawls({ crawlA: "r0", crawlB: "r1", groupBy: "", ...request }, done)),
        (error: { code: number; details: string }) =>
          error.code === status.INVALID_ARGUMENT && message.test(error.details),
      );
  });

  it("GetDomainHistory: a domain's verdicts and reasons in each crawl, no value where there is none", async () => {
    const history = await call<{ table?: Table }>((done) =>
      client.getDomainHistory({ domain: "Invalid.BE" }, done),
    );
    const columns = history.table!.typedColumns.map((c) => c.name);
    const pick = [
      "date",
      "dns6",
      "web6",
      "web6_reason",
      "mail6",
      "mail6_reason",
      "ipv6_only_ready",
      "ipv6_only_reason",
    ];
    assert.deepEqual(
      history.table!.rows.map((row) => pick.map((name) => row.cells[columns.indexOf(name)])),
      [
        ["2026-10-01", "", "", "", "0", "mx_without_aaaa", "0", "mail6"],
        ["2026-11-01", "1", "0", "invalid_aaaa", "0", "mx_without_aaaa", "0", "web6"],
      ],
    );
    const dns6 = history.table!.typedColumns.find((c) => c.name === "dns6")!;
    assert.equal(dns6.nullable, true);
  });

  it("the CLI: query readiness and history through the api; then compare and export on the store", async () => {
    const api = ["--api", `127.0.0.1:${server!.port}`];
    const query = await cli(
      "query",
      "readiness",
      "--by",
      "country",
      "--crawl",
      "r0",
      "--country",
      "BE",
      "--format",
      "jsonl",
      ...api,
    );
    assert.equal(query.code, 0, query.stderr);
    assert.deepEqual(jsonl(query.stdout), [
      {
        country: "BE",
        domains: 1,
        dns6_applicable: 0,
        dns6_yes: 0,
        web6_applicable: 0,
        web6_yes: 0,
        web6_same_applicable: 0,
        web6_same_yes: 0,
        mail6_applicable: 1,
        mail6_yes: 1,
        ntp6_applicable: 0,
        ntp6_yes: 0,
        ipv6_only_ready_applicable: 0,
        ipv6_only_ready_yes: 0,
      },
    ]);
    const history = await cli("history", "differ.be", "--format", "jsonl", ...api);
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(
      jsonl(history.stdout).map((r) => [
        r["date"],
        r["web6_same"],
        r["web6_same_reason"],
        r["ipv6_only_reason"],
      ]),
      [
        ["2026-10-01", null, "", ""],
        ["2026-11-01", 0, "status,certificate,content", "web6_same"],
      ],
    );
    // compare and export open the store themselves: this process lets go of it first
    client.close();
    await server!.stop();
    server = undefined;
    await store!.close();
    store = undefined;
    const compared = await cli("compare", "r0", "r1", "--view", "readiness");
    assert.equal(compared.code, 0, compared.stderr);
    assert.match(compared.stdout, /^A: r0 \(2026-10-01\)\s+B: r1 \(2026-11-01\)\n/);
    assert.match(compared.stdout, /\nbe\s+2\s+0\s+0\s+5\s+1\s+20\s+20\s+2\s+2\n/);
    const refused = await cli("compare", "r0", "r1", "--view", "readiness", "--by", "type");
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--view readiness: compare by tld or country/);
    const exported = await cli("export", "readiness_domains", "--crawl", "r1");
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(
      exported.stdout.includes(
        "\n2026-11-01,r1,failed.be,be,ZZ,1,,0,ipv6_failed,0,ipv6_failed,0,smtp6_failed,0,ntp_without_aaaa,0,web6,2\n",
      ),
      exported.stdout,
    );
    const summary = await cli("export", "readiness", "--crawl", "r1");
    assert.equal(summary.code, 0, summary.stderr);
    assert.equal(summary.stdout.split("\n")[3], "2026-11-01,r1,be,ZZ,5,4,3,4,1,1,0,2,0,1,0,3,0,2");
  });
});
