// `import legacy --mysql-dump`: the original's summary tables from a mysqldump
// file go straight into this project's summary tables, one crawl per date, all
// of them or none, with method 1 (computed by the original's method). The dump
// is read twice, a statement at a time: once to check every row, once to write.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Row, Store } from "../../runtime/store.js";
import { ORIGINAL_METHOD } from "../method.js";
import { LegacyFormatError } from "./legacy-formats.js";
import { importAllAtomically, insertBatches, newLegacyCrawlId } from "./legacy-import.js";
import { type DumpLines, dumpRows, type SummaryTable } from "./mysql-dump.js";

export interface DumpImport {
  readonly crawls: { crawlId: string; date: string }[];
  readonly skippedTables: string[];
}

/** Rows written at once; a Domains row of the dump is a couple of kilobytes as a JS object. */
const BATCH = 10_000;

/** Reads the dump file line by line (never whole: a dump of years of Domains rows is gigabytes). */
export async function importMysqlDumpFile(store: Store, file: string): Promise<DumpImport> {
  return importMysqlDump(store, () => linesOf(file), file);
}

async function* linesOf(file: string): AsyncGenerator<string> {
  const lines = createInterface({
    input: createReadStream(file, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    yield* lines;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new LegacyFormatError(
      file,
      undefined,
      `cannot read it: ${code === "ENOENT" ? "no such file" : code}`,
    );
  } finally {
    lines.close();
  }
}

/** What the first reading keeps of a date: enough for its crawl row, no rows. */
interface DateSeen {
  domainRows: number;
  penetrationDomains: number;
  readonly types: Set<string>;
}

/**
 * Checks every row first (a broken dump writes nothing), then writes one crawl per date.
 * `dump`: its text, or a function that gives its lines afresh for each reading.
 */
export async function importMysqlDump(
  store: Store,
  dump: string | (() => DumpLines),
  file: string,
): Promise<DumpImport> {
  const open = typeof dump === "string" ? () => dump.split(/\r?\n/) : dump;
  const dates = new Map<string, DateSeen>();
  const skipped = new Set<string>();
  for await (const rows of dumpRows(open(), file, skipped))
    for (const { table, row } of rows) {
      const date = row["date"] as string;
      const seen = dates.get(date) ?? { domainRows: 0, penetrationDomains: 0, types: new Set<string>() };
      dates.set(date, seen);
      if (table === "domains") seen.domainRows++;
      else if (table === "domain_penetration") seen.penetrationDomains += Number(row["domains"]);
      else if (table === "host_data") seen.types.add(row["type"] as string);
    }
  const records = [...dates.keys()].sort().map((date) => {
    const seen = dates.get(date)!;
    return {
      crawl_id: newLegacyCrawlId(date),
      date,
      options: JSON.stringify({ date, features: [...seen.types].sort(), metrics: [] }),
      source: `legacy-mysql-dump:${file}`,
      domains: seen.domainRows || seen.penetrationDomains,
      rejected: 0,
      started_at: `${date} 00:00:00.000`,
    };
  });
  const crawlOf = new Map(records.map((record) => [record.date, record.crawl_id]));
  await importAllAtomically(store, records, async () => {
    const batches = new Map<SummaryTable, Row[]>();
    const flush = async (table: SummaryTable) => {
      await insertBatches(store, table, batches.get(table) ?? []);
      batches.set(table, []);
    };
    for await (const rows of dumpRows(open(), file, new Set()))
      for (const { table, row } of rows) {
        const date = row["date"] as string;
        const crawlId = crawlOf.get(date);
        if (!crawlId) throw new Error(`${file} changed while it was imported: ${date} was not in it before`);
        const batch = batches.get(table) ?? [];
        batches.set(table, batch);
        batch.push({ ...row, crawl_id: crawlId, date, method: ORIGINAL_METHOD });
        if (batch.length >= BATCH) await flush(table);
      }
    for (const table of batches.keys()) await flush(table);
  });
  return {
    crawls: records.map((record) => ({ crawlId: record.crawl_id, date: record.date })),
    skippedTables: [...skipped],
  };
}
