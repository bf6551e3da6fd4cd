// The crawls table: one row per crawl, replaced on every change of state
// (ReplacingMergeTree on an explicit version). What every service needs to
// know of a crawl it did not start, and the ledger the progress is read from.

import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import type { Store } from "./store.js";

export type CrawlStateName = "queued" | "running" | "summarising" | "completed" | "cancelled" | "failed";

export interface CrawlRecord {
  crawl_id: string;
  date: string;
  state: CrawlStateName;
  options: string;
  source: string;
  domains: number;
  rejected: number;
  started_at: string;
  finished_at: string | null;
  published: number;
  error: string;
}

let lastVersion = 0;
/** Strictly increasing within a process, microseconds since the epoch across processes. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/** ClickHouse DateTime64 text for a JS time. */
export function sqlTime(time: Date): string {
  return time.toISOString().replace("T", " ").replace("Z", "");
}

export async function saveCrawl(store: Store, crawl: CrawlRecord): Promise<void> {
  await store.insert("crawls", [{ ...crawl, version: nextVersion() }]);
}

const crawlColumns =
  "crawl_id, toString(date) AS date, state, options, source, domains, rejected, toString(started_at) AS started_at, " +
  "if(isNull(finished_at), NULL, toString(finished_at)) AS finished_at, published, error";

export async function getCrawl(store: Store, crawlId: string): Promise<CrawlRecord | undefined> {
  const rows = await store.query<CrawlRecord & Record<string, unknown>>(
    `SELECT ${crawlColumns} FROM crawls FINAL WHERE crawl_id = {crawl:String}`,
    { crawl: crawlId },
  );
  return rows[0];
}

/** The latest `limit` crawls, newest first, in one query (not one per crawl). */
export async function listCrawlRecords(store: Store, limit: number): Promise<CrawlRecord[]> {
  return store.query<CrawlRecord & Record<string, unknown>>(
    `SELECT ${crawlColumns} FROM crawls FINAL ORDER BY started_at DESC LIMIT {limit:UInt32}`,
    { limit },
  );
}

/** The latest completed crawl, or of a date (YYYY-MM-DD). */
export async function findCompletedCrawl(store: Store, date?: string): Promise<CrawlRecord | undefined> {
  const rows = await store.query<{ crawl_id: string }>(
    `SELECT crawl_id FROM crawls FINAL WHERE state = 'completed' ${date ? "AND date = {date:Date}" : ""} ORDER BY started_at DESC LIMIT 1`,
    date ? { date } : {},
  );
  return rows[0] ? getCrawl(store, rows[0].crawl_id) : undefined;
}

export function parseOptions(crawl: CrawlRecord): CrawlOptions {
  return JSON.parse(crawl.options) as CrawlOptions;
}

/** Crawl dates, cached: rows of every table carry the crawl's date. */
export class CrawlDates {
  // The look-up itself is kept, not only its answer: the aggregator takes thousands of a new
  // crawl's results at once, and they must wait for one query, not send one each.
  private readonly dates = new Map<string, Promise<string>>();
  constructor(private readonly store: Store) {}
  of(crawlId: string): Promise<string> {
    let date = this.dates.get(crawlId);
    if (date === undefined) {
      date = getCrawl(this.store, crawlId).then((crawl) => {
        if (!crawl) throw new Error(`crawl ${crawlId} is not in the crawls table`);
        return crawl.date;
      });
      this.dates.set(crawlId, date);
      // A failed look-up (the store away, the crawl not yet recorded) is asked again next time.
      date.catch(() => this.dates.delete(crawlId));
    }
    return date;
  }
}

/** A crawl named by id, or by date (the latest completed crawl of that day). */
export async function resolveCrawl(store: Store, idOrDate: string): Promise<CrawlRecord | undefined> {
  if (/^\d{4}-\d{2}-\d{2}$/.test(idOrDate)) return findCompletedCrawl(store, idOrDate);
  return getCrawl(store, idOrDate);
}

/** Makes a completed crawl's summaries visible to trends and dashboards, or hides them again. */
export async function setPublished(store: Store, crawlId: string, published: boolean): Promise<CrawlRecord> {
  const crawl = await getCrawl(store, crawlId);
  if (!crawl) throw new Error(`no crawl ${crawlId} in the store`);
  if (crawl.state !== "completed")
    throw new Error(`crawl ${crawlId} is ${crawl.state}: only a completed crawl can be published`);
  const updated = { ...crawl, published: published ? 1 : 0 };
  await saveCrawl(store, updated);
  return updated;
}

/** The latest published crawl. */
export async function findPublishedCrawl(store: Store): Promise<CrawlRecord | undefined> {
  const rows = await store.query<{ crawl_id: string }>(
    "SELECT crawl_id FROM crawls FINAL WHERE state = 'completed' AND published = 1 ORDER BY date DESC, started_at DESC LIMIT 1",
  );
  return rows[0] ? getCrawl(store, rows[0].crawl_id) : undefined;
}
