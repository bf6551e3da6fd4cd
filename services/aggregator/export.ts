// Exports of summary and raw tables as CSV or JSON lines (issue: exports).
// The column names are SPEC's; every table adds crawl_id and date. Rows for
// country ZZ are left out of the summaries unless asked for.

import type { Params, Row, Store } from "../runtime/store.js";

interface ExportTable {
  readonly sql: string;
  /** Whether the table has ZZ rows that SPEC leaves out. */
  readonly placed: boolean;
}

const exportTables: Readonly<Record<string, ExportTable>> = {
  hostdata: {
    sql: `SELECT toString(date) AS date, crawl_id, tld, type, country, hosts, hosts4, hosts6, dualstack, noip,
      pinghosts, faster, ping4, ping6, pathhosts, fewer, hops4, hops6, method
      FROM host_data WHERE crawl_id = {crawl:String} {zz} ORDER BY tld, type, country`,
    placed: true,
  },
  jobs: {
    sql: `SELECT toString(date) AS date, crawl_id, type, domain, tld, host, priority, outcome
      FROM jobs FINAL WHERE crawl_id = {crawl:String} ORDER BY domain, type, priority, host`,
    placed: false,
  },
  hosts: {
    sql: `SELECT toString(date) AS date, crawl_id, host, a_outcome, aaaa_outcome,
      arrayStringConcat(arrayMap(x -> toString(x), ipv4), ' ') AS ipv4,
      arrayStringConcat(arrayMap(x -> toString(x), ipv6), ' ') AS ipv6,
      arrayStringConcat(ip6_types, ' ') AS ip6_types, arrayStringConcat(cname_chain, ' ') AS cname_chain
      FROM hosts FINAL WHERE crawl_id = {crawl:String} ORDER BY host`,
    placed: false,
  },
};

export const exportableTables = Object.keys(exportTables);

export class ExportError extends Error {
  override name = "ExportError";
}

export async function exportRows(
  store: Store,
  table: string,
  crawlId: string,
  keepZz: boolean,
): Promise<Row[]> {
  const spec = exportTables[table];
  if (!spec) throw new ExportError(`export: unknown table ${table} (one of ${exportableTables.join(", ")})`);
  const sql = spec.sql.replace("{zz}", spec.placed && !keepZz ? "AND country != 'ZZ'" : "");
  const params: Params = { crawl: crawlId };
  return store.query(sql, params);
}

function csvCell(value: unknown): string {
  const text =
    value === null || value === undefined ? "" : Array.isArray(value) ? value.join(" ") : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatRows(
  rows: readonly Row[],
  format: "csv" | "jsonl",
  columns?: readonly string[],
): string {
  if (format === "jsonl")
    return rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length > 0 ? "\n" : "");
  const header = columns ?? Object.keys(rows[0] ?? {});
  const lines = [
    header.join(","),
    ...rows.map((row) => header.map((column) => csvCell(row[column])).join(",")),
  ];
  return `${lines.join("\n")}\n`;
}
