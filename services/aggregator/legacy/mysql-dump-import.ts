// `import legacy --mysql-dump`: the original's summary tables from a mysqldump
// file go straight into this project's summary tables, one crawl per date,
// each all or nothing, with method 1 (computed by the original's method).

import type { Store } from "../../runtime/store.js";
import { ORIGINAL_METHOD } from "../method.js";
import { importAtomically, insertBatches, newLegacyCrawlId } from "./legacy-import.js";
import { type DumpCrawls, parseMysqlDump } from "./mysql-dump.js";

export interface DumpImport {
  readonly crawls: { crawlId: string; date: string }[];
  readonly skippedTables: string[];
}

/** Parses the whole dump first (a broken one writes nothing), then writes one crawl per date. */
export async function importMysqlDump(store: Store, text: string, file: string): Promise<DumpImport> {
  const { crawls, skippedTables } = parseMysqlDump(text, file);
  const done: { crawlId: string; date: string }[] = [];
  for (const date of [...crawls.keys()].sort()) {
    const record = await importDumpCrawl(store, crawls, date, file);
    done.push({ crawlId: record.crawl_id, date });
  }
  return { crawls: done, skippedTables };
}

async function importDumpCrawl(store: Store, crawls: DumpCrawls, date: string, file: string) {
  const tables = crawls.get(date)!;
  const crawlId = newLegacyCrawlId(date);
  const types = new Set(tables.host_data.map((row) => row["type"] as string));
  const record = {
    crawl_id: crawlId,
    date,
    options: JSON.stringify({ date, features: [...types].sort(), metrics: [] }),
    source: `legacy-mysql-dump:${file}`,
    domains:
      tables.domains.length ||
      tables.domain_penetration.reduce((sum, row) => sum + Number(row["domains"]), 0),
    rejected: 0,
    started_at: `${date} 00:00:00.000`,
  };
  return importAtomically(store, record, async () => {
    for (const [table, rows] of Object.entries(tables))
      await insertBatches(
        store,
        table,
        rows.map((row) => ({ ...row, crawl_id: crawlId, date, method: ORIGINAL_METHOD })),
      );
  });
}
