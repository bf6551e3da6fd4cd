// Where a submitted crawl's domains come from: streamed by the client, a path under the
// operator's api.source_dir, or an http(s) URL (a plain list, a Majestic Million or Tranco
// CSV). Whatever the source, the list is first written to a spool file beside the store, so
// the crawl can be resumed from it after any crash and the client's stream is never held open
// for the length of a crawl. Nothing else on the server is read, and nothing special-purpose
// (loopback, private, link-local, ...) is fetched: source-url.ts guards every hop.

import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, realpath, rm, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  InvalidArgumentError,
  PermissionDeniedError,
  ResourceExhaustedError,
} from "../runtime/api-errors.js";
import { fetchGuarded } from "./source-url.js";

/** The original's run script fetched this list when it was given none; we only name it. */
export const MAJESTIC_MILLION_URL = "https://downloads.majestic.com/majestic_million.csv";

/** A submitted list the server cannot use: INVALID_ARGUMENT over gRPC. */
export class SourceError extends InvalidArgumentError {
  override name = "SourceError";
}

/** A source the configuration does not let a caller name: PERMISSION_DENIED. */
export class SourceRefused extends PermissionDeniedError {
  override name = "SourceRefused";
}

/** A source larger than api.max_source_bytes: RESOURCE_EXHAUSTED. */
export class SourceTooLarge extends ResourceExhaustedError {
  override name = "SourceTooLarge";
}

/** Whether an error is one of the source errors above, told to the client as it is. */
export function isSourceError(error: unknown): error is SourceError | SourceRefused | SourceTooLarge {
  return error instanceof SourceError || error instanceof SourceRefused || error instanceof SourceTooLarge;
}

export interface SourceLimits {
  /** api.source_dir: the only folder a path is read from; "" refuses paths. */
  readonly sourceDir: string;
  /** api.max_source_bytes. */
  readonly maxBytes: number;
  /** api.source_allow_ranges: special-purpose ranges a URL may reach all the same. */
  readonly allowRanges: readonly string[];
  /** api.source_timeout, in milliseconds, for the whole download. */
  readonly timeoutMs: number;
}

export function spoolPath(dataDir: string, crawlId: string): string {
  return join(dataDir, "spool", `${crawlId}.txt`);
}

export function tooLarge(what: string, maxBytes: number): SourceTooLarge {
  return new SourceTooLarge(`${what}: larger than ${maxBytes} bytes (api.max_source_bytes)`);
}

/** Counts the bytes going through; past `maxBytes` it fails with SourceTooLarge. */
export function byteLimit(what: string, maxBytes: number): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? tooLarge(what, maxBytes) : null, chunk);
    },
  });
}

/** Copies a path under api.source_dir or downloads a URL into the spool file. */
export async function spoolSource(source: string, spool: string, limits: SourceLimits): Promise<void> {
  await mkdir(join(spool, ".."), { recursive: true });
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      const body = await fetchGuarded(source, limits);
      await pipeline(body, byteLimit(`source ${source}`, limits.maxBytes), createWriteStream(spool));
    } else {
      const file = await sourceFile(source, limits.sourceDir);
      if ((await stat(file)).size > limits.maxBytes) throw tooLarge(`source ${source}`, limits.maxBytes);
      await pipeline(
        createReadStream(file),
        byteLimit(`source ${source}`, limits.maxBytes),
        createWriteStream(spool),
      );
    }
  } catch (error) {
    await rm(spool, { force: true });
    if (isSourceError(error)) throw error;
    // The body stopped (reset, or past api.source_timeout): told as any other failure to fetch.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source))
      throw new SourceError(
        `source ${source}: cannot fetch it (no answer, or no 2xx reply within api.source_timeout)`,
      );
    throw new SourceError(
      `source ${source}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

/**
 * The file a source path names, inside api.source_dir after every symlink, and a plain file.
 * A path outside is refused before the file system is asked, so the answer tells nothing of
 * what exists elsewhere on the server.
 */
export async function sourceFile(source: string, sourceDir: string): Promise<string> {
  if (sourceDir === "")
    throw new SourceRefused(
      `source ${source}: sources by path are off on this server (api.source_dir is not set); stream the list or give an http(s) URL`,
    );
  const outside = () =>
    new SourceRefused(`source ${source}: not inside the server's source folder (api.source_dir)`);
  const inside = (root: string, path: string) => {
    const rel = relative(root, path);
    return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
  };
  const root = await realpath(sourceDir).catch(() => {
    throw new SourceError(`source ${source}: the server's source folder (api.source_dir) is missing`);
  });
  const named = resolve(root, source);
  if (!inside(root, named)) throw outside();
  let real: string;
  try {
    real = await realpath(named);
  } catch {
    throw new SourceError(`source ${source}: no such file in the server's source folder`);
  }
  if (!inside(root, real)) throw outside();
  if (!(await stat(real)).isFile()) throw new SourceError(`source ${source}: not a file`);
  return real;
}

/** Writes streamed domains to the spool file, one per line, counting bytes against the limit. */
export function spoolWriter(
  spool: string,
  maxBytes: number,
): {
  /** Writes one batch; throws SourceTooLarge once the list passes `maxBytes`. */
  write(domains: readonly string[]): void;
  close(): Promise<void>;
  /** Stops writing and removes the file. */
  discard(): Promise<void>;
} {
  const stream = createWriteStream(spool);
  let bytes = 0;
  return {
    write: (domains) => {
      if (domains.length === 0) return;
      const text = `${domains.join("\n")}\n`;
      bytes += Buffer.byteLength(text);
      if (bytes > maxBytes) throw tooLarge("the streamed list", maxBytes);
      stream.write(text);
    },
    close: () =>
      new Promise((done, fail) => stream.end((error?: Error | null) => (error ? fail(error) : done()))),
    discard: async () => {
      await new Promise<void>((done) => stream.end(() => done()));
      await rm(spool, { force: true });
    },
  };
}
