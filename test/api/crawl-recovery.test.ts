// A crawl whose bus loses tasks still completes (decision 018): nats-server 2.9.10, killed, came
// back without the tasks a consumer instance held when it died with it, and the crawl waited
// forever on an empty bus. Here the loss is made on purpose: stand-ins for the resolver's domain
// and host actors take certain tasks the first time and do nothing with them, as if the bus had
// dropped them. The runner must see that nothing moves and nothing is queued, send again exactly
// what the store lacks, under new message ids (the bus drops a second message with the first's id),
// and complete the crawl. The real aggregator stores the results in a real chDB.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CrawlOptions, DnsOutcome, Feature } from "../../gen/ipv6matrix/v1/common.js";
import { CrawlResult, DomainResult, DomainTask, HostTask } from "../../gen/ipv6matrix/v1/work.js";
import { aggregatorActors } from "../../services/aggregator/actors.js";
import { runCrawl } from "../../services/api/crawl-runner.js";
import { type RunningActor, startActor } from "../../services/runtime/actor.js";
import { loadConfig } from "../../services/runtime/config.js";
import { type DomainLine, newReport } from "../../services/runtime/domain-file.js";
import { migrate } from "../../services/runtime/migrate.js";
import { PROGRESS_SETTINGS } from "../../services/runtime/progress.js";
import type { Params, Row, Store, StoreError } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { pipelineTopology, Subjects } from "../../services/runtime/topology.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";

const DOMAINS = ["a.com", "b.net", "c.org", "d.de", "e.uk", "f.jp", "g.com", "h.net"];
/** Tasks taken and dropped on their first delivery: two domains, and the WWW host of a third. */
const LOST_DOMAINS = new Set(["b.net", "f.jp"]);
const LOST_HOSTS = new Set(["www.d.de"]);

const options = CrawlOptions.fromPartial({
  date: "2026-12-01",
  features: [Feature.FEATURE_WWW, Feature.FEATURE_MX],
  wwwPrefixes: ["www"],
});

async function* lines(): AsyncGenerator<DomainLine> {
  for (const [i, domain] of DOMAINS.entries()) yield { domain, line: i + 1 };
}

describe("a crawl whose bus loses tasks", () => {
  let dir: string;
  let store: Store;
  let transport: InProcessTransport;
  const actors: RunningActor[] = [];
  /** Deliveries each stand-in saw, by domain or host. */
  const delivered = new Map<string, number>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-recovery-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    transport = new InProcessTransport({ topology: pipelineTopology });
    const aggregator = aggregatorActors(loadConfig({ env: {} }), store);
    for (const actor of aggregator.actors) actors.push(await startActor(transport, actor));
    const saw = (name: string) => {
      const times = (delivered.get(name) ?? 0) + 1;
      delivered.set(name, times);
      return times;
    };
    // The resolver's domain actor, reduced: a WWW job naming www.<domain>, and an MX job without data.
    actors.push(
      await startActor(transport, {
        name: "test.domain",
        service: "test",
        subject: Subjects.domains,
        group: "resolver",
        maxInFlight: 4,
        decode: (data) => DomainTask.decode(data),
        crawlOf: (task) => task.crawlId,
        async handle(task, context) {
          if (saw(task.domain) === 1 && LOST_DOMAINS.has(task.domain)) return;
          const host = `www.${task.domain}`;
          await context.publish(
            Subjects.hosts,
            HostTask.encode({ crawlId: task.crawlId, host, options: task.options, web: false }).finish(),
            `${task.crawlId}:${host}`,
          );
          const jobs = [
            { type: Feature.FEATURE_WWW, host, outcome: DnsOutcome.DNS_OUTCOME_OK },
            { type: Feature.FEATURE_MX, host: "", outcome: DnsOutcome.DNS_OUTCOME_NODATA },
          ].map((job) => ({ ...job, domain: task.domain, priority: 0, rcode: 0 }));
          const result = CrawlResult.encode({
            result: {
              $case: "domain",
              value: DomainResult.fromPartial({
                crawlId: task.crawlId,
                domain: task.domain,
                tld: task.domain.split(".")[1]!,
                jobs,
              }),
            },
          });
          await context.publish(Subjects.results, result.finish(), `domain:${task.crawlId}:${task.domain}`);
        },
      }),
    );
    // The resolver's host actor, reduced: the host has no address.
    actors.push(
      await startActor(transport, {
        name: "test.host",
        service: "test",
        subject: Subjects.hosts,
        group: "resolver",
        maxInFlight: 4,
        decode: (data) => HostTask.decode(data),
        crawlOf: (task) => task.crawlId,
        async handle(task, context) {
          if (saw(task.host) === 1 && LOST_HOSTS.has(task.host)) return;
          const result = CrawlResult.encode({
            result: {
              $case: "host",
              value: {
                crawlId: task.crawlId,
                host: task.host,
                aOutcome: DnsOutcome.DNS_OUTCOME_NODATA,
                aaaaOutcome: DnsOutcome.DNS_OUTCOME_NODATA,
                addresses: [],
                cnameChain: [],
                aRcode: 0,
                aaaaRcode: 0,
              },
            },
          });
          await context.publish(Subjects.results, result.finish(), `host:${task.crawlId}:${task.host}`);
        },
      }),
    );
  });

  /** The eight domains crawled through the runner, reading and writing the crawl's rows in `crawlStore`. */
  const crawl = (crawlStore: Store, source: string) =>
    runCrawl({
      store: crawlStore,
      transport,
      options,
      source,
      domains: lines(),
      domainsAgain: lines,
      report: newReport(),
      measures: { prober: false, geo: false },
      summarise: async () => {},
      pollMs: 20,
    });

  after(async () => {
    for (const actor of actors) await actor.stop();
    await transport?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("completes, with every domain's jobs and every host's row, sending again only what was lost", async () => {
    const run = await crawl(store, "recovery-test");
    assert.equal(run.state, "completed");
    const jobs = await store.query<{ domain: string }>(
      "SELECT DISTINCT domain FROM jobs WHERE crawl_id = {crawl:String} ORDER BY domain",
      { crawl: run.crawlId },
    );
    assert.deepEqual(
      jobs.map((row) => row.domain),
      [...DOMAINS].sort(),
    );
    const hosts = await store.query<{ host: string }>(
      "SELECT DISTINCT host FROM hosts WHERE crawl_id = {crawl:String} ORDER BY host",
      { crawl: run.crawlId },
    );
    assert.deepEqual(
      hosts.map((row) => row.host),
      DOMAINS.map((domain) => `www.${domain}`).sort(),
    );
    // The lost tasks came twice, everything else once: a recovery round sends only what the store lacks.
    assert.deepEqual(Object.fromEntries([...delivered].filter(([, times]) => times !== 1)), {
      "b.net": 2,
      "f.jp": 2,
      "www.d.de": 2,
    });
  });

  it("reads its progress again when the engine refuses a read for memory, and completes", async () => {
    // The runner's store: the same chDB, but its first three domain-count reads are run with a
    // 1-byte memory limit, which the engine refuses (MEMORY_LIMIT_EXCEEDED) as it refused a
    // million-domain crawl's reads over the store's cap.
    const refusals: (number | undefined)[] = [];
    const refusing: Store = {
      kind: store.kind,
      exec: (sql, params) => store.exec(sql, params),
      insert: (table, rows) => store.insert(table, rows),
      close: async () => {},
      query: async <T extends Row = Row>(sql: string, params?: Params) => {
        if (refusals.length >= 3 || !sql.includes("GROUP BY domain")) return store.query<T>(sql, params);
        try {
          return await store.query<T>(
            sql.replace(
              PROGRESS_SETTINGS,
              `${PROGRESS_SETTINGS}, max_memory_usage = 1, max_untracked_memory = 0`,
            ),
            params,
          );
        } catch (error) {
          refusals.push((error as StoreError).code);
          throw error;
        }
      },
    };
    const run = await crawl(refusing, "progress-refused-test");
    assert.deepEqual(refusals, [241, 241, 241]);
    assert.equal(run.state, "completed");
    const [counted] = await store.query<{ n: number }>(
      "SELECT uniqExact(domain) AS n FROM jobs WHERE crawl_id = {crawl:String}",
      { crawl: run.crawlId },
    );
    assert.equal(counted?.n, DOMAINS.length);
  });
});
