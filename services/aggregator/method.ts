// The method version of a crawl's summary rows (SPEC section 6), so that trend
// charts can mark where it changed. Decided by where the crawl's measurements
// came from, not by which code summed them.

import type { CrawlRecord } from "../runtime/crawls.js";

/**
 * Measured by the original crawler, defects included: IPv6-only hosts were not
 * geolocated (so they sit in ZZ), the MTU is unknown, ... Every imported crawl
 * has it, whether its summaries came from the dump or were computed here from
 * its raw rows.
 */
export const ORIGINAL_METHOD = 1;
/** Measured by this crawler, with the changes of SPEC section 6. */
export const CRAWLER_METHOD = 2;

/** Import sources are `legacy-csv:`, `legacy-sqlite:`, `legacy-mysql-dump:` (services/aggregator/legacy). */
const LEGACY_SOURCE = /^legacy-[a-z-]+:/;

export function isImported(crawl: Pick<CrawlRecord, "source">): boolean {
  return LEGACY_SOURCE.test(crawl.source);
}

export function methodOf(crawl: Pick<CrawlRecord, "source">): number {
  return isImported(crawl) ? ORIGINAL_METHOD : CRAWLER_METHOD;
}
