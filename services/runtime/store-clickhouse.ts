// The distributed Store: a ClickHouse server over HTTP through @clickhouse/client.
// Parameters travel as param_<name> and are bound by the server. It does not
// retry: a failed statement is the caller's to retry (inserts are idempotent by design).

import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { type Params, type Row, type Store, StoreError } from "./store.js";
import { checkTableName, STORE_SETTINGS, storeErrorFromText, stringifyRow } from "./store-wire.js";

export interface ClickHouseStoreOptions {
  /** Deadline of one HTTP request, and (in whole seconds) the server's max_execution_time. Default 120 s. */
  readonly requestTimeoutMs?: number;
  /** Sockets kept to the server at most. Default 10. */
  readonly maxOpenConnections?: number;
  /** Shown in the server's system.query_log as the client name. */
  readonly application?: string;
}

/** Opens a Store on `url`, e.g. http://user:pass@host:8123/database (the database must exist). */
export async function openClickHouseStore(url: string, options: ClickHouseStoreOptions = {}): Promise<Store> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    // The URL may hold a password: never echo it.
    throw new StoreError(
      "ClickHouse URL is malformed (expected http[s]://user:pass@host:port/database)",
      "",
      {
        cause: err,
      },
    );
  }
  const client = createClient({
    url,
    request_timeout: requestTimeoutMs,
    max_open_connections: options.maxOpenConnections ?? 10,
    application: options.application ?? "ipv6matrix",
    // Failures reach the caller as StoreError, which logs them with their context; the client would log them twice.
    log: { level: ClickHouseLogLevel.OFF },
    // bigint values in rows are written as the chDB adapter writes them.
    json: { parse: JSON.parse, stringify: stringifyRow },
    // Inserts are large and compress well; results of summaries too.
    compression: { request: true, response: true },
    clickhouse_settings: {
      ...STORE_SETTINGS,
      // The server stops a statement nobody is waiting for any more.
      max_execution_time: Math.ceil(requestTimeoutMs / 1000),
      // Progress headers keep a long statement's connection alive through proxies
      // and load balancers that close idle ones.
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: "10000",
    },
  });
  const store = new ClickHouseStore(client, parsed.host);
  try {
    const ping = await client.ping();
    if (!ping.success) throw ping.error;
  } catch (err) {
    await client.close();
    throw store.error(err, "");
  }
  return store;
}

class ClickHouseStore implements Store {
  readonly kind = "clickhouse";

  constructor(
    private readonly client: ClickHouseClient,
    private readonly host: string,
  ) {}

  async exec(sql: string, params?: Params): Promise<void> {
    try {
      await this.client.command({ query: sql, ...(params ? { query_params: params } : {}) });
    } catch (err) {
      throw this.error(err, sql);
    }
  }

  async query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    try {
      const result = await this.client.query({
        query: sql,
        format: "JSONEachRow",
        ...(params ? { query_params: params } : {}),
      });
      return await result.json<T>();
    } catch (err) {
      throw this.error(err, sql);
    }
  }

  async insert(table: string, rows: readonly Row[]): Promise<void> {
    checkTableName(table);
    if (rows.length === 0) return;
    try {
      await this.client.insert({ table, values: rows, format: "JSONEachRow" });
    } catch (err) {
      throw this.error(err, `INSERT INTO ${table} FORMAT JSONEachRow`);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  error(err: unknown, sql: string): StoreError {
    if (err instanceof ClickHouseError) {
      // Rebuilt in the server's own words, the same text the chDB adapter reports.
      const type = err.type ? ` (${err.type})` : "";
      return storeErrorFromText(`Code: ${err.code}. DB::Exception: ${err.message.trim()}${type}`, sql, err);
    }
    const message = err instanceof Error ? err.message : String(err);
    return new StoreError(`ClickHouse at ${this.host}: ${message}`, sql, { cause: err });
  }
}
