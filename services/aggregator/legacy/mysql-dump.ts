// Parses a mysqldump of the original's summary tables (webserver/ipv6matrix.sql:
// HostData, Reachability, Domains, DomainPenetration) into this project's
// summary rows, a statement at a time (dump-statements.ts), so that neither the
// dump nor its rows are ever held whole. Pure; the rows carry no crawl id yet.
// Decision 011: why ClickHouse's MySQLDump format does not read it instead.

import type { Row } from "../../runtime/store.js";
import { type DumpStatement, LineCounter, StatementSplitter } from "./dump-statements.js";
import { LegacyFormatError, tldOf } from "./legacy-formats.js";

type Kind = "date" | "country" | "text" | "count" | "float" | "ratio";

interface LegacyTable {
  readonly target: "host_data" | "reachability" | "domains" | "domain_penetration";
  /** Column order of ipv6matrix.sql, used when the dump has no CREATE TABLE. */
  readonly columns: readonly string[];
  readonly kinds: Readonly<Record<string, Kind>>;
}

const counts = (...names: string[]) => Object.fromEntries(names.map((name) => [name, "count" as Kind]));

const legacyTables: Readonly<Record<string, LegacyTable>> = {
  HostData: {
    target: "host_data",
    columns:
      "date country tld type hosts hosts4 hosts6 dualstack noip pinghosts faster ping4 ping6 pathhosts fewer hops4 hops6".split(
        " ",
      ),
    kinds: {
      date: "date",
      country: "country",
      tld: "text",
      type: "text",
      ...counts(
        "hosts",
        "hosts4",
        "hosts6",
        "dualstack",
        "noip",
        "pinghosts",
        "faster",
        "pathhosts",
        "fewer",
        "hops4",
        "hops6",
      ),
      ping4: "float",
      ping6: "float",
    },
  },
  Reachability: {
    target: "reachability",
    columns: "date country tld service hosts4 hosts6 reach4 reach6".split(" "),
    kinds: {
      date: "date",
      country: "country",
      tld: "text",
      service: "text",
      ...counts("hosts4", "hosts6", "reach4", "reach6"),
    },
  },
  Domains: {
    target: "domains",
    columns: (
      "date domain country www_hosts www_hosts6 mx_hosts mx_hosts6 ns_hosts ns_hosts6 ntp_hosts ntp_hosts6 " +
      "http4 http6 https4 https6 smtp4 smtp6 faster pingratio fewer hopratio"
    ).split(" "),
    kinds: {
      date: "date",
      domain: "text",
      country: "country",
      ...counts(
        "www_hosts",
        "www_hosts6",
        "mx_hosts",
        "mx_hosts6",
        "ns_hosts",
        "ns_hosts6",
        "ntp_hosts",
        "ntp_hosts6",
      ),
      ...counts("http4", "http6", "https4", "https6", "smtp4", "smtp6", "faster", "fewer"),
      pingratio: "ratio",
      hopratio: "ratio",
    },
  },
  DomainPenetration: {
    target: "domain_penetration",
    columns: "date country tld domains domains6 www mx ns ntp".split(" "),
    kinds: {
      date: "date",
      country: "country",
      tld: "text",
      ...counts("domains", "domains6", "www", "mx", "ns", "ntp"),
    },
  },
};

export type SummaryTable = LegacyTable["target"];

/** One summary row of the dump, with the table it goes to. */
export interface DumpRow {
  readonly table: SummaryTable;
  readonly row: Row;
}

type Value = string | number | null;

/** A dump's lines without their line ends: a file read line by line, or a string split. */
export type DumpLines = Iterable<string> | AsyncIterable<string>;

/**
 * The summary rows of a dump, those of one INSERT statement at a time; the first row that
 * does not fit is an error naming file and line. Tables this project does not keep are added
 * to `skipped`. Holds one statement, never the dump.
 */
export async function* dumpRows(
  lines: DumpLines,
  file: string,
  skipped: Set<string>,
): AsyncGenerator<DumpRow[]> {
  const created = new Map<string, string[]>();
  const rowsOf = (statement: DumpStatement): DumpRow[] => {
    const { sql } = statement;
    const create = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?\s*\(([\s\S]*)\)/i.exec(sql);
    if (create) {
      const names = [...create[2]!.matchAll(/^\s*`(\w+)`\s+\w/gm)].map((m) => m[1]!);
      created.set(create[1]!, names);
      return [];
    }
    const insert =
      /^\s*(?:INSERT(?:\s+IGNORE)?|REPLACE)\s+INTO\s+`?(\w+)`?\s*(\(([^)]*)\))?\s*VALUES\s*/i.exec(sql);
    if (!insert) return [];
    const table = legacyTables[insert[1]!];
    if (!table) {
      skipped.add(insert[1]!);
      return [];
    }
    const columns = insert[3]
      ? insert[3].split(",").map((name) => name.trim().replace(/`/g, ""))
      : (created.get(insert[1]!) ?? table.columns);
    const rows: DumpRow[] = [];
    for (const { values, at } of tuples(statement, insert[0].length, file)) {
      if (values.length !== columns.length)
        throw new LegacyFormatError(
          file,
          at,
          `${insert[1]}: ${values.length} values for ${columns.length} columns`,
        );
      rows.push({ table: table.target, row: toRow(table, columns, values, file, at) });
    }
    return rows;
  };
  const splitter = new StatementSplitter();
  for await (const line of lines)
    for (const statement of splitter.line(line)) {
      const rows = rowsOf(statement);
      if (rows.length > 0) yield rows;
    }
  for (const statement of splitter.end()) {
    const rows = rowsOf(statement);
    if (rows.length > 0) yield rows;
  }
}

const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/** The (...) tuples after VALUES, each with the line it starts on. */
function* tuples(
  statement: DumpStatement,
  from: number,
  file: string,
): Generator<{ values: Value[]; at: number }> {
  const { sql } = statement;
  const lines = new LineCounter(statement);
  let i = from;
  const fail = (reason: string): never => {
    throw new LegacyFormatError(file, lines.lineAt(i), reason);
  };
  const skipSpace = () => {
    while (i < sql.length && isSpace(sql.charCodeAt(i))) i++;
  };
  const number = /NULL|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/iy;
  for (;;) {
    skipSpace();
    if (i >= sql.length) return;
    if (sql[i] !== "(") fail(`expected ( at ${JSON.stringify(sql.slice(i, i + 20))}`);
    const at = lines.lineAt(i);
    i++;
    const values: Value[] = [];
    for (;;) {
      skipSpace();
      if (sql[i] === "'") {
        let value = "";
        let start = ++i;
        while (i < sql.length && sql[i] !== "'") {
          if (sql[i] === "\\") {
            const e = sql[i + 1] ?? "";
            value += sql.slice(start, i) + ({ n: "\n", r: "\r", t: "\t", "0": "\0", Z: "\x1a" }[e] ?? e);
            i += 2;
            start = i;
          } else i++;
        }
        if (i >= sql.length) fail("a quoted value is not closed");
        values.push(value + sql.slice(start, i));
        i++;
      } else {
        number.lastIndex = i;
        const m = number.exec(sql);
        if (!m) fail(`expected a value at ${JSON.stringify(sql.slice(i, i + 20))}`);
        values.push(m![0].toUpperCase() === "NULL" ? null : Number(m![0]));
        i += m![0].length;
      }
      skipSpace();
      if (sql[i] === ",") i++;
      else if (sql[i] === ")") {
        i++;
        break;
      } else fail(`expected , or ) at ${JSON.stringify(sql.slice(i, i + 20))}`);
    }
    yield { values, at };
    skipSpace();
    if (sql[i] === ",") i++;
  }
}

function toRow(
  table: LegacyTable,
  columns: readonly string[],
  values: Value[],
  file: string,
  at: number,
): Row {
  const row: Row = {};
  const fail = (reason: string): never => {
    throw new LegacyFormatError(file, at, reason);
  };
  columns.forEach((column, index) => {
    const kind = table.kinds[column];
    if (!kind) return; // a column this project does not keep
    const value = values[index] ?? null;
    if (kind === "date") {
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value))
        fail(`${column}: ${JSON.stringify(value)} is not a date`);
      row[column] = value;
    } else if (kind === "country") {
      // HostData.country defaults to ''; n/a was written as ZZ by output.py.
      const text = String(value ?? "").toUpperCase() || "ZZ";
      if (!/^[A-Z]{2}$/.test(text)) fail(`${column}: ${JSON.stringify(value)} is not a country code`);
      row[column] = text;
    } else if (kind === "text") {
      if (typeof value !== "string" || value === "") fail(`${column}: ${JSON.stringify(value)}`);
      row[column] = value;
    } else {
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (
        typeof number !== "number" ||
        !Number.isFinite(number) ||
        (kind === "count" && (!Number.isInteger(number) || number < 0))
      )
        fail(
          `${column}: ${JSON.stringify(value)} is not ${kind === "count" ? "a whole number" : "a number"}`,
        );
      // A ratio of 0 is the original's IFNULL(..., 0): no host with both measures, NULL here.
      row[column] = kind === "ratio" && number === 0 ? null : number;
    }
  });
  for (const [column, kind] of Object.entries(table.kinds))
    if (!(column in row)) {
      if (kind === "date" || kind === "text") fail(`no ${column} column`);
      row[column] = kind === "country" ? "ZZ" : kind === "ratio" ? null : 0;
    }
  if (table.target === "domains") row["tld"] = tldOf(row["domain"] as string);
  if (table.target === "host_data" && !["MX", "NS", "WWW", "NTP"].includes(row["type"] as string))
    fail(`type ${JSON.stringify(row["type"])} is not MX, NS, WWW or NTP`);
  if (table.target === "reachability") {
    // The original called SMTP (port 25 on MX hosts) SMTPS.
    if (row["service"] === "SMTPS") row["service"] = "SMTP";
    if (!["HTTP", "HTTPS", "SMTP"].includes(row["service"] as string))
      fail(`service ${JSON.stringify(row["service"])}`);
  }
  return row;
}
