// The CrawlService end to end: `ipv6matrix serve all` as its own process (every
// service, one process, a ClickHouse endpoint as the store), crawls submitted
// with `ipv6matrix submit` (streamed, and as a Majestic Million CSV the server
// fetches from a loopback HTTP server), followed with `ipv6matrix watch`, and
// exported. Expected counts: thin-zones.ts, written by hand.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Client, credentials } from "@grpc/grpc-js";
import { Client as ReflectionClient } from "grpc-reflection-js";
import { CrawlServiceClient, type ListCrawlsResponse } from "../../gen/ipv6matrix/v1/crawl.js";
import { domains, expectedWwwHostData, validRanges, zones } from "../e2e/thin-zones.js";
import { type ClickHouseHttp, startClickHouseHttp } from "../support/clickhouse-http.js";
import { runCommand } from "../support/command.js";
import { type Nsd, startNsd } from "../support/nsd.js";
import { offlineDns6 } from "../support/offline-dns6.js";

const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("CrawlService: submit, watch, list over gRPC against serve all", () => {
  let nsd: Nsd;
  let clickhouse: ClickHouseHttp;
  let dir: string;
  let api: string;
  let server: ChildProcess;
  let serverLog = "";
  let http: Server;
  let httpPort: number;
  let env: Record<string, string>;

  // Asynchronous: the HTTP server the api fetches from lives in this process, and spawnSync would block it.
  const run = (args: string[]) =>
    runCommand(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeoutMs: 120_000 });
  const wwwRows = async (crawlId: string) => {
    const out = await run(["export", "hostdata", "--crawl", crawlId, "--keep-zz", "--format", "jsonl"]);
    assert.equal(out.code, 0, out.stderr);
    return out.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((row) => row["type"] === "WWW")
      .map((row) => [row["tld"], row["hosts"], row["hosts4"], row["hosts6"], row["dualstack"], row["noip"]]);
  };

  before(async () => {
    [nsd, clickhouse] = await Promise.all([startNsd(zones), startClickHouseHttp()]);
    dir = mkdtempSync(join(tmpdir(), "v6m-api-"));
    writeFileSync(join(dir, "domains.txt"), domains);
    writeFileSync(join(dir, "empty.txt"), "# nothing\n\nnot a domain\n");
    // Majestic Million's layout, with the thin list's domains.
    const majestic = [
      "GlobalRank,TldRank,Domain,TLD,RefSubNets,RefIPs,IDN_Domain,IDN_TLD,PrevGlobalRank,PrevTldRank,PrevRefSubNets,PrevRefIPs",
      "1,1,alpha.com,com,10,10,alpha.com,com,1,1,10,10",
      "2,2,beta.com,com,9,9,beta.com,com,2,2,9,9",
      "3,1,gamma.org,org,8,8,gamma.org,org,3,1,8,8",
      "4,1,delta.net,net,7,7,delta.net,net,4,1,7,7",
    ].join("\n");
    http = createHttpServer((request, response) => {
      if (request.url === "/majestic_million.csv")
        response.writeHead(200, { "content-type": "text/csv" }).end(majestic);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    httpPort = (http.address() as { port: number }).port;
    const port = await freePort();
    api = `127.0.0.1:${port}`;
    env = {
      IPV6MATRIX_STORE_URL: clickhouse.url,
      IPV6MATRIX_STORE_DATA_DIR: join(dir, "data"),
      IPV6MATRIX_RESOLVER_NAMESERVERS: nsd.endpoint,
      ...offlineDns6,
      IPV6MATRIX_RESOLVER_TIMEOUT: "1",
      IPV6MATRIX_RESOLVER_RETRIES: "0",
      IPV6MATRIX_RESOLVER_VALID_RANGES: validRanges,
      IPV6MATRIX_API_LISTEN: api,
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
      // The test's HTTP server is on loopback, which a source URL may reach only when allowed.
      IPV6MATRIX_API_SOURCE_ALLOW_RANGES: "127.0.0.0/8",
    };
    server = spawn(process.execPath, [bin, "serve", "all"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    server.stderr!.on("data", (chunk) => {
      serverLog += chunk;
    });
    const client = new CrawlServiceClient(api, credentials.createInsecure());
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 60_000, (error) =>
        error ? reject(new Error(`${error.message}\n${serverLog}`)) : resolve(),
      ),
    );
    client.close();
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    http?.close();
    await nsd?.stop();
    await clickhouse?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("crawls a streamed list: submit prints the id, watch follows it to completed", async () => {
    const submitted = await run(["submit", "--api", api, "--date", "2026-11-01", join(dir, "domains.txt")]);
    assert.equal(submitted.code, 0, submitted.stderr + serverLog);
    const crawlId = submitted.stdout.trim();
    assert.match(crawlId, /^c20261101-[0-9a-f]{8}$/);
    const watched = await run(["watch", "--api", api, crawlId]);
    assert.equal(watched.code, 0, watched.stderr + watched.stdout + serverLog);
    assert.match(watched.stdout, new RegExp(`crawl ${crawlId} completed`));
    assert.match(watched.stdout, /domains +4\/4/);
    assert.deepEqual(await wwwRows(crawlId), expectedWwwHostData);
  });

  it("crawls a Majestic Million CSV the server fetches", async () => {
    const submitted = await run([
      "submit",
      "--api",
      api,
      "--source",
      `http://127.0.0.1:${httpPort}/majestic_million.csv`,
    ]);
    assert.equal(submitted.code, 0, submitted.stderr + serverLog);
    const crawlId = submitted.stdout.trim();
    assert.equal((await run(["watch", "--api", api, crawlId])).code, 0);
    assert.deepEqual(await wwwRows(crawlId), expectedWwwHostData);
  });

  it("refuses a list without domains, and a source it cannot read, saying why", async () => {
    const empty = await run(["submit", "--api", api, join(dir, "empty.txt")]);
    assert.notEqual(empty.code, 0);
    assert.match(empty.stderr, /no domain in the streamed list \(3 lines, 1 not domain names\)/);
    const missing = await run(["submit", "--api", api, "--source", `http://127.0.0.1:${httpPort}/nope.csv`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nope\.csv: cannot fetch it/);
  });

  it("lists the crawls, newest first", async () => {
    const client = new CrawlServiceClient(api, credentials.createInsecure());
    try {
      const listed = await new Promise<ListCrawlsResponse>((resolve, reject) =>
        client.listCrawls({ limit: 0, pageSize: 10, pageToken: "" }, (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
      const states = listed.crawls.map((crawl) => crawl.state);
      assert.equal(listed.crawls.length, 4);
      assert.equal(states.filter((s) => s === 4).length, 2, "two completed");
      assert.equal(
        states.filter((s) => s === 6).length,
        2,
        "two failed submissions, recorded with their reason",
      );
      assert.ok(listed.crawls.every((crawl) => crawl.options?.wwwPrefixes.length === 5));
    } finally {
      client.close();
    }
  });

  it("an independent client (grpc-reflection-js) lists the services through reflection and calls SubmitCrawl", async () => {
    const reflection = new ReflectionClient(api, credentials.createInsecure());
    const listed = await reflection.listServices();
    for (const name of ["ipv6matrix.v1.CrawlService", "ipv6matrix.v1.QueryService", "grpc.health.v1.Health"])
      assert.ok(listed.includes(name), `${name} in ${listed}`);
    // Everything below comes from the server's descriptors, none from this project's generated code.
    const root = await reflection.fileContainingSymbol("ipv6matrix.v1.CrawlService");
    const method = root.lookupService("ipv6matrix.v1.CrawlService").methods["SubmitCrawl"]!;
    const request = root.lookupType(method.requestType);
    const response = root.lookupType(method.responseType);
    const client = new Client(api, credentials.createInsecure());
    try {
      const reply = await new Promise<Record<string, { crawlId?: string }>>((resolve, reject) => {
        const call = client.makeClientStreamRequest(
          "/ipv6matrix.v1.CrawlService/SubmitCrawl",
          (message: object) => Buffer.from(request.encode(request.fromObject(message)).finish()),
          (bytes: Buffer) =>
            response.toObject(response.decode(bytes)) as Record<string, { crawlId?: string }>,
          (error, value) => (error ? reject(error) : resolve(value!)),
        );
        call.write({
          options: { date: "2026-11-02" },
          source: "",
          domains: ["alpha.com", "beta.com", "gamma.org", "delta.net"],
        });
        call.end();
      });
      // protobufjs keeps the descriptor's field names (crawl_id) unless told to camel-case them.
      const crawl = reply["crawl"] as { crawlId?: string; crawl_id?: string };
      const crawlId = String(crawl.crawl_id ?? crawl.crawlId);
      assert.match(crawlId, /^c20261102-[0-9a-f]{8}$/);
      assert.equal((await run(["watch", "--api", api, crawlId])).code, 0);
      assert.deepEqual(await wwwRows(crawlId), expectedWwwHostData);
    } finally {
      client.close();
    }
  });
});
