// Where a submitted crawl's domains come from: streamed by the client, a path
// the server can read, or an http(s) URL (a plain list, a Majestic Million or
// Tranco CSV). Whatever the source, the list is first written to a spool file
// beside the store, so the crawl can be resumed from it after any crash and the
// client's stream is never held open for the length of a crawl.

import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { InvalidArgumentError } from "../runtime/api-errors.js";

/** The original's run script fetched this list when it was given none. */
export const MAJESTIC_MILLION_URL = "https://downloads.majestic.com/majestic_million.csv";

/** A submitted list the server cannot use: INVALID_ARGUMENT over gRPC. */
export class SourceError extends InvalidArgumentError {
  override name = "SourceError";
}

export function spoolPath(dataDir: string, crawlId: string): string {
  return join(dataDir, "spool", `${crawlId}.txt`);
}

/** Copies a path or downloads a URL into the spool file. */
export async function spoolSource(source: string, spool: string, maxBytes: number): Promise<void> {
  await mkdir(join(spool, ".."), { recursive: true });
  if (!/^https?:\/\//i.test(source)) {
    try {
      await copyFile(source, spool);
    } catch (error) {
      throw new SourceError(
        `source ${source}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    return;
  }
  let response: Response;
  try {
    response = await fetch(source, { signal: AbortSignal.timeout(10 * 60_000) });
  } catch (error) {
    throw new SourceError(
      `source ${source}: cannot fetch it (${(error as Error).cause ?? (error as Error).message})`,
    );
  }
  if (!response.ok || !response.body)
    throw new SourceError(`source ${source}: HTTP ${response.status} ${response.statusText}`);
  let bytes = 0;
  const limited = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>).on(
    "data",
    (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes)
        limited.destroy(
          new SourceError(`source ${source}: larger than ${maxBytes} bytes (the operator's limit)`),
        );
    },
  );
  try {
    await pipeline(limited, createWriteStream(spool));
  } catch (error) {
    await rm(spool, { force: true });
    throw error instanceof SourceError
      ? error
      : new SourceError(`source ${source}: ${(error as Error).message}`);
  }
}

/** Writes streamed domains to the spool file, one per line. */
export function spoolWriter(spool: string): {
  write(domains: readonly string[]): void;
  close(): Promise<void>;
} {
  const stream = createWriteStream(spool);
  return {
    write: (domains) => {
      if (domains.length > 0) stream.write(`${domains.join("\n")}\n`);
    },
    close: () =>
      new Promise((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      ),
  };
}
