// `ipv6matrix import legacy`: the original crawler's history (its CSV crawl
// folders, its SQLite files, a dump of its MySQL summaries) as crawls of this
// store, completed and published, each all or nothing.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findLegacyRuns, readLegacyCsvRun } from "../aggregator/legacy/csv-import.js";
import type { LegacyCrawl } from "../aggregator/legacy/legacy-crawl.js";
import { importLegacyCrawl } from "../aggregator/legacy/legacy-import.js";
import { importMysqlDumpFile } from "../aggregator/legacy/mysql-dump-import.js";
import { chdbSqliteTables, readLegacySqlite } from "../aggregator/legacy/sqlite-import.js";
import { migrate } from "../runtime/migrate.js";
import type { Store } from "../runtime/store.js";
import { openStore } from "../runtime/store-open.js";
import { type Command, commonUsage, configFrom, dateOption, UsageError } from "./command.js";

export const importCommand: Command = {
  summary: "import the original crawler's crawls (CSV folders, SQLite files, MySQL summary dumps)",
  usage: `Usage: ipv6matrix import legacy (--csv DIR | --sqlite FILE | --mysql-dump FILE) [options]

  --csv DIR            the original's output folder (<tld>/<run>/*.log), or one run folder;
                       one crawl per run; raw tables filled, summaries computed here (method 1)
  --sqlite FILE        its ips-<run>.db; raw tables filled, summaries computed here (method 1)
  --mysql-dump FILE    a mysqldump of its HostData, Reachability, Domains, DomainPenetration;
                       one crawl per date, summaries as the original computed them (method 1)

Options:
  --run NAME           with --csv: only this run (YYYY-MM-DD__HH-MM-SS)
  --date YYYY-MM-DD    the crawl's date when the run or file name does not say it

Each crawl is imported whole or not at all, completed and published.
${commonUsage}`,
  options: {
    csv: { type: "string" },
    sqlite: { type: "string" },
    "mysql-dump": { type: "string" },
    run: { type: "string" },
    date: { type: "string" },
  },
  async run(values, positionals) {
    if (positionals.length !== 1 || positionals[0] !== "legacy")
      throw new UsageError("expected: import legacy");
    const sources = (["csv", "sqlite", "mysql-dump"] as const).filter((key) => values[key] !== undefined);
    if (sources.length !== 1) throw new UsageError("give one of --csv DIR, --sqlite FILE, --mysql-dump FILE");
    const kind = sources[0]!;
    const path = resolve(String(values[kind]));
    const date = values["date"] === undefined ? undefined : dateOption(String(values["date"]));
    const config = configFrom(values);
    const store = await openStore({
      url: config.store.url,
      dataDir: config.store.data_dir,
      maxMemoryMb: config.store.max_memory_mb,
    });
    try {
      await migrate(store);
      const imported: { crawlId: string; date: string }[] = [];
      if (kind === "mysql-dump") {
        const result = await importMysqlDumpFile(store, path);
        for (const table of result.skippedTables)
          process.stderr.write(`not a summary table, skipped: ${table}\n`);
        imported.push(...result.crawls);
      } else {
        const how = { wwwPrefixes: config.WWW.prefixes, ntpPrefixes: config.NTP.prefixes };
        for (const crawl of await readCrawls(store, kind, path, values["run"] as string | undefined, date)) {
          const record = await importLegacyCrawl(store, crawl, { ...how, source: `legacy-${kind}:${path}` });
          imported.push({ crawlId: record.crawl_id, date: record.date });
        }
      }
      for (const crawl of imported)
        process.stdout.write(`imported crawl ${crawl.crawlId} (${crawl.date}) from ${path}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

async function readCrawls(
  store: Store,
  kind: "csv" | "sqlite",
  path: string,
  run: string | undefined,
  date: string | undefined,
): Promise<LegacyCrawl[]> {
  if (kind === "sqlite") {
    const scratch = await mkdtemp(join(tmpdir(), "ipv6matrix-sqlite-"));
    const tables = await chdbSqliteTables(store, path, scratch);
    try {
      return [await readLegacySqlite(tables, path, date)];
    } finally {
      await tables.close();
      await rm(scratch, { recursive: true, force: true });
    }
  }
  const byRun = new Map<string, Awaited<ReturnType<typeof findLegacyRuns>>>();
  for (const dir of await findLegacyRuns(path))
    if (run === undefined || dir.run === run) byRun.set(dir.run, [...(byRun.get(dir.run) ?? []), dir]);
  if (byRun.size === 0)
    throw new UsageError(`no run folder${run ? ` ${run}` : ""} of the original under ${path}`);
  if (date && byRun.size > 1)
    throw new UsageError(`--date names one crawl, but ${path} holds ${byRun.size} runs: add --run`);
  // Every run is read (and checked) before the first is written.
  const crawls: LegacyCrawl[] = [];
  for (const dirs of byRun.values()) {
    const { crawl, skipped } = await readLegacyCsvRun(dirs, date);
    for (const file of skipped) process.stderr.write(`not a file the original writes, skipped: ${file}\n`);
    crawls.push(crawl);
  }
  return crawls;
}
