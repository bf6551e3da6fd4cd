// The read side as its users meet it, against a real `ipv6matrix serve all` on
// a store holding two published crawls (test/support/published-crawls.ts,
// written by hand): a client built on the v0.1.0 protos (proto-baseline/,
// loaded by @grpc/proto-loader as any third-party client would) still gets its
// answers, submits a crawl and follows it; a client of today's protos pages through crawls; the `query`,
// `history` and `search` commands print what the original website showed; a
// submission retried with the same request id starts no second crawl.
// Every expected value is written by hand from the fixture.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { CrawlServiceClient, type ListCrawlsResponse } from "../../gen/ipv6matrix/v1/crawl.js";
import { runCommand } from "../support/command.js";
import { NOVEMBER, OCTOBER, RUNNING, writePublishedCrawls } from "../support/published-crawls.js";
import { freePort, ServiceProcess } from "../support/service-process.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

/** The v0.1.0 contracts as a client outside this repository would load them. */
function oldClients(address: string) {
  const definition = loadSync(["ipv6matrix/v1/query.proto", "ipv6matrix/v1/crawl.proto"], {
    includeDirs: [join(repo, "proto-baseline/v0.1.0")],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
  });
  const v1 = (loadPackageDefinition(definition)["ipv6matrix"] as GrpcObject)["v1"] as GrpcObject;
  const make = (name: string) =>
    new (v1[name] as ServiceClientConstructor)(address, credentials.createInsecure());
  return { query: make("QueryService"), crawl: make("CrawlService") };
}

type Untyped = Record<string, unknown>;
function callOld(client: Untyped, method: string, request: Untyped): Promise<Untyped> {
  return new Promise((resolve, reject) =>
    (client[method] as (r: Untyped, d: (e: Error | null, v: Untyped) => void) => void).call(
      client,
      request,
      (error, response) => (error ? reject(error) : resolve(response)),
    ),
  );
}
const cells = (response: Untyped) =>
  ((response["table"] as Untyped)["rows"] as { cells: string[] }[]).map((row) => row.cells);

describe("clients of the QueryService and CrawlService against serve all", () => {
  let dir: string;
  let server: ServiceProcess;
  let env: NodeJS.ProcessEnv;

  const cli = (...args: string[]) =>
    runCommand(process.execPath, [bin, ...args, "--api", server.grpc], { env, timeoutMs: 60_000 });
  const jsonl = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Untyped);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-clients-"));
    await writePublishedCrawls(join(dir, "data"));
    env = {
      ...process.env,
      IPV6MATRIX_STORE_DATA_DIR: join(dir, "data"),
      IPV6MATRIX_STORE_URL: "",
      // Nothing listens there: a crawl submitted below asks loopback only, and is never waited for.
      IPV6MATRIX_RESOLVER_NAMESERVERS: `127.0.0.1:${await freePort()}`,
      IPV6MATRIX_RESOLVER_TIMEOUT: "1",
      IPV6MATRIX_RESOLVER_RETRIES: "0",
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
    };
    server = await ServiceProcess.start("all", "serve all", env);
    const probe = new CrawlServiceClient(server.grpc, credentials.createInsecure());
    await new Promise<void>((resolve, reject) =>
      probe.waitForReady(Date.now() + 60_000, (error) =>
        error ? reject(new Error(`${error.message}\n${server.tail()}`)) : resolve(),
      ),
    );
    probe.close();
  });

  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers a client built on the v0.1.0 protos as before", async () => {
    const { query, crawl } = oldClients(server.grpc);
    try {
      const summary = await callOld(query, "GetSummary", { view: "domains", group_by: "tld" });
      assert.deepEqual((summary["table"] as Untyped)["columns"], [
        "tld",
        "domains",
        "domains6",
        "www",
        "ns",
        "mx",
        "ntp",
      ]);
      assert.deepEqual(cells(summary), [
        ["com", "10", "4", "4", "0", "0", "0"],
        ["org", "5", "1", "1", "0", "0", "0"],
      ]);
      const trend = await callOld(query, "GetTrend", { view: "hosts", group_by: "type" });
      assert.deepEqual(cells(trend), [
        ["2026-10-01", "WWW", "20", "4", "2"],
        ["2026-11-01", "MX", "4", "1", "2"],
        ["2026-11-01", "WWW", "20", "8", "2"],
      ]);
      const compared = await callOld(query, "CompareCrawls", {
        crawl_a: "2026-10-01",
        crawl_b: NOVEMBER,
        group_by: "country",
      });
      assert.deepEqual(cells(compared), [
        ["DE", "10", "2", "20", "10", "4", "40", "20", "2", "2"],
        ["US", "5", "0", "0", "5", "1", "20", "20", "2", "2"],
      ]);
      const history = await callOld(query, "GetDomainHistory", { domain: "EXAMPLE.com" });
      assert.deepEqual(
        cells(history).map((row) => [row[0], row[1], row[4], row[18]]),
        [
          ["2026-10-01", OCTOBER, "0", ""],
          ["2026-11-01", NOVEMBER, "1", "0.5"],
        ],
      );
      assert.deepEqual((await callOld(query, "SearchDomains", { prefix: "ex", limit: 1 }))["domains"], [
        "example.com",
      ]);
      assert.deepEqual((await callOld(query, "SearchDomains", { prefix: "" }))["domains"], [
        "example.com",
        "exemplary.com",
        "other.org",
      ]);
      const listed = (await callOld(crawl, "ListCrawls", { limit: 10 }))["crawls"] as Untyped[];
      assert.deepEqual(
        listed.map((c) => [c["crawl_id"], c["state"], c["started_at"], c["finished_at"], c["published"]]),
        [
          [RUNNING, "CRAWL_STATE_RUNNING", Date.UTC(2026, 11, 1, 6) / 1000, 0, false],
          [
            NOVEMBER,
            "CRAWL_STATE_COMPLETED",
            Date.UTC(2026, 10, 1, 6) / 1000,
            Date.UTC(2026, 10, 1, 8) / 1000,
            true,
          ],
          [
            OCTOBER,
            "CRAWL_STATE_COMPLETED",
            Date.UTC(2026, 9, 1, 6) / 1000,
            Date.UTC(2026, 9, 1, 7, 30) / 1000,
            true,
          ],
        ],
      );
      await assert.rejects(callOld(crawl, "GetCrawl", { crawl_id: "c20990101-ffffffff" }), {
        code: 5,
        details: "no crawl c20990101-ffffffff",
      });
      await assert.rejects(callOld(query, "GetSummary", { view: "constructor", group_by: "tld" }), {
        code: 3,
      });
      await assert.rejects(callOld(crawl, "CancelCrawl", { crawl_id: "c20990101-ffffffff" }), {
        code: 5,
        details: "no crawl c20990101-ffffffff",
      });
      await assert.rejects(callOld(crawl, "ResumeCrawl", { crawl_id: OCTOBER }), {
        code: 9, // FAILED_PRECONDITION: the request is fine, the crawl is done
        details: `crawl ${OCTOBER} is completed: nothing to resume`,
      });
    } finally {
      query.close();
      crawl.close();
    }
  });

  it("pages through the crawls, newest first, with Timestamps", async () => {
    const client = new CrawlServiceClient(server.grpc, credentials.createInsecure());
    const list = (pageToken: string) =>
      new Promise<ListCrawlsResponse>((resolve, reject) =>
        client.listCrawls({ limit: 0, pageSize: 2, pageToken }, (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
    try {
      const first = await list("");
      assert.deepEqual(
        first.crawls.map((c) => c.crawlId),
        [RUNNING, NOVEMBER],
      );
      assert.deepEqual(first.crawls[1]!.startTime, {
        seconds: Date.UTC(2026, 10, 1, 6) / 1000,
        nanos: 250_000_000,
      });
      assert.deepEqual(first.crawls[1]!.finishTime, { seconds: Date.UTC(2026, 10, 1, 8) / 1000, nanos: 0 });
      assert.equal(first.crawls[0]!.finishTime, undefined, "still running");
      const second = await list(first.nextPageToken);
      assert.deepEqual(
        second.crawls.map((c) => c.crawlId),
        [OCTOBER],
      );
      assert.equal(second.nextPageToken, "");
    } finally {
      client.close();
    }
  });

  it("ipv6matrix query prints a view of the latest published crawl, of a given crawl, or a trend", async () => {
    const table = await cli("query", "domains", "--by", "tld");
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        "tld  domains  domains6  www  ns  mx  ntp",
        "---  -------  --------  ---  --  --  ---",
        "com       10         4    4   0   0    0",
        "org        5         1    1   0   0    0",
        "",
      ].join("\n"),
    );
    const oneCountry = await cli(
      "query",
      "domains",
      "--by",
      "country",
      "--country",
      "us",
      "--crawl",
      "2026-10-01",
      "--format",
      "jsonl",
    );
    assert.equal(oneCountry.code, 0, oneCountry.stderr);
    assert.deepEqual(jsonl(oneCountry.stdout), [
      { country: "US", domains: 5, domains6: 0, www: 0, ns: 0, mx: 0, ntp: 0 },
    ]);
    const trend = await cli("query", "hosts", "--by", "type", "--from", "2026-10-01", "--format", "jsonl");
    assert.equal(trend.code, 0, trend.stderr);
    assert.deepEqual(jsonl(trend.stdout), [
      { date: "2026-10-01", type: "WWW", hosts: 20, hosts_ipv6: 4, method: 2 },
      { date: "2026-11-01", type: "MX", hosts: 4, hosts_ipv6: 1, method: 2 },
      { date: "2026-11-01", type: "WWW", hosts: 20, hosts_ipv6: 8, method: 2 },
    ]);
    const october = await cli(
      "query",
      "domains",
      "--by",
      "tld",
      "--tld",
      "com,net",
      "--from",
      "2026-10-01",
      "--to",
      "2026-10-31",
      "--format",
      "jsonl",
    );
    assert.equal(october.code, 0, october.stderr);
    assert.deepEqual(jsonl(october.stdout), [
      { date: "2026-10-01", tld: "com", domains: 10, domains6: 2, www: 2, ns: 0, mx: 0, ntp: 0, method: 2 },
    ]);
  });

  it("ipv6matrix history and search read one domain and find domains", async () => {
    const history = await cli("history", "example.com", "--format", "jsonl");
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(
      jsonl(history.stdout).map((row) => [row["date"], row["crawl_id"], row["www_hosts6"], row["pingratio"]]),
      [
        ["2026-10-01", OCTOBER, 0, null],
        ["2026-11-01", NOVEMBER, 1, 0.5],
      ],
    );
    const found = await cli("search", "EX");
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout, "example.com\nexemplary.com\n");
    const first = await cli("search", "e", "--limit", "1");
    assert.equal(first.stdout, "example.com\n");
  });

  it("each command says what is wrong in one line, and has its --help", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["query", "constructor"],
        /^ipv6matrix query: unknown view constructor \(one of hosts, domains, reach, dualstack, ping, path, readiness\)\n$/,
      ],
      [
        ["query", "domains", "--from", "2026-13-45"],
        /^ipv6matrix query: from_date "2026-13-45": expected a calendar date as YYYY-MM-DD\n$/,
      ],
      [["query", "hosts", "--crawl", "2020-01-01"], /^ipv6matrix query: no completed crawl 2020-01-01\n$/],
      [["query", "hosts", "--by", "week"], /^ipv6matrix query: --by week: one of tld, country, type\n$/],
      [["search", "ex", "--limit", "0"], /^ipv6matrix search: --limit 0: a whole number, 1 or more\n$/],
    ];
    for (const [args, message] of cases) {
      const out = await cli(...args);
      assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
      assert.match(out.stderr, message);
    }
    for (const command of ["query", "history", "search"]) {
      const help = await runCommand(process.execPath, [bin, command, "--help"], { env });
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`^Usage: ipv6matrix ${command} `));
    }
  });

  // After the read-only tests: it adds a crawl, the newest.
  it("takes a submission from a client built on the v0.1.0 protos, and streams its progress with stage names", async () => {
    const { crawl } = oldClients(server.grpc);
    try {
      const submitted = await new Promise<Untyped>((resolve, reject) => {
        const call = (
          crawl as unknown as {
            SubmitCrawl: (done: (e: Error | null, v: Untyped) => void) => {
              write(m: Untyped): void;
              end(): void;
            };
          }
        ).SubmitCrawl((error, response) => (error ? reject(error) : resolve(response)));
        call.write({ options: { date: "2026-12-20" }, source: "" });
        call.write({ domains: ["old-client-one.test", "old-client-two.test"] });
        call.end();
      });
      const crawlId = (submitted["crawl"] as Untyped)["crawl_id"] as string;
      assert.match(crawlId, /^c20261220-[0-9a-f]{8}$/);
      assert.equal((submitted["crawl"] as Untyped)["domains"], 2);
      const first = await new Promise<Untyped>((resolve, reject) => {
        const stream = (
          crawl as unknown as {
            WatchCrawl: (r: Untyped) => NodeJS.EventEmitter & { cancel(): void };
          }
        ).WatchCrawl({ crawl_id: crawlId });
        stream.once("data", (message: Untyped) => {
          stream.cancel();
          resolve(message);
        });
        stream.on("error", (error: Error & { code?: number }) => {
          if (error.code !== 1) reject(error); // 1: CANCELLED, ours
        });
      });
      const stages = (first["progress"] as Untyped)["stages"] as Untyped[];
      assert.deepEqual(stages.map((s) => s["stage"]).slice(0, 2), ["domains", "hosts"]);
      assert.equal(stages[0]!["total"], 2);
    } finally {
      crawl.close();
    }
  });

  it("a submission retried with the same request id answers the crawl already started", async () => {
    writeFileSync(join(dir, "retry.txt"), "retry-one.test\nretry-two.test\n");
    const submit = () =>
      cli("submit", "--date", "2026-12-15", "--request-id", "retry-1", join(dir, "retry.txt"));
    const [a, b] = [await submit(), await submit()];
    assert.equal(a.code, 0, a.stderr + server.tail());
    assert.equal(b.code, 0, b.stderr);
    assert.match(a.stdout, /^c20261215-[0-9a-f]{8}\n$/);
    assert.equal(b.stdout, a.stdout);
    const other = await cli(
      "submit",
      "--date",
      "2026-12-15",
      "--request-id",
      "retry-2",
      join(dir, "retry.txt"),
    );
    assert.notEqual(other.stdout, a.stdout, "another request id is another crawl");
    const { crawl } = oldClients(server.grpc);
    try {
      const listed = (await callOld(crawl, "ListCrawls", { limit: 10 }))["crawls"] as Untyped[];
      assert.equal(listed.filter((c) => c["date"] === "2026-12-15").length, 2);
    } finally {
      crawl.close();
    }
  });
});
