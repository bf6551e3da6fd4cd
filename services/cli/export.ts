// `ipv6matrix export <table>`: a summary or raw table of one crawl as CSV or
// JSON lines, to a file or standard output.

import { writeFile } from "node:fs/promises";
import { exportableTables, exportTable, formatRows } from "../aggregator/export.js";
import { exportLegacyCsv } from "../aggregator/legacy/legacy-csv-export.js";
import { checkDate } from "../api/crawl-options.js";
import { findCompletedCrawl, getCrawl } from "../runtime/crawls.js";
import { openStore } from "../runtime/store-open.js";
import { type Command, commonUsage, configFrom, UsageError } from "./command.js";

export const exportCommand: Command = {
  summary: "print a summary or raw table of a crawl as CSV or JSON lines",
  usage: `Usage: ipv6matrix export <table> [options]

Tables: ${exportableTables.join(", ")}.
legacy-csv --out DIR: the original crawler's folder of CSV files (<tld>/<run>/MX_com.log, ...).
Without --crawl or --date, the latest completed crawl.

Options:
  --crawl ID           the crawl to export
  --date YYYY-MM-DD    the latest completed crawl of that date
  --format csv|jsonl   (default csv)
  --out FILE           write there instead of standard output
  --keep-zz            keep the summary rows of country ZZ (unknown), which SPEC leaves out
${commonUsage}`,
  options: {
    crawl: { type: "string" },
    date: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    "keep-zz": { type: "boolean" },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError(`expected one table: ${exportableTables.join(", ")}`);
    const table = positionals[0]!;
    if (table === "legacy-csv" && !values["out"]) throw new UsageError("legacy-csv needs --out DIR");
    if (!exportableTables.includes(table) && table !== "legacy-csv")
      throw new UsageError(`unknown table ${table} (one of ${exportableTables.join(", ")})`);
    const format = (values["format"] as string | undefined) ?? "csv";
    if (format !== "csv" && format !== "jsonl") throw new UsageError(`--format ${format}: one of csv, jsonl`);
    const config = configFrom(values);
    const store = await openStore({ url: config.store.url, dataDir: config.store.data_dir });
    try {
      const crawlId = values["crawl"] as string | undefined;
      const date = values["date"] === undefined ? undefined : checkDate(String(values["date"]));
      const crawl = crawlId ? await getCrawl(store, crawlId) : await findCompletedCrawl(store, date);
      if (!crawl)
        throw new UsageError(
          crawlId
            ? `no crawl ${crawlId} in the store`
            : `no completed crawl${date ? ` of ${date}` : ""} in the store`,
        );
      if (table === "legacy-csv") {
        const files = await exportLegacyCsv(store, crawl, String(values["out"]));
        process.stdout.write(
          `wrote ${files.length} files of crawl ${crawl.crawl_id} under ${values["out"]}\n`,
        );
        return 0;
      }
      const { columns, rows } = await exportTable(store, table, crawl.crawl_id, Boolean(values["keep-zz"]));
      const text = formatRows(rows, format, columns);
      if (values["out"]) await writeFile(String(values["out"]), text);
      else process.stdout.write(text);
      return 0;
    } finally {
      await store.close();
    }
  },
};
