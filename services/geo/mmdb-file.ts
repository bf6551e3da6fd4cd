// One MaxMind DB file, kept current: read and checked whole before use, watched (fs.watch on its
// folder, and a stat poll for file systems without inotify), and swapped only for a replacement
// that passes the same checks; a bad replacement leaves the edition in use. Knows nothing of
// what the records mean (geo-lookup.ts) or of folders of files (mmdb-reader.ts).

import { type FSWatcher, readFileSync, statSync, watch } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { Reader } from "mmdb-lib";
import type { Logger } from "../runtime/log.js";
import { parseAddress, TreeWalker } from "./mmdb-tree.js";

/** A database file that cannot be used, with the file in the message. */
export class GeoDatabaseError extends Error {
  override name = "GeoDatabaseError";
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`geo database ${file}: ${reason}`);
  }
}

export type DatabaseKind = "City" | "ASN";

/** What happened when a changed file was looked at; for logs and tests. */
export type ReloadEvent =
  | { readonly file: string; readonly outcome: "loaded"; readonly epoch: number }
  | { readonly file: string; readonly outcome: "rejected"; readonly error: GeoDatabaseError };

export interface WatchOptions {
  /** Quiet time after the last change before the file is read (a copy may still be writing). */
  readonly settleMs?: number;
  /** Stat poll, the safety net where fs.watch sees nothing (NFS, some container mounts). */
  readonly pollMs?: number;
  readonly onReload?: (event: ReloadEvent) => void;
}

/**
 * Decoded records kept by data offset, so a hot network is decoded once. Two generations
 * instead of an LRU list: a full young generation becomes the old one, so eviction is O(1)
 * and look-ups stay cheap at hundreds of thousands per second.
 */
export class RecordCache {
  private young = new Map<string | number, unknown>();
  private old = new Map<string | number, unknown>();
  constructor(private readonly generation: number) {}
  get(key: string | number): unknown {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }
  set(key: string | number, value: unknown): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}

/** Records cached per edition (two generations of this many). */
export const cacheGeneration = 50_000;

type MmdbRecord = Record<string, unknown>;

/**
 * mmdb-lib's decoding of the data a tree walk ended on (Reader.resolveDataPointer): private in
 * its types, so reached by name, and checked at open. The tree walk is ours (mmdb-tree.ts: it
 * takes the bytes the caller parsed, where Reader.get parses text again); decoding stays mmdb-lib's.
 */
function decode(reader: Reader<MmdbRecord>, pointer: number): MmdbRecord {
  return reader["resolveDataPointer"](pointer) as MmdbRecord;
}

interface Edition {
  readonly reader: Reader<MmdbRecord>;
  readonly walker: TreeWalker;
  readonly epoch: number;
  readonly ipVersion: 4 | 6;
  readonly databaseType: string;
  /** inode, size and mtime: a file with the same signature is not read again. */
  readonly signature: string;
}

const signatureOf = (s: { ino: number; size: number; mtimeMs: number }) => `${s.ino}:${s.size}:${s.mtimeMs}`;

/** Probes run against every edition before use: a corrupt tree or data section fails here. */
const probes = {
  4: ["0.0.0.0", "1.1.1.1", "8.8.8.8", "203.0.113.1", "255.255.255.255"],
  6: ["::", "2001:db8::1", "2a00:1450::1", "ffff::1"],
};

type FileInfo = { ino: number; size: number; mtimeMs: number; isDirectory(): boolean };

function readFailure(file: string, error: unknown): GeoDatabaseError {
  if (error instanceof GeoDatabaseError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(error);
  return new GeoDatabaseError(file, `cannot read it: ${why}`);
}

const notAFolder = (file: string, info: FileInfo) => {
  if (info.isDirectory()) throw new GeoDatabaseError(file, "is a folder, expected a .mmdb file");
};

/** Reads and checks one file at start (synchronously: nothing runs before it is open). */
function readEditionSync(file: string, kind: DatabaseKind): Edition {
  let info: FileInfo;
  let data: Buffer;
  try {
    info = statSync(file);
    notAFolder(file, info);
    data = readFileSync(file);
  } catch (error) {
    throw readFailure(file, error);
  }
  return checkEdition(file, kind, data, info);
}

/** Reads and checks a replacement while the service runs. */
async function readEdition(file: string, kind: DatabaseKind): Promise<Edition> {
  let info: FileInfo;
  let data: Buffer;
  try {
    info = await stat(file);
    notAFolder(file, info);
    data = await readFile(file);
  } catch (error) {
    throw readFailure(file, error);
  }
  return checkEdition(file, kind, data, info);
}

/** Checks a file's bytes; throws GeoDatabaseError saying what is wrong with it. */
function checkEdition(file: string, kind: DatabaseKind, data: Buffer, info: FileInfo): Edition {
  if (data.length === 0) throw new GeoDatabaseError(file, "is empty");
  if (data[0] === 0x1f && data[1] === 0x8b)
    throw new GeoDatabaseError(file, "is gzip-compressed; unpack it first (gunzip, or tar xzf for .tar.gz)");
  let reader: Reader<MmdbRecord>;
  try {
    reader = new Reader<MmdbRecord>(data, { cache: new RecordCache(cacheGeneration) });
  } catch (error) {
    // Metadata sits at the end of the file, so a truncated copy fails here.
    throw new GeoDatabaseError(
      file,
      `not a MaxMind DB file, or truncated (${(error as Error).message}); ${data.length} bytes`,
    );
  }
  const { metadata } = reader;
  const ipVersion = metadata.ipVersion;
  if (ipVersion !== 4 && ipVersion !== 6)
    throw new GeoDatabaseError(file, `unexpected ip_version ${String(ipVersion)} in its metadata`);
  if (![24, 28, 32].includes(metadata.recordSize))
    throw new GeoDatabaseError(file, `unexpected record_size ${metadata.recordSize} in its metadata`);
  if (metadata.searchTreeSize + 16 > data.length)
    throw new GeoDatabaseError(
      file,
      `truncated: its search tree alone needs ${metadata.searchTreeSize} bytes`,
    );
  // Name the mix-up of the two keys instead of returning empty facts for every address.
  const asnLike = /asn|isp/i.test(metadata.databaseType);
  if (kind === "City" && asnLike)
    throw new GeoDatabaseError(
      file,
      `is a ${metadata.databaseType} database; geoip.citydb needs a City (or Country) one`,
    );
  if (kind === "ASN" && /city|country/i.test(metadata.databaseType) && !asnLike)
    throw new GeoDatabaseError(file, `is a ${metadata.databaseType} database; geoip.asndb needs an ASN one`);
  if (typeof reader["resolveDataPointer"] !== "function")
    throw new GeoDatabaseError(file, "this version of mmdb-lib has no resolveDataPointer; see mmdb-tree.ts");
  const walker = new TreeWalker(data, metadata);
  const addresses = ipVersion === 4 ? probes[4] : [...probes[4], ...probes[6]];
  for (const address of addresses) {
    try {
      // Our walk and mmdb-lib's must agree: a corrupt tree or data section, or a change in
      // mmdb-lib, shows up here instead of as wrong answers.
      const ours = lookupIn(reader, walker, ipVersion, address);
      const theirs = reader.get(address);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error("the two readers disagree");
    } catch (error) {
      throw new GeoDatabaseError(file, `corrupt: looking up ${address} failed: ${(error as Error).message}`);
    }
  }
  const epoch = Math.floor(metadata.buildEpoch.getTime() / 1000);
  if (!Number.isFinite(epoch)) throw new GeoDatabaseError(file, "its metadata has no valid build_epoch");
  return {
    reader,
    walker,
    epoch,
    ipVersion,
    databaseType: metadata.databaseType,
    signature: signatureOf(info),
  };
}

const scratch = new Uint8Array(16);

function lookupIn(
  reader: Reader<MmdbRecord>,
  walker: TreeWalker,
  ipVersion: 4 | 6,
  ip: string,
): MmdbRecord | null {
  const length = parseAddress(ip, scratch);
  if (length === 0) throw new Error(`${ip} is not an address`);
  if (length === 16 && ipVersion === 4) return null;
  const pointer = walker.find(scratch, length);
  return pointer === 0 ? null : decode(reader, pointer);
}

/** One file of a database, with the edition in use. */
export class MmdbFile {
  private edition: Edition;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  /** The signature of the last file rejected, so one bad file is reported once, not every poll. */
  private rejected = "";
  private closed = false;

  private constructor(
    readonly file: string,
    readonly kind: DatabaseKind,
    first: Edition,
    private readonly log: Logger,
    private readonly options: WatchOptions,
  ) {
    this.edition = first;
  }

  /** Opens and checks the file; a bad one throws GeoDatabaseError naming it (at start, that stops the service). */
  static open(file: string, kind: DatabaseKind, log: Logger, options: WatchOptions = {}): MmdbFile {
    const opened = new MmdbFile(file, kind, readEditionSync(file, kind), log, options);
    opened.startWatching();
    return opened;
  }

  get epoch(): number {
    return this.edition.epoch;
  }
  get ipVersion(): 4 | 6 {
    return this.edition.ipVersion;
  }
  get databaseType(): string {
    return this.edition.databaseType;
  }

  /**
   * The record for an address parsed by parseAddress (4 or 16 bytes), or null when the database
   * does not know it; with the epoch of the edition that answered.
   */
  lookup(address: Uint8Array, length: 4 | 16): { record: MmdbRecord | null; epoch: number } {
    const edition = this.edition;
    // An IPv4 tree would answer a 16-byte address from its first 32 bits: never ask it.
    if (length === 16 && edition.ipVersion === 4) return { record: null, epoch: edition.epoch };
    const pointer = edition.walker.find(address, length);
    return {
      record: pointer === 0 ? null : decode(edition.reader, pointer),
      epoch: edition.epoch,
    };
  }

  /** The same for address text (tests, tools); throws for text that is not an address. */
  get(ip: string): { record: MmdbRecord | null; epoch: number } {
    const edition = this.edition;
    return { record: lookupIn(edition.reader, edition.walker, edition.ipVersion, ip), epoch: edition.epoch };
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.settle);
  }

  private startWatching(): void {
    const name = basename(this.file);
    try {
      // The folder, not the file: a replacement by rename (as geoipupdate does it) gives the
      // path a new inode that a watch on the old one would never see.
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.changed();
      });
      this.watcher.on("error", (error) => {
        this.log.warn({ file: this.file, error: String(error) }, "geo database watch failed; polling only");
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (error) {
      this.log.warn({ file: this.file, error: String(error) }, "cannot watch the geo database; polling only");
    }
    this.poll = setInterval(() => this.changed(), this.options.pollMs ?? 10_000);
    this.poll.unref();
  }

  /** Called on every hint of a change; the file is looked at once it has been quiet a while. */
  private changed(): void {
    if (this.closed) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => void this.check(), this.options.settleMs ?? 250);
    this.settle.unref();
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = this.reloadIfChanged().finally(() => {
      this.checking = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.changed();
      }
    });
    await this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    let signature: string;
    try {
      signature = signatureOf(await stat(this.file));
    } catch {
      // Gone for now (between unlink and rename, or removed): keep the edition in use, and say
      // so once; the poll looks again.
      if (this.rejected !== "missing") {
        this.rejected = "missing";
        this.reject(new GeoDatabaseError(this.file, "disappeared; the loaded edition stays in use"));
      }
      return;
    }
    if (signature === this.edition.signature || signature === this.rejected) return;
    try {
      const next = await readEdition(this.file, this.kind);
      if (this.closed) return;
      const previous = this.edition.epoch;
      this.edition = next;
      this.rejected = "";
      this.log.info(
        { file: this.file, epoch: next.epoch, previous, databaseType: next.databaseType },
        "geo database reloaded",
      );
      this.options.onReload?.({ file: this.file, outcome: "loaded", epoch: next.epoch });
    } catch (error) {
      this.rejected = signature;
      this.reject(error instanceof GeoDatabaseError ? error : new GeoDatabaseError(this.file, String(error)));
    }
  }

  private reject(error: GeoDatabaseError): void {
    this.log.error(
      { file: this.file, epoch: this.edition.epoch, error: error.message },
      "geo database replacement rejected; the loaded edition stays in use",
    );
    this.options.onReload?.({ file: this.file, outcome: "rejected", error });
  }
}
