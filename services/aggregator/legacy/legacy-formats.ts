// The original crawler's text conventions: Python's csv dialect (minimal
// quoting, CRLF), `n/a` for anything unknown, Python's float text, and the
// typed error every legacy reader throws. Pure; no files, no store.

import { isIPv4, isIPv6 } from "node:net";
import { csvCell } from "../csv-cell.js";

/** The original's text for a failed or missing value. */
export const NA = "n/a";

/** A legacy file that does not fit the format: names the file and, where there is one, the line. */
export class LegacyFormatError extends Error {
  override name = "LegacyFormatError";
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    reason: string,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${reason}`);
  }
}

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  readonly line: number;
  readonly fields: string[];
}

/** Records of a file written by Python's csv.writer (excel dialect); a quoted field may span lines. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (;;) {
      const c = text[i];
      if (quoted) {
        if (c === undefined) throw new LegacyFormatError(file, start, "a quoted field is not closed");
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
          continue;
        }
        if (c === "\n") line++;
        field += c;
        i++;
        continue;
      }
      if (c === undefined || c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
        fields.push(field);
        i += c === undefined ? 0 : c === "\r" ? 2 : 1;
        if (c !== undefined) line++;
        break;
      }
      if (c === ",") {
        fields.push(field);
        field = "";
      } else if (c === '"' && field === "") {
        quoted = true;
      } else {
        field += c;
      }
      i++;
    }
    // Python writes no record for an empty row; a blank line is noise, not data.
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: start, fields });
  }
  return records;
}

/** Rows as csv.writer writes them: comma-separated, CRLF after every row, numbers as Python's floats. */
export function formatCsv(rows: readonly (readonly (string | number | null)[])[]): string {
  return rows.map((row) => `${row.map((value) => csvCell(value, pythonFloat)).join(",")}\r\n`).join("");
}

/** A float as Python's str() writes it (10.0, not 10): the original wrote RTTs with str(). */
export function pythonFloat(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? `${value}.0` : String(value);
}

/** The original's value or null for `n/a` (and for the empty field, Python's None). */
export function known(text: string): string | null {
  return text === NA || text === "" ? null : text;
}

export function orNa(value: string | number | null | undefined): string | number {
  return value === null || value === undefined || value === "" ? NA : value;
}

/** Field readers that throw LegacyFormatError naming the file, line and column. */
export class FieldReader {
  constructor(
    readonly file: string,
    readonly line: number,
  ) {}

  fail(reason: string): never {
    throw new LegacyFormatError(this.file, this.line, reason);
  }

  number(text: string, column: string): number | null {
    const value = known(text);
    if (value === null) return null;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || value.trim() === "")
      this.fail(`${column}: ${JSON.stringify(text)} is not a number`);
    return parsed;
  }

  integer(text: string, column: string): number | null {
    const parsed = this.number(text, column);
    if (parsed !== null && (!Number.isInteger(parsed) || parsed < 0))
      this.fail(`${column}: ${JSON.stringify(text)} is not a whole number`);
    return parsed;
  }

  /** The original's "True"/"False" strings (and SQLite's 1/0). */
  flag(text: string, column: string): boolean | null {
    const value = known(text);
    if (value === null) return null;
    if (value === "True" || value === "1") return true;
    if (value === "False" || value === "0") return false;
    return this.fail(`${column}: ${JSON.stringify(text)} is neither True nor False`);
  }

  ip(text: string, family: 4 | 6, column: string): string | null {
    const value = known(text);
    if (value === null) return null;
    if (family === 4 ? !isIPv4(value) : !isIPv6(value))
      this.fail(`${column}: ${JSON.stringify(text)} is not an IPv${family} address`);
    return value;
  }

  name(text: string, column: string): string | null {
    const value = known(text);
    if (value === null) return null;
    const name = hostName(value);
    if (!/^[a-z0-9_*-]+(\.[a-z0-9_-]+)*$/.test(name))
      this.fail(`${column}: ${JSON.stringify(text)} is not a domain name`);
    return name;
  }

  domain(text: string, column = "domain"): string {
    return this.name(text, column) ?? this.fail(`${column}: missing`);
  }
}

/** A host name as this project stores it: lower case, no trailing dot (the original kept
 * dnspython's absolute form, `mx.example.com.`, for NS and MX hosts). */
export function hostName(text: string): string {
  return text.trim().toLowerCase().replace(/\.$/, "");
}

/** The TLD rule of SPEC 1 (and of the original): the last label. */
export function tldOf(domain: string): string {
  return domain.split(".").pop()!;
}

/** `2021-01-01__17-00-00`, the original's run directory name (utils.timeStamp), to date and time. */
export function parseRunName(run: string): { date: string; startedAt: string } | null {
  const match = /^(\d{4}-\d{2}-\d{2})__(\d{2})-(\d{2})-(\d{2})$/.exec(run);
  if (!match) return null;
  return { date: match[1]!, startedAt: `${match[1]} ${match[2]}:${match[3]}:${match[4]}.000` };
}

/** The run directory name for a crawl started at `startedAt` (ClickHouse DateTime64 text), dated `date`. */
export function runName(date: string, startedAt: string): string {
  const time = /(\d{2}):(\d{2}):(\d{2})/.exec(startedAt);
  return `${date}__${time ? `${time[1]}-${time[2]}-${time[3]}` : "00-00-00"}`;
}
