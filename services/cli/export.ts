// `ipv6matrix export <table>`: a summary or raw table of one crawl as CSV or
// JSON lines, to a file or standard output.

import { writeFile } from "node:fs/promises";
import { exportableTables, exportTable, formatRows } from "../aggregator/export.js";
import { exportLegacyCsv } from "../aggregator/legacy/legacy-csv-export.js";
import { findCompletedCrawl, getCrawl } from "../runtime/crawls.js";
import {
  CliError,
  type Command,
  commonUsage,
  configFrom,
  dateOption,
  openStoreWithCrawls,
  UsageError,
} from "./command.js";

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
    const date = values["date"] === undefined ? undefined : dateOption(String(values["date"]));
    const config = configFrom(values);
    const store = await openStoreWithCrawls(config);
    try {
      const crawlId = values["crawl"] as string | undefined;
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
      if (values["out"]) await writeOut(String(values["out"]), text);
      else process.stdout.write(text);
      return 0;
    } finally {
      await store.close();
    }
  },
};

async function writeOut(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such folder"
        : code === "EISDIR"
          ? "it is a folder"
          : code === "ENOTDIR"
            ? "a part of it is a file, not a folder"
            : `${code ?? String(error)}`;
    throw new CliError(`--out ${path}: cannot write it: ${why}`);
  }
}
