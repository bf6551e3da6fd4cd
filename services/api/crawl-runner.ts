// Runs one crawl: records it, sends its domains into the pipeline with
// back-pressure, follows its progress in the store until every stage has
// drained, then computes the summaries once and marks it completed. A crawl
// cut short (killed process) is resumed by running it again with the same
// record: domains that already have job rows are not sent again. Used by
// `ipv6matrix crawl` (everything in one process) and by the api service.
// While the store is unreachable the runner waits for it: an outage delays a
// crawl, it does not fail it.

import { randomBytes } from "node:crypto";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import { AddressTask, DomainTask, HostTask, ReverseTask, WebTask } from "../../gen/ipv6matrix/v1/work.js";
import { type CrawlRecord, getCrawl, saveCrawl, sqlTime } from "../runtime/crawls.js";
import type { DomainFileReport, DomainLine } from "../runtime/domain-file.js";
import {
  type AddressMeasures,
  addressTables,
  crawlMeasures,
  firstValid,
  isDrained,
  readProgress,
  type StageCount,
  unnamedRoutersSql,
  webHostsDoneSql,
  webHostsSql,
} from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import { Subjects } from "../runtime/topology.js";
import type { Transport } from "../runtime/transport.js";
import { throughStoreOutage } from "../runtime/unreachable-store.js";

export interface CrawlRun {
  readonly crawlId: string;
  readonly domains: number;
  readonly state: CrawlRecord["state"];
}

export interface RunOptions {
  readonly store: Store;
  readonly transport: Transport;
  readonly options: CrawlOptions;
  readonly source: string;
  readonly domains: AsyncIterable<DomainLine>;
  /** Filled by whoever reads the domain file; its rejected lines are counted with the crawl. */
  readonly report: DomainFileReport;
  /** Which services measure addresses in this deployment (prober, geo). */
  readonly measures: AddressMeasures;
  /** Computes the crawl's summaries once every stage has drained (the aggregator's job). */
  readonly summarise: (crawlId: string) => Promise<void>;
  /** Publish the summaries as soon as they are computed (publish.auto). */
  readonly autoPublish?: boolean;
  readonly onProgress?: (stages: readonly StageCount[]) => void;
  readonly pollMs?: number;
  /** A crawl recorded earlier (createCrawl), or one to resume; else a new one is recorded. */
  readonly crawl?: CrawlRecord;
  /** Stops the crawl: nothing more is sent, and it is recorded as cancelled. */
  readonly signal?: AbortSignal;
  /** A signal fired with this reason stops driving the crawl without cancelling it (a restart resumes it). */
  readonly shutdownReason?: string;
}

export function newCrawlId(date: string): string {
  return `c${date.replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
}

/** Records a new crawl, running, before any of its domains is sent. */
export async function createCrawl(
  store: Store,
  options: CrawlOptions,
  source: string,
  requestId = "",
): Promise<CrawlRecord> {
  const record: CrawlRecord = {
    crawl_id: newCrawlId(options.date),
    date: options.date,
    state: "running",
    options: JSON.stringify(options),
    source,
    domains: 0,
    rejected: 0,
    started_at: sqlTime(new Date()),
    finished_at: null,
    published: 0,
    error: "",
    request_id: requestId,
  };
  await saveCrawl(store, record);
  return record;
}

/** The unfinished crawl of this source and options, if one was cut short. */
export async function findResumable(
  store: Store,
  source: string,
  options: CrawlOptions,
): Promise<CrawlRecord | undefined> {
  const rows = await store.query<{ crawl_id: string }>(
    `SELECT crawl_id FROM crawls FINAL WHERE state IN ('running', 'summarising') AND source = {source:String}
       AND options = {options:String} ORDER BY started_at DESC LIMIT 1`,
    { source, options: JSON.stringify(options) },
  );
  return rows[0] ? getCrawl(store, rows[0].crawl_id) : undefined;
}

/** Domains of a crawl that already have their job rows: a resumed crawl does not send them again. */
async function domainsDone(store: Store, crawlId: string): Promise<Set<string>> {
  const rows = await store.query<{ domain: string }>(
    "SELECT DISTINCT domain FROM jobs WHERE crawl_id = {crawl:String}",
    {
      crawl: crawlId,
    },
  );
  return new Set(rows.map((row) => row.domain));
}

/**
 * A resumed crawl's lost work: the hosts its stored jobs name without a host row, and the measured
 * addresses of its stored hosts without their rows (prober, geo, PTR). Their tasks died with the process that held
 * them. An address goes out again naming the rows it misses, so the actors whose row is stored
 * skip it: a result is written once (results are idempotent all the same).
 */
async function republishMissing(
  run: RunOptions,
  crawlId: string,
): Promise<{ hosts: number; addresses: number }> {
  const { store, transport, options } = run;
  const measured = addressTables(measuresOf(run, options));
  // Every table whose row an address waits for, as the progress counts it: an address measured
  // by the prober and geo but whose PTR task died is sent again too. Read once, before anything
  // goes out, so the claims and the sends below are of one view of the store.
  const addresses = measured.length > 0 ? await storedAddresses(store, crawlId, measured) : [];
  // An address shared by a stored host and a host resolved again below would go out again from
  // the host actor as a new task (its registry died with the process) and be measured twice.
  // Every address measured in full is claimed first under the message id the host actor uses,
  // as a task every actor skips (it names no table of theirs), so that second send is dropped.
  for (const address of addresses) {
    if (address.missing.length === 0) await publishAddress(run, crawlId, address, [STORED_IN_FULL]);
  }
  const hosts = await store.query<{ host: string; www: number }>(
    `SELECT host, max(type = 'WWW') AS www FROM jobs WHERE crawl_id = {crawl:String} AND host != ''
       AND host NOT IN (SELECT host FROM hosts WHERE crawl_id = {crawl:String}) GROUP BY host`,
    { crawl: crawlId },
  );
  // A WWW host goes out with web set, under its own message id, as the domain actor sends it.
  const webOn = options.metrics.includes("web6");
  for (const { host, www } of hosts) {
    const web = webOn && Number(www) === 1;
    await transport.publish(
      Subjects.hosts,
      HostTask.encode({ crawlId, host, options, web }).finish(),
      web ? `${crawlId}:${host}:web` : `${crawlId}:${host}`,
    );
  }
  await republishWeb(run, crawlId);
  // Each with the tables it still misses, so that what is stored is not measured and written again.
  const unfinished = addresses.filter((address) => address.missing.length > 0);
  for (const address of unfinished) await publishAddress(run, crawlId, address, address.missing);
  return { hosts: hosts.length, addresses: unfinished.length };
}

/** The `missing` of a claim: a table no actor writes, so every actor skips the task (work.proto). */
const STORED_IN_FULL = "none";

type StoredAddress = {
  readonly ip: string;
  readonly family: number;
  /** The measured tables without this address's row; empty when it is measured in full. */
  readonly missing: string[];
};

/** The first valid address of each family of the crawl's stored hosts (SPEC 4), each with the measured tables that lack its row. */
async function storedAddresses(store: Store, crawlId: string, measured: string[]): Promise<StoredAddress[]> {
  const missing = measured.map(
    (table) => `if(ip NOT IN (SELECT ip FROM ${table} WHERE crawl_id = {crawl:String}), '${table}', '')`,
  );
  return store.query<StoredAddress>(
    `SELECT DISTINCT replaceRegexpOne(toString(ip), '^::ffff:', '') AS ip, family,
       arrayFilter(t -> t != '', [${missing.join(", ")}]) AS missing FROM (
       SELECT ${firstValid("ipv4", "valid4")} AS ip, 4 AS family FROM hosts WHERE crawl_id = {crawl:String} AND has(valid4, 1)
       UNION ALL SELECT ${firstValid("ipv6", "valid6")} AS ip, 6 AS family FROM hosts WHERE crawl_id = {crawl:String} AND has(valid6, 1))`,
    { crawl: crawlId },
  );
}

/** An address task under the message id the host actor sends it with, so the two are one message. */
async function publishAddress(
  run: RunOptions,
  crawlId: string,
  { ip, family }: StoredAddress,
  missing: string[],
): Promise<void> {
  const task = AddressTask.encode({
    crawlId,
    ip,
    family: family === 6 ? Family.FAMILY_IPV6 : Family.FAMILY_IPV4,
    options: run.options,
    missing,
  });
  await run.transport.publish(Subjects.ips, task.finish(), `${crawlId}:${ip}`);
}

export async function runCrawl(run: RunOptions): Promise<CrawlRun> {
  const { store, transport, options } = run;
  const patiently = <T>(work: () => Promise<T>) => throughStoreOutage(work, { signal: run.signal });
  const record = run.crawl ?? (await createCrawl(store, options, run.source));
  const crawlId = record.crawl_id;
  const done = run.crawl ? await patiently(() => domainsDone(store, crawlId)) : new Set<string>();
  if (run.crawl) await patiently(() => republishMissing(run, crawlId));
  // Cancelled here (the signal) or by another process (the crawl's row).
  const cancelled = async () => {
    const current = (await patiently(() => getCrawl(store, crawlId))) ?? record;
    if (current.state === "cancelled") return true;
    if (!run.signal?.aborted) return false;
    if (run.shutdownReason !== undefined && run.signal.reason === run.shutdownReason) return true;
    await patiently(() =>
      saveCrawl(store, { ...current, state: "cancelled", finished_at: sqlTime(new Date()) }),
    );
    return true;
  };

  let sent = 0;
  let stages: StageCount[] = [];
  let feeding = true;
  const askedRouters = new Set<string>();
  const poll = async () => {
    stages = await readProgress(store, crawlId, feeding ? Math.max(sent, 1) : sent, measuresOf(run, options));
    await askRouterNames(run, crawlId, askedRouters);
    run.onProgress?.(stages);
  };
  // One poll at a time: on a large crawl a poll can take longer than the interval, and polls
  // piling up on the store slowed the inserts they were waiting for.
  let polling = false;
  const ticker = setInterval(() => {
    if (polling) return;
    polling = true;
    void poll()
      .catch(() => {})
      .finally(() => {
        polling = false;
      });
  }, run.pollMs ?? 1000);
  try {
    for await (const line of run.domains) {
      if (run.signal?.aborted) break;
      sent++;
      if (done.has(line.domain)) continue;
      const task = DomainTask.encode({ crawlId, domain: line.domain, line: line.line, options }).finish();
      await transport.publish(Subjects.domains, task, `${crawlId}:${line.domain}`);
    }
    if (await cancelled()) return { crawlId, domains: sent, state: (await getCrawl(store, crawlId))!.state };
    feeding = false;
    // From here the loop below reads the progress; the ticker would only double the store's load.
    clearInterval(ticker);
    await patiently(() => saveCrawl(store, { ...record, domains: sent, rejected: run.report.rejectedCount }));
    for (;;) {
      await patiently(poll);
      if (isDrained(stages)) break;
      if (await cancelled())
        return { crawlId, domains: sent, state: (await getCrawl(store, crawlId))!.state };
      await new Promise((resolve) => setTimeout(resolve, run.pollMs ?? 1000));
    }
  } finally {
    clearInterval(ticker);
  }

  const current = (await patiently(() => getCrawl(store, crawlId)))!;
  await patiently(() => saveCrawl(store, { ...current, state: "summarising" }));
  // Summaries replace the crawl's rows of each table, so computing them again after an outage is harmless.
  await patiently(() => run.summarise(crawlId));
  await patiently(() =>
    saveCrawl(store, {
      ...current,
      state: "completed",
      finished_at: sqlTime(new Date()),
      published: run.autoPublish ? 1 : 0,
    }),
  );
  return { crawlId, domains: sent, state: "completed" };
}

/**
 * Issue 19: the stored WWW hosts with a valid IPv6 address whose parity rows are not all stored
 * (their WebTask died with the process that held it), sent again to the prober from their host
 * rows, naming the schemes still missing.
 */
async function republishWeb(run: RunOptions, crawlId: string): Promise<number> {
  const { store, transport, options } = run;
  if (!measuresOf(run, options).web) return 0;
  const hosts = await store.query<{ host: string; ip4: string | null; ip6: string | null }>(
    `SELECT host, any(ip4) AS ip4, any(ip6) AS ip6 FROM (
       SELECT host, if(has(valid4, 1), replaceRegexpOne(toString(${firstValid("ipv4", "valid4")}), '^::ffff:', ''), '') AS ip4,
         toString(${firstValid("ipv6", "valid6")}) AS ip6
       FROM hosts WHERE crawl_id = {crawl:String} AND host IN (${webHostsSql})
         AND host NOT IN (${webHostsDoneSql}))
     GROUP BY host`,
    { crawl: crawlId },
  );
  const stored = await store.query<{ host: string; schemes: string[] }>(
    "SELECT host, groupUniqArray(scheme) AS schemes FROM web_parity WHERE crawl_id = {crawl:String} GROUP BY host",
    { crawl: crawlId },
  );
  const storedSchemes = new Map(stored.map((row) => [row.host, row.schemes]));
  for (const { host, ip4, ip6 } of hosts) {
    if (!ip6) continue;
    // Only the schemes whose row is missing: a stored row is not fetched, nor written, twice.
    const schemes = ["http", "https"].filter((scheme) => !storedSchemes.get(host)?.includes(scheme));
    const task = WebTask.encode({ crawlId, host, ip4: ip4 ?? "", ip6, options, schemes }).finish();
    await transport.publish(Subjects.web, task, `${crawlId}:${host}`);
  }
  return hosts.length;
}

/**
 * Router names (SPEC 4 path: "name where it has one"; issue 15 item 4): the routers on the
 * crawl's stored paths that have no PTR row yet, each sent once by this process to the resolver
 * (crawl.reverse). Asked from the store, not by the prober, so a resumed crawl asks only the
 * routers whose name never came, never one whose row is stored; progress waits for them.
 */
async function askRouterNames(run: RunOptions, crawlId: string, asked: Set<string>): Promise<void> {
  const measured = addressTables(measuresOf(run, run.options));
  if (!measured.includes("addresses") || !measured.includes("reverse")) return;
  const routers = await run.store.query<{ ip: string }>(
    `SELECT DISTINCT replaceRegexpOne(toString(router), '^::ffff:', '') AS ip FROM (${unnamedRoutersSql})`,
    { crawl: crawlId },
  );
  for (const { ip } of routers) {
    if (asked.has(ip)) continue;
    asked.add(ip);
    await run.transport.publish(
      Subjects.reverse,
      ReverseTask.encode({ crawlId, ip, options: run.options }).finish(),
      `${crawlId}:${ip}`,
    );
  }
}

/** What an address of this crawl waits for: the deployment's services whose metrics the crawl asks; and whether the web stage counts. */
function measuresOf(run: RunOptions, options: CrawlOptions): AddressMeasures {
  return crawlMeasures(run.measures, options.metrics);
}
