// Computes a crawl's summaries in ClickHouse SQL (SPEC section 5, and Readiness), replacing
// whatever an earlier computation of the same crawl left. Recomputable at any
// time from the raw tables; a crawl that has summaries and no raw rows (one
// imported from the original's MySQL dump) is refused, never emptied.

import { getCrawl, parseOptions } from "../runtime/crawls.js";
import type { Store } from "../runtime/store.js";
import { methodOf } from "./method.js";
import { domainPenetrationSql } from "./summaries/domain-penetration.js";
import { domainsSql } from "./summaries/domains.js";
import { hostDataSql } from "./summaries/host-data.js";
import { reachabilitySql } from "./summaries/reachability.js";
import { readinessDomainsSql, readinessSummarySql } from "./summaries/readiness.js";
import { readinessSources, withSources } from "./summaries/readiness-sources.js";

/** Summary table -> the INSERT ... SELECT that fills it for one crawl, in the order they must run. */
export const summaryTables: Readonly<Record<string, string>> = {
  host_data: hostDataSql,
  reachability: reachabilitySql,
  domains: domainsSql,
  // Reads the countries the Domains summary just gave.
  domain_penetration: domainPenetrationSql,
  // Issue 19. The domain's country is the Domains summary's, and Readiness sums readiness_domains.
  readiness_domains: readinessDomainsSql,
  readiness: readinessSummarySql,
};

/** The summaries of this crawl cannot be computed again: they are kept as they are. */
export class SummariesKeptError extends Error {
  override name = "SummariesKeptError";
}

export async function computeSummaries(
  store: Store,
  crawlId: string,
  { domainsAShare = DOMAINS_A_SHARE }: { domainsAShare?: number } = {},
): Promise<void> {
  const crawl = await getCrawl(store, crawlId);
  if (!crawl) throw new Error(`crawl ${crawlId} is not in the crawls table`);
  const params = { crawl: crawlId };
  const count = async (sql: string) => Number((await store.query<{ n: string }>(sql, params))[0]!.n);
  if ((await count("SELECT count() AS n FROM jobs WHERE crawl_id = {crawl:String}")) === 0) {
    // A crawl of ours without jobs (every domain rejected) has no summaries either; deleting them costs nothing.
    const rows = await count(
      `SELECT ${Object.keys(summaryTables)
        .map((table) => `(SELECT count() FROM ${table} WHERE crawl_id = {crawl:String})`)
        .join(" + ")} AS n`,
    );
    if (rows > 0)
      throw new SummariesKeptError(
        `crawl ${crawlId} (${crawl.date}) has ${rows} summary rows and no raw rows (source ${crawl.source}): ` +
          "they cannot be computed again, so they are kept as they are",
      );
  }
  const options = parseOptions(crawl);
  const sources = await readinessSources(store);
  // A summary with a row per domain groups every domain of the crawl at once: its memory grows with
  // them, so a large crawl is summarised a share of its domains at a time (each domain wholly in one share).
  const domains = await count("SELECT uniq(domain) AS n FROM jobs WHERE crawl_id = {crawl:String}");
  const shares = Math.max(1, Math.ceil(domains / domainsAShare));
  for (const [table, sql] of Object.entries(summaryTables)) {
    await store.exec(
      `ALTER TABLE ${table} DELETE WHERE crawl_id = {crawl:String} SETTINGS mutations_sync = 2`,
      params,
    );
    const bound = {
      crawl: crawlId,
      date: crawl.date,
      www_prefixes: options.wwwPrefixes,
      method: methodOf(crawl),
    };
    if (!SHARED_OUT.has(table)) await store.exec(withSources(sql, sources), bound);
    else
      for (let share = 0; share < shares; share++)
        await store.exec(withSources(sql, sources), { ...bound, share, shares });
  }
}

/**
 * The summaries with a row per domain, computed a share of the domains at a time: grouped at once, a
 * million domains took the Domains summary to 1.1 GB, and readiness_domains past the embedded
 * store's 768 MB cap (a copy of a million-domain crawl's store, docs/performance.md).
 */
const SHARED_OUT: ReadonlySet<string> = new Set(["domains", "readiness_domains"]);

/** Domains grouped at once by the summaries with a row per domain. */
export const DOMAINS_A_SHARE = 250_000;
