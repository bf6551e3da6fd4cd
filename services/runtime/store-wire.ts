// What the two Store adapters must agree on so they behave alike: the settings
// every statement runs with, JSONEachRow in and out, the table-name check and
// the shape of an error message. No I/O here.

import { type Row, StoreError } from "./store.js";

/**
 * Settings both adapters apply to every statement. They pin behaviour whose
 * defaults differ between chDB and a ClickHouse server, or changed across versions.
 */
export const STORE_SETTINGS = {
  // Servers quote (U)Int64 in JSON by default, chDB does not; we want numbers from both.
  output_format_json_quote_64bit_integers: 0,
  // Defaults to 1 since ClickHouse 23.x: a misspelt column would be dropped silently.
  input_format_skip_unknown_fields: 0,
  // Lets callers insert JavaScript's ISO timestamps ("2024-05-01T10:00:00.123Z") as DateTime64.
  date_time_input_format: "best_effort",
} as const;

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** The table of an insert is spliced into SQL, so it must be a plain (optionally db-qualified) name. */
export function checkTableName(table: string): void {
  if (!TABLE_NAME.test(table)) {
    throw new StoreError(`invalid table name ${JSON.stringify(table)}`, `INSERT INTO ${table}`);
  }
}

/** One row as JSON; bigint values become decimal strings, which ClickHouse reads into integer columns exactly. */
export function stringifyRow(row: unknown): string {
  try {
    // A replacer makes JSON.stringify about ten times slower, so only rows holding a bigint pay for one.
    return JSON.stringify(row);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(row, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
  }
}

/** Rows as JSONEachRow text. */
export function toJsonEachRow(rows: readonly Row[]): string {
  let out = "";
  for (const row of rows) out += `${stringifyRow(row)}\n`;
  return out;
}

export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) {
    if (line !== "") rows.push(JSON.parse(line) as T);
  }
  return rows;
}

// The server's text reads "Code: 60. DB::Exception: Unknown table ... (UNKNOWN_TABLE) (version 24.8.1)";
// the version suffix is dropped so both adapters give the same message.
const EXCEPTION_TEXT = /^Code: (\d+)\. /;

/** A StoreError from ClickHouse's exception text, keeping the code for callers that branch on it. */
export function storeErrorFromText(text: string, sql: string, cause: unknown): StoreError {
  const message = text.trim().replace(/ \(version [^)]*\)\.?$/, "");
  const code = EXCEPTION_TEXT.exec(message)?.[1];
  return new StoreError(message, sql, {
    cause,
    ...(code !== undefined ? { code: Number(code) } : {}),
  });
}
