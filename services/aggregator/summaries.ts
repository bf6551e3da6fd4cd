// Computes a crawl's summaries in ClickHouse SQL (SPEC section 5), replacing
// whatever an earlier computation of the same crawl left. Recomputable at any
// time from the raw tables.

import { getCrawl } from "../runtime/crawls.js";
import type { Store } from "../runtime/store.js";
import { hostDataSql } from "./summaries/host-data.js";

/** Summary table -> the INSERT ... SELECT that fills it for one crawl. */
export const summaryTables: Readonly<Record<string, string>> = {
  host_data: hostDataSql,
};

export async function computeSummaries(store: Store, crawlId: string): Promise<void> {
  const crawl = await getCrawl(store, crawlId);
  if (!crawl) throw new Error(`crawl ${crawlId} is not in the crawls table`);
  for (const [table, sql] of Object.entries(summaryTables)) {
    await store.exec(
      `ALTER TABLE ${table} DELETE WHERE crawl_id = {crawl:String} SETTINGS mutations_sync = 2`,
      {
        crawl: crawlId,
      },
    );
    await store.exec(sql, { crawl: crawlId, date: crawl.date });
  }
}
