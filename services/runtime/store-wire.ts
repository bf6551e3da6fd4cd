// What the two Store adapters must agree on so they behave alike: the settings
// every statement runs with, the insert format (JSONCompactEachRow) and JSONEachRow
// out, the table-name check and the shape of an error message. No I/O here.

import { type EncodedRows, type Row, StoreError } from "./store.js";

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

/** One row (or one row's values) as JSON; bigint values become decimal strings, which ClickHouse reads into integer columns exactly. */
export function stringifyRow(row: unknown): string {
  try {
    // A replacer makes JSON.stringify about ten times slower, so only rows holding a bigint pay for one.
    return JSON.stringify(row);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(row, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
  }
}

/** The format of EncodedRows, named in both adapters' INSERT (docs/decisions/006-store-insert-format.md). */
export const INSERT_FORMAT = "JSONCompactEachRow";

/**
 * Settings of every insert. ReplacingMergeTree would collapse a batch's duplicate
 * keys on insert only for merges and FINAL (which every read of a raw table uses)
 * to do it again; skipping it saves a sort of each batch.
 */
export const INSERT_SETTINGS = { optimize_on_insert: 0 } as const;

const FIRST_CHUNK_BYTES = 64 * 1024;
const LARGEST_CHUNK_BYTES = 4 * 1024 * 1024;
/** Lines joined before they are written as UTF-8: one native write per line cost more than the join. */
const LINES_PER_WRITE = 256;

/** The rows of one column set, as bytes in chunks that grow as they fill. */
class EncodedGroup {
  readonly chunks: Buffer[] = [];
  chunk = Buffer.allocUnsafe(FIRST_CHUNK_BYTES);
  used = 0;
  rows = 0;
  lines: string[] = [];

  constructor(readonly columns: readonly string[]) {}

  append(line: string): void {
    this.lines.push(line);
    this.rows += 1;
    if (this.lines.length === LINES_PER_WRITE) this.write();
  }

  take(): EncodedRows {
    this.write();
    if (this.used > 0) this.chunks.push(this.chunk.subarray(0, this.used));
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    return { columns: this.columns, data, rows: this.rows };
  }

  private write(): void {
    if (this.lines.length === 0) return;
    const text = `${this.lines.join("\n")}\n`;
    this.lines = [];
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    const most = text.length * 3;
    if (this.used + most > this.chunk.length) {
      if (this.used > 0) this.chunks.push(this.chunk.subarray(0, this.used));
      const next = Math.min(this.chunk.length * 2, LARGEST_CHUNK_BYTES);
      this.chunk = Buffer.allocUnsafe(Math.max(next, most));
      this.used = 0;
    }
    this.used += this.chunk.write(text, this.used);
  }
}

/**
 * Encodes the rows of one table as they come, into JSONCompactEachRow: a row's
 * values in the order of its keys, so the row object can die young and a batch
 * is a few buffers instead of thousands of objects. Rows whose keys differ from
 * the previous row's (other columns, or another order) go to a batch of their
 * own; ClickHouse then rejects an unknown column by name. A key whose value is
 * undefined is sent as null: NULL, or the default of a column that is not Nullable.
 */
export class RowEncoder {
  #groups = new Map<string, EncodedGroup>();
  #last: EncodedGroup | undefined;
  #rows = 0;

  /** Rows added since the last take(). */
  get rows(): number {
    return this.#rows;
  }

  add(row: Row): void {
    const keys = Object.keys(row);
    let group = this.#last;
    if (group === undefined || !sameKeys(group.columns, keys)) {
      if (keys.length === 0) throw new StoreError("a row has no columns", "");
      const signature = keys.join(",");
      group = this.#groups.get(signature);
      if (group === undefined) {
        group = new EncodedGroup(keys);
        this.#groups.set(signature, group);
      }
      this.#last = group;
    }
    group.append(stringifyRow(Object.values(row)));
    this.#rows += 1;
  }

  /** The rows added so far, one EncodedRows a column set, and a fresh start. */
  take(): EncodedRows[] {
    const taken = [...this.#groups.values()].map((group) => group.take());
    this.#groups = new Map();
    this.#last = undefined;
    this.#rows = 0;
    return taken;
  }
}

function sameKeys(columns: readonly string[], keys: readonly string[]): boolean {
  if (columns.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (columns[i] !== keys[i]) return false;
  return true;
}

/** Rows as EncodedRows, one a column set (a Store's insert of plain rows). */
export function encodeRows(rows: readonly Row[]): EncodedRows[] {
  const encoder = new RowEncoder();
  for (const row of rows) encoder.add(row);
  return encoder.take();
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
