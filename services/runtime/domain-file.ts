// Reads a domain list (SPEC section 1): one domain per line, blank lines and
// # comments skipped, duplicates and blocked domains dropped, bad lines
// reported with their number and reason while the rest goes on. Streams, so a
// million-line file is never held whole.

import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
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

export class DomainFileError extends Error {
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

/**
 * Yields the domains of a file in order, each once. `report` is filled as it
 * goes; rejected lines are also passed to onReject as they are met.
 */
export async function* readDomainFile(
  path: string,
  options: {
    blocklist?: ReadonlySet<string>;
    report?: DomainFileReport;
    onReject?: (rejected: Rejected) => void;
  } = {},
): AsyncGenerator<DomainLine> {
  try {
    await access(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DomainFileError(
      `domain file ${path}: ${code === "ENOENT" ? "no such file" : `cannot read it (${code})`}`,
    );
  }
  const report = options.report ?? newReport();
  const seen = new Set<string>();
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const raw of lines) {
    number++;
    report.lines = number;
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) continue;
    const checked = normaliseName(text);
    if (!checked.ok) {
      const rejected = { line: number, text: text.slice(0, 100), reason: checked.reason };
      report.rejectedCount++;
      if (report.rejected.length < 1000) report.rejected.push(rejected);
      options.onReject?.(rejected);
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
    seen.add(checked.name);
    report.accepted++;
    yield { domain: checked.name, line: number };
  }
}

export function newReport(): DomainFileReport {
  return { lines: 0, accepted: 0, duplicates: 0, blocked: 0, rejectedCount: 0, rejected: [] };
}
