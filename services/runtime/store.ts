// The ClickHouse store behind the aggregator and the queries: chDB in-process
// (the default) or a ClickHouse server. Both speak the same SQL and pass one
// conformance suite (test/conformance/store.test.ts). Holds no table knowledge;
// the schema lives in migrations/.

/** Query parameters, bound server-side as {name:Type} (never spliced into SQL). */
export type Params = Record<string, string | number | boolean | readonly (string | number)[]>;

export type Row = Record<string, unknown>;

/**
 * Rows of one table already encoded for an insert (store-wire.ts RowEncoder):
 * JSONCompactEachRow, one line a row, values in the order of `columns`. What a
 * batching caller keeps instead of row objects: bytes cost the garbage collector nothing.
 */
export interface EncodedRows {
  readonly columns: readonly string[];
  readonly data: Buffer;
  readonly rows: number;
}

export interface Store {
  readonly kind: "chdb" | "clickhouse";
  /** Runs statements that return nothing (DDL, INSERT ... SELECT). */
  exec(sql: string, params?: Params): Promise<void>;
  /** Runs a SELECT; rows are JSON objects. (U)Int64 come back as JS numbers: exact up to 2^53, so cast
   * hashes and other full-range 64-bit values with toString() in SQL. */
  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  /** Inserts rows: objects keyed by column (a missing key or undefined is the column's default,
   * an unknown key is an error), or rows a RowEncoder encoded. */
  insert(table: string, rows: readonly Row[] | EncodedRows): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  /** ClickHouse's exception code (60 UNKNOWN_TABLE, 62 SYNTAX_ERROR, ...), when the engine gave one. */
  readonly code?: number;
  constructor(
    message: string,
    readonly sql: string,
    options?: { cause?: unknown; code?: number },
  ) {
    super(message, options);
    this.name = "StoreError";
    if (options?.code !== undefined) this.code = options.code;
  }
}

/** ClickHouse's MEMORY_LIMIT_EXCEEDED: a statement that would take the engine past its memory cap. */
export const MEMORY_LIMIT_EXCEEDED = 241;

/** The engine refused a statement for memory, which another moment may have: not the statement's fault. */
export function isMemoryLimit(error: unknown): boolean {
  return error instanceof StoreError && error.code === MEMORY_LIMIT_EXCEEDED;
}

/**
 * The store could not be opened at all: a data folder that is a file or cannot
 * be written, one another process holds, a server that refuses or never answers.
 * Its message is one line naming the folder or server; the CLI prints it as it is.
 */
export class StoreOpenError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "", options);
    this.name = "StoreOpenError";
  }
}
