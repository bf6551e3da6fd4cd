// The embedded Store: ClickHouse in this process through chDB, over one local
// data folder. It does not pool, retry or queue: libchdb runs each async call
// on the libuv pool, and one connection takes concurrent calls.

import { constants } from "node:fs";
import { access, mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Session } from "chdb";
import { cgroupMemoryReadable, chdbConnectionArgs } from "./chdb-cgroups.js";
import { chdbMemory } from "./chdb-memory.js";
import { logger } from "./log.js";
import {
  type EncodedRows,
  MEMORY_LIMIT_EXCEEDED,
  type Params,
  type Row,
  type Store,
  StoreError,
  StoreOpenError,
} from "./store.js";
import {
  checkTableName,
  encodeRows,
  INSERT_FORMAT,
  INSERT_SETTINGS,
  parseJsonEachRow,
  STORE_SETTINGS,
  storeErrorFromText,
} from "./store-wire.js";

// libchdb binds one data folder per process. Every store opened on that folder
// gets its own Session (its own native connection: chDB lets connections to the
// same folder coexist), so stores are independent and closing one never breaks
// another. What is counted is the folder binding: while any store is open, a
// different folder is refused with a message naming both; once the last one is
// closed (and chDB has drained its in-flight work) another folder may be opened.
let binding: { dir: string; open: number } | undefined;
let released: Promise<void> = Promise.resolve();
// libchdb (about 160 MB resident once loaded) is loaded by the first store opened, not by
// importing this module: a resolver, prober or geo process never opens the store (issue 17:
// NATS mode's processes each paid it).
let chdb: Promise<typeof import("chdb")> | undefined;
const loadChdb = () => (chdb ??= import("chdb"));

export interface ChdbStoreOptions {
  /** store.max_memory_mb: chDB's memory cap; 0 or absent, chDB's default (90 % of the machine). */
  readonly maxMemoryMb?: number;
}

/** Opens (creating it if missing) the chDB data folder `dataDir` as a Store. */
export async function openChdbStore(dataDir: string, options: ChdbStoreOptions = {}): Promise<Store> {
  const dir = resolve(dataDir);
  if (binding && binding.dir !== dir) {
    throw new StoreError(
      `chDB binds one data folder per process: ${binding.dir} is open (${binding.open} store(s)), ` +
        `so ${dir} cannot be opened; close those stores first, or use a ClickHouse server`,
      "",
    );
  }
  // Claim the folder before the first await so two concurrent opens of
  // different folders cannot both pass the check above.
  const first = binding === undefined;
  binding ??= { dir, open: 0 };
  binding.open += 1;
  let session: Session | undefined;
  try {
    await released;
    await makeDataDir(dir);
    // Another process's chDB or clickhouse-local on this folder: said here in one line, before libchdb
    // prints its own exception to standard error and fails with a generic one.
    const holder = first ? await lockHolder(join(dir, "status")) : undefined;
    if (holder !== undefined)
      throw new StoreOpenError(
        `the store ${dir} is in use by another process (pid ${holder}); stop it, or use a ClickHouse server for both`,
      );
    const { Session } = await loadChdb();
    const memory = chdbMemory(options.maxMemoryMb);
    session = new Session(dir, { connectionArgs: connectionArgs(memory.engineArgs) });
    const store = new ChdbStore(session);
    // SET lasts for the connection, so every later call (bound or not) runs with it.
    for (const [name, value] of Object.entries({ ...STORE_SETTINGS, ...memory.settings })) {
      await store.exec(`SET ${name} = ${typeof value === "string" ? `'${value}'` : value}`);
    }
    return store;
  } catch (err) {
    session?.close();
    release();
    throw err instanceof StoreError
      ? err
      : new StoreOpenError(`cannot open chDB at ${dir}: ${String(err)}`, { cause: err });
  }
}

let engineArgs: string[] | undefined;

/**
 * Decided once per process (the engine starts once, so the first store's memory cap is the
 * process's), logged in one line when it matters.
 */
function connectionArgs(memoryArgs: string[]): string[] {
  if (engineArgs) return engineArgs;
  const readable = cgroupMemoryReadable();
  engineArgs = [...chdbConnectionArgs(readable), ...memoryArgs];
  if (!readable) {
    logger({ service: "store" }).info(
      "no cgroup memory files under /sys/fs/cgroup (network namespace or container): chDB counts its own RSS",
    );
  }
  return engineArgs;
}

async function makeDataDir(dir: string): Promise<void> {
  try {
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined) {
      // The parents recursively, the folder itself not: node's recursive mkdir spins for ever on
      // a path it cannot create under an existing folder (/proc/x).
      await mkdir(dirname(dir), { recursive: true });
      await mkdir(dir);
    } else if (!info.isDirectory()) {
      throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
    }
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "it (or a folder above it) is a file, not a folder"
        : code === "EACCES" || code === "EROFS" || code === "EPERM"
          ? `cannot create it (${code}: not writable)`
          : `cannot create it (${code ?? String(error)})`;
    throw new StoreOpenError(`store.data_dir ${dir}: ${why}`, { cause: error });
  }
}

/** The pid holding a flock(2) on `file` (as ClickHouse does on its status file), from /proc/locks; Linux only. */
async function lockHolder(file: string): Promise<number | undefined> {
  let ino: bigint;
  let locks: string;
  try {
    ino = (await stat(file, { bigint: true })).ino;
    locks = await readFile("/proc/locks", "utf8");
  } catch {
    return undefined;
  }
  for (const line of locks.split("\n")) {
    // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== "FLOCK" || fields[5] === undefined) continue;
    const pid = Number(fields[4]);
    if (BigInt(fields[5].split(":").pop() ?? "-1") === ino && pid !== process.pid) return pid;
  }
  return undefined;
}

function release(): void {
  if (!binding) return;
  binding.open -= 1;
  if (binding.open === 0) {
    binding = undefined;
    // close() returns before a connection still running a query is gone; the
    // next open of another folder must wait for it or chDB refuses.
    released = loadChdb().then(({ drainPending }) => drainPending());
  }
}

class ChdbStore implements Store {
  readonly kind = "chdb";
  #closed = false;

  constructor(private readonly session: Session) {}

  async exec(sql: string, params?: Params): Promise<void> {
    await this.#run(sql, params, "TabSeparated");
  }

  async query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return parseJsonEachRow<T>(await this.#run(sql, params, "JSONEachRow"));
  }

  async insert(table: string, rows: readonly Row[] | EncodedRows): Promise<void> {
    checkTableName(table);
    if (Array.isArray(rows)) {
      for (const encoded of encodeRows(rows)) await this.insert(table, encoded);
      return;
    }
    const { columns, data } = rows as EncodedRows;
    if (data.length === 0) return;
    const sql = `INSERT INTO ${table} (${columns.join(", ")}) FORMAT ${INSERT_FORMAT}`;
    this.#checkOpen(sql);
    try {
      // Raw passthrough: the bytes go to ClickHouse's parser as they are, on a libuv thread.
      await this.session.insert({
        table,
        values: data,
        format: INSERT_FORMAT,
        columns,
        settings: INSERT_SETTINGS,
      });
    } catch (err) {
      throw chdbError(err, sql);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.session.close();
    release();
    await released;
  }

  async #run(sql: string, params: Params | undefined, format: string): Promise<string> {
    this.#checkOpen(sql);
    try {
      // queryBindAsync goes through chDB's process-wide queue for bound queries
      // (parameter state is not per call), so unbound statements skip it.
      const result =
        params && Object.keys(params).length > 0
          ? await this.session.queryBindAsync(sql, params, { format })
          : await this.session.queryAsync(sql, { format });
      return result.text();
    } catch (err) {
      throw chdbError(err, sql);
    }
  }

  #checkOpen(sql: string): void {
    if (this.#closed) throw new StoreError("store is closed", sql);
  }
}

function chdbError(err: unknown, sql: string): StoreError {
  const text = err instanceof Error ? err.message : String(err);
  const error = storeErrorFromText(text, sql, err);
  // Here the engine's cap is the embedded store's own.
  if (error.code !== MEMORY_LIMIT_EXCEEDED) return error;
  return new StoreError(
    `${error.message} (the embedded store's memory cap is store.max_memory_mb; raise it, or 0 for chDB's default)`,
    sql,
    { cause: err, code: error.code },
  );
}
