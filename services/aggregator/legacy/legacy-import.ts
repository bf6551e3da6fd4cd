// Writes an imported crawl all or nothing: under a new crawl id, marked
// completed and published only once every row is in; on any failure that
// crawl's rows are deleted and the crawl is marked failed with the reason.

import { randomBytes } from "node:crypto";
import { type CrawlOptions, Feature } from "../../../gen/ipv6matrix/v1/common.js";
import { type CrawlRecord, saveCrawl, sqlTime } from "../../runtime/crawls.js";
import type { Row, Store } from "../../runtime/store.js";
import { computeSummaries } from "../summaries.js";
import { type LegacyCrawl, legacyRawRows, wwwPrefixesOf } from "./legacy-crawl.js";

/** Every table that holds rows of a crawl. */
const crawlTables = [
  "jobs",
  "soa",
  "hosts",
  "addresses",
  "geo",
  "reverse",
  "host_data",
  "reachability",
  "domains",
  "domain_penetration",
] as const;

const BATCH = 50_000;

export function newLegacyCrawlId(date: string): string {
  return `l${date.replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
}

export async function insertBatches(store: Store, table: string, rows: readonly Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await store.insert(table, rows.slice(i, i + BATCH));
}

type NewCrawl = Omit<CrawlRecord, "state" | "finished_at" | "published" | "error">;

/**
 * Runs `write` for a new crawl row in state running, then marks it completed and
 * published. If `write` fails, the crawl's rows are deleted, the crawl is marked
 * failed, and the error is thrown again.
 */
export async function importAtomically(
  store: Store,
  record: NewCrawl,
  write: (crawlId: string) => Promise<void>,
): Promise<CrawlRecord> {
  return (await importAllAtomically(store, [record], () => write(record.crawl_id)))[0]!;
}

/** The same for several crawls written together: all of them completed, or all failed and emptied. */
export async function importAllAtomically(
  store: Store,
  records: readonly NewCrawl[],
  write: () => Promise<void>,
): Promise<CrawlRecord[]> {
  const running = records.map(
    (record): CrawlRecord => ({ ...record, state: "running", finished_at: null, published: 0, error: "" }),
  );
  for (const crawl of running) await saveCrawl(store, crawl);
  try {
    await write();
  } catch (error) {
    for (const crawl of running) {
      for (const table of crawlTables) {
        await store.exec(
          `ALTER TABLE ${table} DELETE WHERE crawl_id = {crawl:String} SETTINGS mutations_sync = 2`,
          { crawl: crawl.crawl_id },
        );
      }
      await saveCrawl(store, { ...crawl, state: "failed", error: String((error as Error).message ?? error) });
    }
    throw error;
  }
  const completed = running.map(
    (crawl): CrawlRecord => ({
      ...crawl,
      state: "completed",
      finished_at: sqlTime(new Date()),
      published: 1,
    }),
  );
  for (const crawl of completed) await saveCrawl(store, crawl);
  return completed;
}

export interface LegacyRawImport {
  /** Recorded as the crawl's source: `legacy-csv:<dir>` or `legacy-sqlite:<file>`. */
  readonly source: string;
  /** The configured WWW prefixes, for the order in which the Domains summary ranks a domain's web hosts. */
  readonly wwwPrefixes: readonly string[];
  readonly ntpPrefixes: readonly string[];
}

/** Fills the raw tables from a legacy crawl and computes its summaries from them (method 1: the original measured them). */
export async function importLegacyCrawl(
  store: Store,
  crawl: LegacyCrawl,
  how: LegacyRawImport,
): Promise<CrawlRecord> {
  const crawlId = newLegacyCrawlId(crawl.date);
  const rows = legacyRawRows(crawl, crawlId);
  const types = new Set(rows.jobs.map((job) => job.type as string));
  const options: CrawlOptions = {
    features: (["NS", "MX", "WWW", "NTP"] as const)
      .filter((name) => types.has(name))
      .map((name) => Feature[`FEATURE_${name}`]),
    metrics: [...crawl.metrics],
    wwwPrefixes: wwwPrefixesOf(crawl, how.wwwPrefixes),
    ntpPrefixes: [...how.ntpPrefixes],
    date: crawl.date,
    nameservers: [],
    pingCount: 0,
    tcpTimeoutSeconds: 0,
    smtpTimeoutSeconds: 0,
    traceMaxTtl: 0,
    traceTimeoutSeconds: 0,
    typedMetrics: [],
  };
  const record = {
    crawl_id: crawlId,
    date: crawl.date,
    options: JSON.stringify(options),
    source: how.source,
    domains: new Set(rows.jobs.map((job) => job.domain)).size,
    rejected: 0,
    started_at: crawl.startedAt,
  };
  return importAtomically(store, record, async () => {
    for (const table of ["jobs", "hosts", "addresses", "geo", "soa"] as const)
      await insertBatches(store, table, rows[table]);
    await computeSummaries(store, crawlId);
  });
}
