// The findings of the hostile-input pass over CrawlService, each as a test: a source path
// that names a server file (/etc/shadow), an empty submission, limits on sources and on crawls
// at once, resuming a refused crawl, a client that cancels mid-stream, and `watch` / `submit`
// that used to hang. The CrawlService runs in this process over chDB and the in-process bus
// with no measuring role, so an accepted crawl stays running: what the test counts is what
// was accepted, refused and published, never how long anything took.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { CrawlOptions, CrawlState } from "../../gen/ipv6matrix/v1/common.js";
import {
  type Crawl,
  CrawlServiceClient,
  ListCrawlsRequest,
  type ListCrawlsResponse,
  type SubmitCrawlResponse,
} from "../../gen/ipv6matrix/v1/crawl.js";
import { CrawlManager } from "../../services/api/crawl-manager.js";
import { crawlOptionsFrom, today } from "../../services/api/crawl-options.js";
import { crawlService, nameserverPolicyOf } from "../../services/api/crawl-service.js";
import { inProcessTopology } from "../../services/cli/roles.js";
import { loadConfig } from "../../services/runtime/config.js";
import { type RunningGrpcServer, startGrpcServer } from "../../services/runtime/grpc-server.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";
import { runCommand } from "../support/command.js";

const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");
const MAX_RUNNING = 4;
const MAX_DOMAINS = 3;
const MAX_BYTES = 2048;

describe("CrawlService under hostile input", () => {
  let dir: string;
  let dataDir: string;
  let sourceDir: string;
  let store: Store;
  let transport: InProcessTransport;
  let manager: CrawlManager;
  let server: RunningGrpcServer;
  let client: CrawlServiceClient;
  let queries = 0;
  const published: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-hostile-"));
    dataDir = join(dir, "data");
    sourceDir = join(dir, "sources");
    mkdirSync(sourceDir);
    writeFileSync(join(sourceDir, "big.txt"), "a.com\n".repeat(1000));
    const config = loadConfig({ env: {}, sets: [`resolver.nameservers=192.0.2.53`] });
    const chdb = await openChdbStore(dataDir);
    await migrate(chdb);
    // Counts the queries, for "ListCrawls runs one query, not one per crawl".
    store = new Proxy(chdb, {
      get(target, key) {
        if (key === "query")
          return (...args: Parameters<Store["query"]>) => {
            queries++;
            return target.query(...args);
          };
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    transport = new InProcessTransport({ topology: inProcessTopology([]) });
    const publish = transport.publish.bind(transport);
    transport.publish = (subject, data, key) => {
      published.push(key);
      return publish(subject, data, key);
    };
    manager = new CrawlManager({
      store,
      transport,
      dataDir,
      blocklistPath: config.domain.blocklist,
      measures: { prober: false, geo: false },
      summarise: async () => {},
      autoPublish: false,
      maxDomains: MAX_DOMAINS,
      maxRunningCrawls: MAX_RUNNING,
      source: { sourceDir, maxBytes: MAX_BYTES, allowRanges: [], timeoutMs: 2000 },
    });
    const service = crawlService({
      store,
      manager,
      dataDir,
      defaults: crawlOptionsFrom(config, today()),
      measures: { prober: false, geo: false },
      maxSourceBytes: MAX_BYTES,
      nameservers: nameserverPolicyOf(config),
      watchIntervalMs: 50,
    });
    server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [service]);
    client = new CrawlServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  after(async () => {
    client?.close();
    await server?.stop();
    await manager?.close();
    await transport?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const submit = (
    request: { source?: string; domains?: string[][]; options?: Partial<CrawlOptions> } = {},
  ): Promise<Crawl> =>
    new Promise((resolve, reject) => {
      const call = client.submitCrawl((error: ServiceError | null, reply: SubmitCrawlResponse) =>
        error ? reject(error) : resolve(reply.crawl!),
      );
      const [first = [], ...rest] = request.domains ?? [];
      call.write({
        options: CrawlOptions.fromPartial(request.options ?? {}),
        source: request.source ?? "",
        domains: first,
        requestId: "",
      });
      for (const domains of rest) call.write({ options: undefined, source: "", domains, requestId: "" });
      call.end();
    });
  const list = () =>
    new Promise<Crawl[]>((resolve, reject) =>
      client.listCrawls(
        ListCrawlsRequest.fromPartial({ limit: 1000 }),
        (error: ServiceError | null, reply: ListCrawlsResponse) =>
          error ? reject(error) : resolve(reply.crawls),
      ),
    );
  const refusal = async (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail("expected a refusal"),
      (error: ServiceError) => error,
    );
  const spoolFiles = () => {
    try {
      return readdirSync(join(dataDir, "spool"));
    } catch {
      return [];
    }
  };

  it("a source path naming a server file (/etc/shadow) is refused before reading: nothing echoed, copied or asked", async () => {
    const error = await refusal(submit({ source: "/etc/shadow" }));
    assert.equal(error.code, status.PERMISSION_DENIED);
    assert.equal(error.details, "source /etc/shadow: not inside the server's source folder (api.source_dir)");
    assert.deepEqual(spoolFiles(), [], "no copy in the spool");
    assert.deepEqual(published, [], "no line went out as a DNS question");
    const [crawl] = await list();
    assert.equal(crawl?.state, CrawlState.CRAWL_STATE_FAILED);
    assert.equal(crawl?.domains, 0);
    // Nor through a relative path out of the folder.
    assert.equal(
      (await refusal(submit({ source: "../../../../etc/shadow" }))).code,
      status.PERMISSION_DENIED,
    );
  });

  it("an empty submission is refused, and no list is fetched in its place", async () => {
    const before = (await list()).length;
    const error = await refusal(submit({}));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /^no domains: stream them or give a source/);
    assert.equal((await list()).length, before, "no crawl recorded");
    assert.deepEqual(published, []);
  });

  it("api.max_source_bytes holds for streamed lists and path sources, and the refused lists leave no spool file", async () => {
    const streamed = await refusal(submit({ domains: [Array.from({ length: 400 }, (_, i) => `d${i}.com`)] }));
    assert.equal(streamed.code, status.RESOURCE_EXHAUSTED);
    assert.equal(
      streamed.details,
      `the streamed list: larger than ${MAX_BYTES} bytes (api.max_source_bytes)`,
    );
    const path = await refusal(submit({ source: "big.txt" }));
    assert.equal(path.code, status.RESOURCE_EXHAUSTED);
    assert.equal(path.details, `source big.txt: larger than ${MAX_BYTES} bytes (api.max_source_bytes)`);
    assert.deepEqual(spoolFiles(), []);
    assert.deepEqual(published, []);
  });

  it("a crawl refused for api.max_domains keeps no spool file and cannot be resumed", async () => {
    const error = await refusal(submit({ domains: [["a.com", "b.com", "c.com", "d.com"]] }));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /3/);
    assert.deepEqual(spoolFiles(), []);
    const [refused] = await list();
    assert.equal(refused?.state, CrawlState.CRAWL_STATE_FAILED);
    const resumed = await refusal(
      new Promise((resolve, reject) =>
        client.resumeCrawl({ crawlId: refused!.crawlId }, (e: ServiceError | null, r: unknown) =>
          e ? reject(e) : resolve(r),
        ),
      ),
    );
    assert.equal(resumed.code, status.FAILED_PRECONDITION);
    assert.match(
      resumed.details,
      new RegExp(`^crawl ${refused!.crawlId} was refused when submitted \\(.*\\): nothing to resume$`),
    );
    assert.equal((await list())[0]?.state, CrawlState.CRAWL_STATE_FAILED);
    assert.deepEqual(published, [], "none of its domains was sent");
  });

  it("a submission may not name a name server the configuration does not", async () => {
    const error = await refusal(
      submit({ domains: [["a.com"]], options: { nameservers: ["198.51.100.53"] } }),
    );
    assert.equal(error.code, status.PERMISSION_DENIED);
    assert.match(error.details, /^options.nameserver 198.51.100.53:53: not one of resolver.nameservers/);
    assert.deepEqual(published, []);
  });

  it("a client that cancels mid-stream gets no crawl of what it sent", async () => {
    const before = (await list()).length;
    const call = client.submitCrawl(() => {});
    call.write({
      options: CrawlOptions.fromPartial({}),
      source: "",
      domains: ["a.com", "b.com"],
      requestId: "",
    });
    // The server has the first part once its spool file appears.
    while (!spoolFiles().some((name) => name.startsWith("incoming-")))
      await new Promise((resolve) => setTimeout(resolve, 20));
    call.cancel();
    // grpc-js half-closes a stream it cancels, then resets it: the server may record the
    // submission, but it ends cancelled (or failed, when the reset came while it was read),
    // never running, with its list gone.
    const settled = async () => {
      const crawls = await list();
      return (
        crawls
          .slice(0, crawls.length - before)
          .every((c) =>
            [CrawlState.CRAWL_STATE_CANCELLED, CrawlState.CRAWL_STATE_FAILED].includes(c.state),
          ) && spoolFiles().length === 0
      );
    };
    while (!(await settled())) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(published, [], "none of its domains was sent");
  });

  it("WatchCrawl of an unknown crawl ends with NOT_FOUND, and `ipv6matrix watch` with one line", async () => {
    const error = await new Promise<ServiceError>((resolve) => {
      const call = client.watchCrawl({ crawlId: "c20260101-nope" });
      call.on("data", () => {});
      call.on("error", resolve);
    });
    assert.equal(error.code, status.NOT_FOUND);
    assert.equal(error.details, "no crawl c20260101-nope");
    const watched = await runCommand(process.execPath, [
      bin,
      "watch",
      "--api",
      `127.0.0.1:${server.port}`,
      "nope",
    ]);
    assert.equal(watched.code, 2);
    assert.equal(watched.stderr, "ipv6matrix watch: no crawl nope\n");
  });

  it("`ipv6matrix submit` of a folder ends with one line", async () => {
    const submitted = await runCommand(process.execPath, [
      bin,
      "submit",
      "--api",
      `127.0.0.1:${server.port}`,
      dir,
    ]);
    assert.equal(submitted.code, 2);
    assert.equal(submitted.stderr, `ipv6matrix submit: domain file ${dir}: not a file\n`);
  });

  it(`200 SubmitCrawl with 200 ListCrawls and 200 GetCrawl at once: ${MAX_RUNNING} crawls accepted, the rest RESOURCE_EXHAUSTED, every read answered; ListCrawls is one query`, async () => {
    const submissions = Array.from({ length: 200 }, (_, i) =>
      submit({ domains: [[`s${i}.com`]] }).then(
        () => "accepted",
        (error: ServiceError) =>
          error.code === status.RESOURCE_EXHAUSTED ? "busy" : `${error.code}: ${error.details}`,
      ),
    );
    const reads = Array.from({ length: 200 }, () => [
      list().then(() => "listed"),
      new Promise<string>((resolve) =>
        client.getCrawl({ crawlId: "c20260101-nope" }, (error: ServiceError | null) =>
          resolve(error?.code === status.NOT_FOUND ? "not found" : `unexpected ${error?.code}`),
        ),
      ),
    ]).flat();
    const outcomes = await Promise.all(submissions);
    const counts = Object.fromEntries(
      [...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length]),
    );
    assert.deepEqual(counts, { accepted: MAX_RUNNING, busy: 200 - MAX_RUNNING });
    const answered = await Promise.all(reads);
    assert.equal(answered.filter((a) => a === "listed").length, 200);
    assert.equal(answered.filter((a) => a === "not found").length, 200);
    const busy = await refusal(submit({ domains: [["x.com"]] }));
    assert.equal(
      busy.details,
      `${MAX_RUNNING} crawls run on this api instance already (api.max_running_crawls); try again when one has ended`,
    );
    // The crawls' runners poll the store too: stopped (not cancelled) so only ListCrawls reads.
    await manager.close();
    queries = 0;
    const crawls = await list();
    assert.equal(queries, 1, "one query for the whole list");
    assert.equal(crawls.filter((c) => c.state === CrawlState.CRAWL_STATE_RUNNING).length, MAX_RUNNING);
  });
});
