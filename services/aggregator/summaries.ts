// Computes a crawl's summaries in ClickHouse SQL (SPEC section 5), replacing
// whatever an earlier computation of the same crawl left. Recomputable at any
// time from the raw tables.

import { getCrawl, parseOptions } from "../runtime/crawls.js";
import type { Store } from "../runtime/store.js";
import { domainPenetrationSql } from "./summaries/domain-penetration.js";
import { domainsSql } from "./summaries/domains.js";
import { hostDataSql } from "./summaries/host-data.js";
import { reachabilitySql } from "./summaries/reachability.js";

/** Summary table -> the INSERT ... SELECT that fills it for one crawl, in the order they must run. */
export const summaryTables: Readonly<Record<string, string>> = {
  host_data: hostDataSql,
  reachability: reachabilitySql,
  domains: domainsSql,
  // Reads the countries the Domains summary just gave.
  domain_penetration: domainPenetrationSql,
};

export async function computeSummaries(store: Store, crawlId: string): Promise<void> {
  const crawl = await getCrawl(store, crawlId);
  if (!crawl) throw new Error(`crawl ${crawlId} is not in the crawls table`);
  const options = parseOptions(crawl);
  for (const [table, sql] of Object.entries(summaryTables)) {
    await store.exec(
      `ALTER TABLE ${table} DELETE WHERE crawl_id = {crawl:String} SETTINGS mutations_sync = 2`,
      {
        crawl: crawlId,
      },
    );
    await store.exec(sql, { crawl: crawlId, date: crawl.date, www_prefixes: options.wwwPrefixes });
  }
}
