// Runs one crawl: records it, sends its domains into the pipeline with
// back-pressure, follows its progress in the store until every stage has
// drained, then computes the summaries once and marks it completed. A crawl
// cut short (killed process) is resumed by running it again with the same
// record: domains that already have job rows are not sent again. Used by
// `ipv6matrix crawl` (everything in one process) and by the api service.
// While the store is unreachable the runner waits for it: an outage delays a
// crawl, it does not fail it. When the bus has nothing left and the crawl is not done, what
// the store lacks is sent again (crawl-recovery.ts).

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { DomainTask, ReverseTask } from "../../gen/ipv6matrix/v1/work.js";
import { type CrawlRecord, getCrawl, saveCrawl, sqlTime } from "../runtime/crawls.js";
import type { DomainFileReport, DomainLine } from "../runtime/domain-file.js";
import { logger } from "../runtime/log.js";
import {
  type AddressMeasures,
  addressTables,
  isDrained,
  pauseAfterRead,
  readProgress,
  type StageCount,
  unnamedRoutersSql,
} from "../runtime/progress.js";
import { isMemoryLimit, type Store, StoreError } from "../runtime/store.js";
import { Subjects } from "../runtime/topology.js";
import type { Transport } from "../runtime/transport.js";
import { isStoreUnavailable, throughStoreOutage } from "../runtime/unreachable-store.js";
import {
  busIsIdle,
  type CrawlPipeline,
  domainsDone,
  measuresOf,
  type Resend,
  resendDomains,
  resendMissing,
} from "./crawl-recovery.js";

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
  /**
   * The same list read again from its start (a throwaway report), for a recovery round to find
   * the domains that were sent and lost; without it a round sends again only what lies past them.
   */
  readonly domainsAgain?: () => AsyncIterable<DomainLine>;
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

/**
 * Polls in a row with nothing on the bus and no stage moving before the first recovery round; each
 * round doubles it, up to IDLE_POLLS_MAX, so that work that cannot finish is not sent over and over.
 */
const IDLE_POLLS = 3;
const IDLE_POLLS_MAX = 60;

export async function runCrawl(run: RunOptions): Promise<CrawlRun> {
  const { store, transport, options } = run;
  const log = logger({ service: "api", actor: "crawl-runner" });
  const patiently = <T>(work: () => Promise<T>) => throughStoreOutage(work, { signal: run.signal });
  const record = run.crawl ?? (await createCrawl(store, options, run.source));
  const crawlId = record.crawl_id;
  const done = run.crawl ? await patiently(() => domainsDone(store, crawlId)) : new Set<string>();
  if (run.crawl) await patiently(() => resendMissing(run, crawlId, { mark: "" }));
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
  const routers = new RouterNames(run, crawlId);
  const everyMs = run.pollMs ?? 1000;
  let lastPollMs = 0;
  let pollFailure: string | undefined;
  /** Reads the progress into `stages`; false when the engine refused the read for memory. */
  const poll = async (): Promise<boolean> => {
    const started = performance.now();
    try {
      stages = await readProgress(store, crawlId, feeding ? Math.max(sent, 1) : sent, measuresOf(run));
      await routers.ask();
      pollFailure = undefined;
    } catch (error) {
      if (isStoreUnavailable(error)) throw error;
      // Said once per kind of failure, so that progress that stands still has its cause in the log.
      const kind = error instanceof StoreError ? `${error.code}` : (error as Error).message;
      if (kind !== pollFailure)
        log.warn({ crawl: crawlId, error: (error as Error).message }, "cannot read the crawl's progress");
      pollFailure = kind;
      // Refused for memory, the read is tried again after the pause: the crawl's work is in the
      // store, and a crawl of a million domains must not end on a count.
      if (!isMemoryLimit(error)) throw error;
      return false;
    } finally {
      lastPollMs = performance.now() - started;
    }
    run.onProgress?.(stages);
    return true;
  };
  // An aborted pause ends at once (timers/promises removes its listener; one per pause would pile up).
  const pause = (signal?: AbortSignal) =>
    sleep(pauseAfterRead(lastPollMs, everyMs), undefined, { signal }).catch(() => {});
  // While the domains go out: one poll at a time (polls piling up on the store slowed the inserts
  // they were waiting for), each after a pause that grows with what the last one cost.
  const feedPolls = new AbortController();
  const ticker = (async () => {
    while (!feedPolls.signal.aborted) {
      await pause(feedPolls.signal);
      if (!feedPolls.signal.aborted) await poll().catch(() => {});
    }
  })();
  const stopTicker = async () => {
    feedPolls.abort();
    await ticker;
  };
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
    await stopTicker();
    await patiently(() => saveCrawl(store, { ...record, domains: sent, rejected: run.report.rejectedCount }));
    // Recovery: the bus holds nothing, no stage moves and the crawl is not done, for a few polls in
    // a row: some work was lost on the way (decision 018). What the store lacks is sent again.
    let idle = 0;
    let idleNeeded = IDLE_POLLS;
    let shown = "";
    for (;;) {
      if (!(await patiently(poll))) {
        await pause();
        continue;
      }
      if (isDrained(stages)) break;
      if (await cancelled())
        return { crawlId, domains: sent, state: (await getCrawl(store, crawlId))!.state };
      const now = JSON.stringify(stages);
      idle = now === shown && (await busIsIdle(transport)) ? idle + 1 : 0;
      shown = now;
      if (idle >= idleNeeded) {
        const resend: Resend = { mark: `#${randomBytes(4).toString("hex")}` };
        const lost = await patiently(() => recover(run, crawlId, resend, routers));
        log.warn({ crawl: crawlId, round: resend.mark, stages, lost }, "work lost on the way sent again");
        idle = 0;
        idleNeeded = Math.min(IDLE_POLLS_MAX, idleNeeded * 2);
      }
      await pause();
    }
  } finally {
    await stopTicker();
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

/** One recovery round: every stage's lost work, under the round's mark; returns what went out again. */
async function recover(
  run: RunOptions,
  crawlId: string,
  resend: Resend,
  routers: RouterNames,
): Promise<{ domains: number; hosts: number; addresses: number; web: number; routers: number }> {
  const domains = run.domainsAgain ? await resendDomains(run, crawlId, run.domainsAgain(), resend) : 0;
  const missing = await resendMissing(run, crawlId, resend);
  return { domains, ...missing, routers: await routers.askAgain(resend) };
}

/**
 * Router names (SPEC 4 path: "name where it has one"; issue 15 item 4): the routers on the
 * crawl's stored paths that have no PTR row yet, each sent once by this runner to the resolver
 * (crawl.reverse), and again by a recovery round. Asked from the store, not by the prober, so a
 * resumed crawl asks only the routers whose name never came, never one whose row is stored;
 * progress waits for them.
 */
class RouterNames {
  private readonly asked = new Set<string>();
  private mark: Resend["mark"] = "";

  constructor(
    private readonly run: CrawlPipeline,
    private readonly crawlId: string,
  ) {}

  /** Asks the names not yet asked by this runner; returns how many. */
  async ask(): Promise<number> {
    const measured = addressTables(measuresOf(this.run));
    if (!measured.includes("addresses") || !measured.includes("reverse")) return 0;
    const routers = await this.run.store.query<{ ip: string }>(
      `SELECT DISTINCT replaceRegexpOne(toString(router), '^::ffff:', '') AS ip FROM (${unnamedRoutersSql})`,
      { crawl: this.crawlId },
    );
    let asked = 0;
    for (const { ip } of routers) {
      if (this.asked.has(ip)) continue;
      this.asked.add(ip);
      await this.run.transport.publish(
        Subjects.reverse,
        ReverseTask.encode({ crawlId: this.crawlId, ip, options: this.run.options }).finish(),
        `${this.crawlId}:${ip}${this.mark}`,
      );
      asked++;
    }
    return asked;
  }

  /** Asks every name still missing again, under a recovery round's mark. */
  askAgain(resend: Resend): Promise<number> {
    this.asked.clear();
    this.mark = resend.mark;
    return this.ask();
  }
}
