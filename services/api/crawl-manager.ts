// The crawls this api instance drives: submitted ones, resumed ones (after a
// restart every unfinished crawl whose spool file is here goes on), cancelled
// ones. The crawl's row in the store is the truth; this keeps only the
// handles of what runs in this process.

import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { FailedPreconditionError, NotFoundError, ResourceExhaustedError } from "../runtime/api-errors.js";
import { type CrawlRecord, getCrawl, saveCrawl, sqlTime } from "../runtime/crawls.js";
import { newReport, readBlocklist, readDomainFile } from "../runtime/domain-file.js";
import { logger } from "../runtime/log.js";
import type { AddressMeasures } from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import type { Transport } from "../runtime/transport.js";
import { finalStates } from "./crawl-messages.js";
import { createCrawl, runCrawl } from "./crawl-runner.js";
import { isSourceError, SourceError, type SourceLimits, spoolPath, spoolSource } from "./domain-source.js";

/** More crawls than api.max_running_crawls at once (RESOURCE_EXHAUSTED): try again later. */
export class CrawlsBusy extends ResourceExhaustedError {
  override name = "CrawlsBusy";
}

export interface CrawlManagerOptions {
  readonly store: Store;
  readonly transport: Transport;
  readonly dataDir: string;
  readonly blocklistPath: string;
  readonly measures: AddressMeasures;
  readonly summarise: (crawlId: string) => Promise<void>;
  readonly autoPublish: boolean;
  readonly maxDomains: number;
  /** api.max_running_crawls: crawls driven at once by this instance, submissions being read included. */
  readonly maxRunningCrawls: number;
  readonly source: SourceLimits;
  readonly pollMs?: number;
}

/** Why a running crawl's signal fired: the user cancelled it, or this process is stopping. */
const SHUTDOWN = "shutdown";

export class CrawlManager {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly log = logger({ service: "api", actor: "crawls" });
  /** Submissions between their first byte and their crawl's start (or refusal). */
  private admitting = 0;

  constructor(private readonly options: CrawlManagerOptions) {}

  /** Throws CrawlsBusy when api.max_running_crawls crawls run or are being admitted. */
  checkRoom(): void {
    const max = this.options.maxRunningCrawls;
    if (this.running.size + this.admitting >= max)
      throw new CrawlsBusy(
        `${max} crawls run on this api instance already (api.max_running_crawls); try again when one has ended`,
      );
  }

  /**
   * Takes a place among the running crawls for a submission being read; the returned function
   * gives it back (once its crawl runs, the crawl holds the place instead).
   */
  reserve(): () => void {
    this.checkRoom();
    this.admitting++;
    let released = false;
    return () => {
      if (!released) this.admitting--;
      released = true;
    };
  }

  /** Records a crawl of the list at `incoming` (a spool file already written) or of `source`, and starts it. */
  async submit(
    crawlOptions: CrawlOptions,
    source: string,
    incoming?: string,
    requestId = "",
    reserved?: () => void,
    /** Resolves false when the submitter is gone before it had the answer: the crawl does not run. */
    wanted: Promise<boolean> = Promise.resolve(true),
  ): Promise<CrawlRecord> {
    const release = reserved ?? this.reserve();
    let record: CrawlRecord;
    try {
      record = await this.admit(crawlOptions, source, incoming, requestId);
    } catch (error) {
      release();
      throw error;
    }
    // The place is held until the crawl runs (launch counts it) or is dropped.
    void wanted
      .then(async (yes) => {
        if (yes) return this.launch(record);
        this.log.info({ crawl: record.crawl_id }, "submitter cancelled before the answer: crawl not run");
        await rm(spoolPath(this.options.dataDir, record.crawl_id), { force: true });
        await saveCrawl(this.options.store, {
          ...record,
          state: "cancelled",
          error: "the submitter cancelled before it had the answer",
          finished_at: sqlTime(new Date()),
        });
      })
      .catch((error: Error) => this.log.error({ crawl: record.crawl_id, error: error.message }, "submission"))
      .finally(release);
    return record;
  }

  private async admit(
    crawlOptions: CrawlOptions,
    source: string,
    incoming: string | undefined,
    requestId: string,
  ): Promise<CrawlRecord> {
    const record = await createCrawl(this.options.store, crawlOptions, source || "(streamed)", requestId);
    const spool = spoolPath(this.options.dataDir, record.crawl_id);
    try {
      await mkdir(dirname(spool), { recursive: true });
      if (incoming) await rename(incoming, spool);
      else await spoolSource(source, spool, this.options.source);
      // Checked before the crawl is accepted: an empty or oversized list is the client's error.
      const report = newReport();
      for await (const _ of readDomainFile(spool, { report, maxDomains: this.options.maxDomains })) {
        // counting only
      }
      if (report.accepted === 0)
        throw new SourceError(
          `no domain in ${source || "the streamed list"} (${report.lines} lines, ${report.rejectedCount} not domain names)`,
        );
      const counted = { ...record, domains: report.accepted, rejected: report.rejectedCount };
      await saveCrawl(this.options.store, counted);
      return counted;
    } catch (error) {
      // A refused list is not kept: nothing can resume it, and it may be what it should not be.
      await rm(spool, { force: true });
      if (incoming) await rm(incoming, { force: true });
      await saveCrawl(this.options.store, {
        ...record,
        state: "failed",
        error: (error as Error).message,
        finished_at: sqlTime(new Date()),
      });
      throw isSourceError(error) ? error : new SourceError((error as Error).message);
    }
  }

  /** Goes on with a crawl cut short (this or another process died), from its spool file. */
  async resume(crawlId: string): Promise<CrawlRecord> {
    const record = await getCrawl(this.options.store, crawlId);
    if (!record) throw new NotFoundError(`no crawl ${crawlId}`);
    if (record.state === "completed")
      throw new FailedPreconditionError(`crawl ${crawlId} is completed: nothing to resume`);
    // Refused at submission (no domain accepted, e.g. over api.max_domains): it never was a crawl.
    if (record.state === "failed" && record.domains <= 0)
      throw new FailedPreconditionError(
        `crawl ${crawlId} was refused when submitted (${record.error}): nothing to resume`,
      );
    if (!this.running.has(crawlId)) {
      this.checkRoom();
      if (!existsSync(spoolPath(this.options.dataDir, crawlId)))
        throw new FailedPreconditionError(
          `crawl ${crawlId}: its domain list is not on this api instance (${spoolPath(this.options.dataDir, crawlId)})`,
        );
      const resumed = { ...record, state: "running" as const, error: "", finished_at: null };
      await saveCrawl(this.options.store, resumed);
      this.launch(resumed);
    }
    return (await getCrawl(this.options.store, crawlId))!;
  }

  async cancel(crawlId: string): Promise<CrawlRecord> {
    const record = await getCrawl(this.options.store, crawlId);
    if (!record) throw new NotFoundError(`no crawl ${crawlId}`);
    const here = this.running.get(crawlId);
    if (here) {
      here.controller.abort("cancel");
      await here.done;
    } else if (!finalStates.includes(record.state)) {
      // Running in another api instance: its runner sees the row and stops.
      await saveCrawl(this.options.store, {
        ...record,
        state: "cancelled",
        finished_at: sqlTime(new Date()),
      });
    }
    return (await getCrawl(this.options.store, crawlId))!;
  }

  /** After a restart: every crawl left running whose list is here goes on. */
  async resumeUnfinished(): Promise<string[]> {
    const rows = await this.options.store.query<{ crawl_id: string }>(
      "SELECT crawl_id FROM crawls FINAL WHERE state IN ('running', 'summarising')",
    );
    const resumed: string[] = [];
    for (const { crawl_id } of rows) {
      if (!existsSync(spoolPath(this.options.dataDir, crawl_id)) || this.running.has(crawl_id)) continue;
      const record = (await getCrawl(this.options.store, crawl_id))!;
      this.log.info({ crawl: crawl_id }, "resuming an unfinished crawl");
      this.launch(record);
      resumed.push(crawl_id);
    }
    return resumed;
  }

  /** Stops driving crawls without cancelling them: a restart resumes them. */
  async close(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort(SHUTDOWN);
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  private launch(record: CrawlRecord): void {
    const controller = new AbortController();
    const { store } = this.options;
    const done = (async () => {
      const report = newReport();
      const blocklist = await readBlocklist(this.options.blocklistPath);
      const options = JSON.parse(record.options) as CrawlOptions;
      await runCrawl({
        store,
        transport: this.options.transport,
        options,
        source: record.source,
        crawl: record,
        domains: readDomainFile(spoolPath(this.options.dataDir, record.crawl_id), { blocklist, report }),
        domainsAgain: () => readDomainFile(spoolPath(this.options.dataDir, record.crawl_id), { blocklist }),
        report,
        measures: this.options.measures,
        summarise: this.options.summarise,
        autoPublish: this.options.autoPublish,
        pollMs: this.options.pollMs,
        signal: controller.signal,
        shutdownReason: SHUTDOWN,
      });
    })()
      .catch(async (error: Error) => {
        this.log.error({ crawl: record.crawl_id, error: error.message }, "crawl failed");
        const current = (await getCrawl(store, record.crawl_id).catch(() => undefined)) ?? record;
        await saveCrawl(store, {
          ...current,
          state: "failed",
          error: error.message,
          finished_at: sqlTime(new Date()),
        }).catch(() => {});
      })
      .finally(() => this.running.delete(record.crawl_id));
    this.running.set(record.crawl_id, { controller, done });
  }
}
