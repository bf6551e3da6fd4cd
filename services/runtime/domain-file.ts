// Reads a domain list (SPEC section 1): one domain per line, blank lines and
// # comments skipped, duplicates and blocked domains dropped, bad lines
// reported with their number and reason while the rest goes on. Streams, so a
// million-line file is never held whole.

import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { InvalidArgumentError } from "./api-errors.js";
import { normaliseName } from "./domain-name.js";

export interface DomainLine {
  readonly domain: string;
  readonly line: number;
}

export interface Rejected {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

export interface DomainFileReport {
  lines: number;
  accepted: number;
  duplicates: number;
  blocked: number;
  /** Every rejected line is counted; the first 1000 are kept. */
  rejectedCount: number;
  rejected: Rejected[];
}

/** A domain file that cannot be read as one: INVALID_ARGUMENT when a client submitted it. */
export class DomainFileError extends InvalidArgumentError {
  override name = "DomainFileError";
}

/** Reads a block list: a set of normalised names; bad lines are errors naming file and line. */
export async function readBlocklist(path: string): Promise<Set<string>> {
  if (path === "") return new Set();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DomainFileError(
      `block list ${path}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const blocked = new Set<string>();
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const checked = normaliseName(line);
    if (!checked.ok) throw new DomainFileError(`block list ${path}:${index + 1}: ${checked.reason}`);
    blocked.add(checked.name);
  });
  return blocked;
}

export interface ReadOptions {
  readonly blocklist?: ReadonlySet<string>;
  readonly report?: DomainFileReport;
  readonly onReject?: (rejected: Rejected) => void;
  /** At most this many domains are accepted; one more is an error naming the limit. */
  readonly maxDomains?: number;
}

/**
 * Yields the domains of a file in order, each once. `report` is filled as it
 * goes; rejected lines are also passed to onReject as they are met.
 */
export async function* readDomainFile(path: string, options: ReadOptions = {}): AsyncGenerator<DomainLine> {
  try {
    await access(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DomainFileError(
      `domain file ${path}: ${code === "ENOENT" ? "no such file" : `cannot read it (${code})`}`,
    );
  }
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  yield* readDomainLines(lines, path, options);
}

/**
 * The domains of any list of lines: a plain list (one domain per line), or a
 * CSV whose header names a domain column (Majestic Million: GlobalRank,
 * TldRank,Domain,...), or a headerless rank,domain CSV (Tranco).
 */
export async function* readDomainLines(
  lines: AsyncIterable<string> | Iterable<string>,
  source: string,
  options: ReadOptions = {},
): AsyncGenerator<DomainLine> {
  const report = options.report ?? newReport();
  const seen = new Set<string>();
  let number = 0;
  let column: number | undefined;
  let first = true;
  for await (const raw of lines) {
    number++;
    report.lines = number;
    let text = raw.trim();
    if (text === "" || text.startsWith("#")) continue;
    if (first) {
      first = false;
      const header = text.toLowerCase().split(",");
      const named = header.findIndex((cell) => cell.trim().replace(/^"|"$/g, "") === "domain");
      if (named >= 0) {
        column = named;
        continue;
      }
      if (/^\d+,[^,]+$/.test(text)) column = 1;
    }
    if (column !== undefined) {
      const cell = text.split(",")[column];
      if (cell === undefined) {
        reject({
          line: number,
          text: text.slice(0, 100),
          reason: `no column ${column + 1} in this CSV line`,
        });
        continue;
      }
      text = cell.trim().replace(/^"|"$/g, "");
    }
    const checked = normaliseName(text);
    if (!checked.ok) {
      reject({ line: number, text: text.slice(0, 100), reason: checked.reason });
      continue;
    }
    if (options.blocklist?.has(checked.name)) {
      report.blocked++;
      continue;
    }
    if (seen.has(checked.name)) {
      report.duplicates++;
      continue;
    }
    if (options.maxDomains !== undefined && report.accepted >= options.maxDomains)
      throw new DomainFileError(
        `${source}:${number}: more than ${options.maxDomains} domains (the operator's limit)`,
      );
    seen.add(checked.name);
    report.accepted++;
    yield { domain: checked.name, line: number };
  }

  function reject(rejected: Rejected) {
    report.rejectedCount++;
    if (report.rejected.length < 1000) report.rejected.push(rejected);
    options.onReject?.(rejected);
  }
}

export function newReport(): DomainFileReport {
  return { lines: 0, accepted: 0, duplicates: 0, blocked: 0, rejectedCount: 0, rejected: [] };
}
