// The distributed Store: a ClickHouse server over HTTP through @clickhouse/client.
// Parameters travel as param_<name> and are bound by the server. It does not
// retry: a failed statement is the caller's to retry (inserts are idempotent by design).

import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { type EncodedRows, type Params, type Row, type Store, StoreError, StoreOpenError } from "./store.js";
import {
  checkTableName,
  encodeRows,
  INSERT_FORMAT,
  INSERT_SETTINGS,
  STORE_SETTINGS,
  storeErrorFromText,
} from "./store-wire.js";

export interface ClickHouseStoreOptions {
  /** Deadline of one HTTP request, and (in whole seconds) the server's max_execution_time. Default 120 s. */
  readonly requestTimeoutMs?: number;
  /** How long opening waits for the server's first answer. Default 10 s (at most requestTimeoutMs). */
  readonly connectTimeoutMs?: number;
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
    // Inserts are large and compress well; results of summaries too. Not the inserts to a server on
    // this machine: over loopback gzip saves no time and was the aggregator's largest single cost
    // after the garbage collector (issue 17, NATS mode: 6 s of CPU in a 5,000-domain crawl).
    compression: { request: !isLoopback(parsed.hostname), response: true },
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
  // A listener that takes the connection and never answers (a wrong port, a hung server) would hold
  // the first request for the whole request timeout; opening waits connectTimeoutMs at most.
  const connectTimeoutMs = options.connectTimeoutMs ?? Math.min(10_000, requestTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = client.ping();
    const silent = new Promise<"silent">((done) => {
      timer = setTimeout(() => done("silent"), connectTimeoutMs);
    });
    const ping = await Promise.race([answered, silent]);
    if (ping === "silent")
      throw new StoreOpenError(
        `ClickHouse at ${parsed.host}: no answer within ${connectTimeoutMs / 1000} s (is it a ClickHouse HTTP port?)`,
      );
    if (!ping.success) throw ping.error;
  } catch (err) {
    await client.close();
    if (err instanceof StoreOpenError) throw err;
    const error = store.error(err, "");
    // Refused, unknown host, bad credentials: one line naming the server (never the URL: it may hold a password).
    throw error.code === undefined ? new StoreOpenError(error.message, { cause: err }) : error;
  } finally {
    clearTimeout(timer);
  }
  return store;
}

/** 127.0.0.0/8, ::1 or localhost: a server on this machine. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
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

  async insert(table: string, rows: readonly Row[] | EncodedRows): Promise<void> {
    checkTableName(table);
    if (Array.isArray(rows)) {
      for (const encoded of encodeRows(rows)) await this.insert(table, encoded);
      return;
    }
    const { columns, data } = rows as EncodedRows;
    if (data.length === 0) return;
    // Column names come from row keys, so they are quoted as identifiers, never spliced bare.
    const list = columns.map((column) => `\`${column.replace(/[\\`]/g, "\\$&")}\``).join(", ");
    const sql = `INSERT INTO ${table} (${list}) FORMAT ${INSERT_FORMAT}`;
    try {
      // The bytes are the request body as they are (the client's insert() would encode rows itself);
      // the response is read to its end, as insert() does, so the statement is over when this returns.
      const result = await this.client.exec({
        query: sql,
        values: Readable.from([data], { objectMode: false }),
        clickhouse_settings: INSERT_SETTINGS,
      });
      result.stream.resume();
      await finished(result.stream);
    } catch (err) {
      throw this.error(err, sql);
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
