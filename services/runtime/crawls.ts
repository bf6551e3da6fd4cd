// The crawls table: one row per crawl, replaced on every change of state
// (ReplacingMergeTree on an explicit version). What every service needs to
// know of a crawl it did not start, and the ledger the progress is read from.

import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { InvalidArgumentError } from "./api-errors.js";
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
  /** The client's SubmitCrawlRequest.request_id (migration 010); empty or absent when none was given. */
  request_id?: string;
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

/** The columns of a CrawlRecord, as text where JSON would not round-trip them. */
const recordColumns =
  "crawl_id, toString(date) AS date, state, options, source, domains, rejected, toString(started_at) AS started_at, " +
  "if(isNull(finished_at), NULL, toString(finished_at)) AS finished_at, published, error, request_id";

export async function getCrawl(store: Store, crawlId: string): Promise<CrawlRecord | undefined> {
  const rows = await store.query<CrawlRecord & Record<string, unknown>>(
    `SELECT ${recordColumns} FROM crawls FINAL WHERE crawl_id = {crawl:String}`,
    { crawl: crawlId },
  );
  return rows[0];
}

/** The crawl a client submitted with this request id, if any (the oldest, should two instances race). */
export async function findCrawlByRequestId(
  store: Store,
  requestId: string,
): Promise<CrawlRecord | undefined> {
  const rows = await store.query<CrawlRecord & Record<string, unknown>>(
    `SELECT ${recordColumns} FROM crawls FINAL WHERE request_id = {request:String}
      ORDER BY started_at, crawl_id LIMIT 1`,
    { request: requestId },
  );
  return rows[0];
}

/** Where a page of crawls starts: after this crawl in newest-first order. */
export interface CrawlPageKey {
  readonly started_at: string;
  readonly crawl_id: string;
}

/** One page of crawls, newest first, in one bounded query (keyset, not offset); one row more
 * than asked tells whether another page follows. */
export async function listCrawlPage(
  store: Store,
  size: number,
  after: CrawlPageKey | undefined,
): Promise<{ crawls: CrawlRecord[]; next: CrawlPageKey | undefined }> {
  // Qualified names: the bare started_at is recordColumns' text alias.
  const rows = await store.query<CrawlRecord & Record<string, unknown>>(
    `SELECT ${recordColumns} FROM crawls FINAL
      ${after ? "WHERE (crawls.started_at, crawls.crawl_id) < ({after_time:DateTime64(3)}, {after_id:String})" : ""}
      ORDER BY crawls.started_at DESC, crawls.crawl_id DESC LIMIT {rows:UInt32}`,
    {
      rows: size + 1,
      ...(after ? { after_time: after.started_at, after_id: after.crawl_id } : {}),
    },
  );
  const crawls = rows.slice(0, size);
  const last = crawls.at(-1);
  return {
    crawls,
    next: rows.length > size && last ? { started_at: last.started_at, crawl_id: last.crawl_id } : undefined,
  };
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

/** Whether a text is a real calendar date written YYYY-MM-DD (not 2026-02-30, not 2026-13-45). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const time = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(time.getTime()) && time.toISOString().startsWith(text);
}

/** A crawl named by id, or by date (the latest completed crawl of that day). */
export async function resolveCrawl(store: Store, idOrDate: string): Promise<CrawlRecord | undefined> {
  if (/^\d{4}-\d{2}-\d{2}$/.test(idOrDate)) {
    if (!isCalendarDate(idOrDate))
      throw new InvalidArgumentError(`${idOrDate}: not a calendar date (YYYY-MM-DD)`);
    return findCompletedCrawl(store, idOrDate);
  }
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
