// A loopback ClickHouse HTTP endpoint executing on chDB, for tests only. No
// ClickHouse server can be installed on this machine, so the server Store
// adapter (@clickhouse/client) is tested against this instead. It speaks the
// part of the HTTP interface that client uses; it is not a ClickHouse server:
// no users or auth (credentials are ignored), no multipart params, no progress
// headers; bound queries one at a time.
//
// Run: node --import tsx test/support/clickhouse-http-server.ts <dataDir> [--delete-data-on-exit]
// Prints {"port":N} on stdout once listening on 127.0.0.1; exits on SIGTERM or
// when its stdin closes (the parent test process went away).

import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Session } from "chdb";
import { cgroupMemoryReadable, chdbConnectionArgs } from "../../services/runtime/chdb-cgroups.js";

type NativeResult = { bytes: Uint8Array; elapsed: number; rowsRead: number; bytesRead: number };
type Native = {
  QueryAsyncConnection(
    connection: unknown,
    sql: string,
    format: string,
    params?: Record<string, string>,
  ): Promise<NativeResult>;
};

// param_<name> values arrive already in ClickHouse's text form (strings escaped,
// arrays as ['a','b']). chDB's public queryBind re-escapes its arguments, which
// would double the escaping, so they go to the addon's bound call unchanged,
// just as a server hands them to its parser.
const require = createRequire(import.meta.url);
const native = require(join(dirname(require.resolve("chdb")), "dist/loader.js")).loadNative() as Native;

const dataDir = process.argv[2] ?? "";
if (dataDir === "") throw new Error("usage: clickhouse-http-server.ts <dataDir> [--delete-data-on-exit]");
// Set by the fixture, whose temporary folder would otherwise outlive a test process that died.
const deleteDataOnExit = process.argv.includes("--delete-data-on-exit");

// Keeps the engine up between requests; a request without a session gets a connection
// (1-2 ms to open) set up with its settings alone, or an idle one with the very same settings,
// so one request's settings never leak into the next, as over HTTP.
// Where chDB cannot read the cgroup tree (the lab's namespaces), the same engine argument as the
// product's store, so that it does not print its 20-line cgroups stack trace (chdb-cgroups.ts).
const connectionArgs = chdbConnectionArgs(cgroupMemoryReadable());
const anchor = new Session(dataDir, { connectionArgs });
const sessions = new Map<string, Session>(); // session_id -> connection, for HTTP sessions
/** Idle connections of requests without a session, by their settings and database. */
const idle = new Map<string, Session[]>();
const POOLED_PER_KEY = 4;

// Parameters of the HTTP interface that are not settings.
const HTTP_PARAMS = new Set([
  "query",
  "database",
  "default_format",
  "query_id",
  "session_id",
  "session_timeout",
  "session_check",
  "user",
  "password",
  "quota_key",
  "compress",
  "decompress",
  "buffer_size",
  "wait_end_of_query",
  "role",
  "stacktrace",
]);

// What a server does by default and chDB does not: the adapter must override these itself.
const SERVER_DEFAULTS: Record<string, string> = {
  output_format_json_quote_64bit_integers: "1",
  input_format_skip_unknown_fields: "1",
};

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = req.headers["content-encoding"];
  if (!encoding || encoding === "identity") return body;
  if (encoding === "gzip") return gunzipSync(body);
  throw new HttpError(
    354,
    `Unsupported Content-Encoding ${encoding} in this test endpoint (CANNOT_DECOMPRESS)`,
  );
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const queryId = url.searchParams.get("query_id") || randomUUID();
  if (url.pathname === "/ping") return reply(res, 200, { "Content-Type": "text/plain" }, "Ok.\n");
  if (url.pathname !== "/") return reply(res, 404, { "Content-Type": "text/plain" }, "Not found.\n");
  let connection: Session | undefined;
  let temporary = false;
  let poolKey: string | undefined;
  let reusable = false;
  try {
    if (String(req.headers["content-type"]).startsWith("multipart/")) {
      throw new HttpError(
        48,
        "multipart/form-data is not implemented by this test endpoint (NOT_IMPLEMENTED)",
      );
    }
    const raw = await readBody(req);
    const body = raw.toString("utf8");
    const queryParam = url.searchParams.get("query");
    // As the server does: the body, if any, is appended to the query parameter (INSERT data).
    const sql = queryParam === null ? body : body === "" ? queryParam : `${queryParam}\n${body}`;
    if (sql.trim() === "") {
      if (req.method === "GET") return reply(res, 200, { "Content-Type": "text/plain" }, "Ok.\n");
      throw new HttpError(62, "Empty query (SYNTAX_ERROR)");
    }

    const params: Record<string, string> = {};
    const settings: Record<string, string> = { ...SERVER_DEFAULTS };
    for (const [key, value] of url.searchParams) {
      if (key.startsWith("param_")) params[key.slice(6)] = value;
      else if (!HTTP_PARAMS.has(key)) settings[key] = value;
    }

    const sessionId = url.searchParams.get("session_id");
    const database = url.searchParams.get("database");
    connection = sessionId ? sessions.get(sessionId) : undefined;
    if (!connection && !sessionId) {
      // A connection that ran a request with the very same settings and database, returned
      // unchanged: SET costs as much as a small query in chDB (10-25 ms), and a client sends
      // the same 8 or 9 settings with every request.
      poolKey = JSON.stringify([settings, database]);
      connection = idle.get(poolKey)?.pop();
      temporary = true;
    }
    const fresh = !connection;
    if (!connection) {
      connection = new Session(dataDir, { connectionArgs });
      if (sessionId) sessions.set(sessionId, connection);
      else temporary = true;
    }
    // A pooled connection already has exactly these; a session's may change per request.
    if (fresh || sessionId) {
      for (const [name, value] of Object.entries(settings)) {
        if (!/^\w+$/.test(name)) throw new HttpError(115, `Unknown setting ${name} (UNKNOWN_SETTING)`);
        await connection.queryAsync(`SET ${name} = ${quote(value)}`);
      }
      if (database) await connection.queryAsync(`USE ${backquote(database)}`);
    }

    reusable = !/^\s*(SET|USE)\b/i.test(sql);
    const defaultFormat = url.searchParams.get("default_format") || "TabSeparated";
    const isInsert = /^\s*INSERT\b/i.test(sql);
    const format = (!isInsert && /\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(sql)?.[1]) || defaultFormat;
    const result =
      Object.keys(params).length > 0
        ? await native.QueryAsyncConnection(connection.connection, sql, defaultFormat, params)
        : await native.QueryAsyncConnection(connection.connection, sql, defaultFormat);

    // chDB reports no written rows; for an insert of line-delimited data, count its lines.
    const writtenRows = isInsert ? countLines(raw) : 0;
    const summary = {
      read_rows: String(result.rowsRead),
      read_bytes: String(result.bytesRead),
      written_rows: String(writtenRows),
      written_bytes: String(isInsert ? Buffer.byteLength(body) : 0),
      total_rows_to_read: String(result.rowsRead),
      // Exact for the line-per-row formats the client asks for (JSONEachRow, TabSeparated).
      result_rows: String(isInsert ? 0 : countLines(result.bytes)),
      result_bytes: String(result.bytes.length),
      elapsed_ns: String(Math.round(result.elapsed * 1e9)),
    };
    let payload = Buffer.from(result.bytes);
    const headers: Record<string, string> = {
      "Content-Type": /JSON/i.test(format) ? "application/json; charset=UTF-8" : "text/plain; charset=UTF-8",
      "X-ClickHouse-Query-Id": queryId,
      "X-ClickHouse-Format": format,
      "X-ClickHouse-Timezone": "UTC",
      "X-ClickHouse-Summary": JSON.stringify(summary),
    };
    if (
      settings["enable_http_compression"] === "1" &&
      /\bgzip\b/.test(String(req.headers["accept-encoding"]))
    ) {
      payload = gzipSync(payload);
      headers["Content-Encoding"] = "gzip";
    }
    return reply(res, 200, headers, payload);
  } catch (err) {
    const text =
      err instanceof HttpError ? `Code: ${err.code}. DB::Exception: ${err.message}` : errorText(err);
    const code = /^Code: (\d+)\./.exec(text)?.[1] ?? "1001";
    return reply(
      res,
      500,
      {
        "Content-Type": "text/plain; charset=UTF-8",
        "X-ClickHouse-Query-Id": queryId,
        "X-ClickHouse-Exception-Code": code,
      },
      `${text.trim()}\n`,
    );
  } finally {
    // Back to the pool only when the request cannot have changed it (a SET or USE of its own would).
    if (temporary && connection && poolKey !== undefined && reusable) {
      const list = idle.get(poolKey) ?? [];
      if (list.length < POOLED_PER_KEY) {
        list.push(connection);
        idle.set(poolKey, list);
      } else connection.close();
    } else if (temporary) connection?.close();
  }
}

/**
 * Lines that are not empty, counted in the bytes: a crawl's insert is thousands of lines, and
 * splitting it into strings cost this endpoint most of its own CPU (issue 17).
 */
function countLines(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let lines = 0;
  let start = 0;
  for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
    if (end > start) lines++;
    start = end + 1;
  }
  return start < buffer.length ? lines + 1 : lines;
}

function backquote(name: string): string {
  return `\`${name.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // chDB's errors already read "Code: N. DB::Exception: ..."; anything else is this endpoint's own fault.
  return /^Code: \d+\./.test(message) ? message : `Code: 1001. DB::Exception: ${message} (STD_EXCEPTION)`;
}

function reply(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

// Bound queries (param_*) one at a time: they share per-process parameter state in libchdb
// (its own queryBind serializes them too). Every other request runs at once on a connection of
// its own, as the embedded store runs unbound statements: a crawl's inserts do not wait behind
// its progress queries, nor one process's inserts behind another's.
let bound: Promise<void> = Promise.resolve();
const running = new Set<Promise<void>>();
const server = createServer((req, res) => {
  const run = () =>
    handle(req, res).catch((err) => {
      if (!res.headersSent) reply(res, 500, { "Content-Type": "text/plain" }, `${errorText(err)}\n`);
      else res.destroy();
    });
  const params = new URL(req.url ?? "/", "http://127.0.0.1").searchParams;
  const isBound = [...params.keys()].some((key) => key.startsWith("param_"));
  let request: Promise<void>;
  if (isBound) {
    request = bound.then(run);
    bound = request;
  } else request = run();
  running.add(request);
  void request.finally(() => running.delete(request));
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  // Let the running requests finish before the engine goes: closing a busy connection aborts chDB.
  void Promise.allSettled([...running]).finally(() => {
    for (const session of sessions.values()) session.close();
    for (const list of idle.values()) for (const session of list) session.close();
    anchor.close();
    if (deleteDataOnExit) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
