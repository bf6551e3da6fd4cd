// Compares what a crawl of a lab scenario exported with the scenario's
// hand-written expectations (scenarios/<name>.expected.yaml). Used by the lab
// end-to-end test and by `npm run demo`. It computes nothing itself: every
// expected value comes from the file; "any" matches whatever was measured
// (the lab cannot shape RTTs). Every expected key is a column of the export
// (or named below as a note for the reader): a key the export does not have
// is a failure, never skipped.

import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type Row = Record<string, unknown>;
export type Tables = Record<string, Row[]>;

/** The exports a comparison needs. */
export const exportedTables = [
  "jobs",
  "soa",
  "hosts",
  "addresses",
  "hostdata",
  "reachability",
  "domains",
  "penetration",
  "dns6_chains",
  "web_parity",
];

function same(expected: unknown, actual: unknown): boolean {
  if (expected === "any") return true;
  // A measured value the lab can bound but not fix (an NTP offset on the shared clock).
  if (expected !== null && typeof expected === "object" && "abs_below" in expected)
    return typeof actual === "number" && Math.abs(actual) < Number(expected.abs_below);
  if (Array.isArray(expected))
    return Array.isArray(actual) && JSON.stringify(expected) === JSON.stringify(actual);
  if (expected === null || expected === undefined)
    return actual === null || actual === undefined || actual === "";
  if (typeof expected === "number") return typeof actual === "number" && Math.abs(expected - actual) < 1e-4;
  if (typeof expected === "boolean") return actual === (expected ? 1 : 0) || actual === expected;
  return String(expected) === String(actual);
}

export function rowDiff(what: string, expected: Row, actual: Row | undefined): string[] {
  if (!actual) return [`${what}: no such row`];
  return Object.entries(expected)
    .filter(([column, value]) => !(column in actual) || !same(value, actual[column]))
    .map(([column, value]) =>
      column in actual
        ? `${what}: ${column} expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[column])}`
        : `${what}: ${column} expected ${JSON.stringify(value)}, but the export has no such column`,
    );
}

/** The words of a space-joined export cell ("" is none). */
const words = (cell: unknown): string[] =>
  String(cell ?? "")
    .split(" ")
    .filter(Boolean);

const byText = (a: unknown, b: unknown) => String(a).localeCompare(String(b));

export function checkJobs(expected: Row, tables: Tables): string[] {
  const problems: string[] = [];
  const domains = expected["domains"] as Record<string, { jobs?: unknown[][]; soa?: Row | string }>;
  for (const [domain, want] of Object.entries(domains)) {
    if (want.jobs) {
      // A failed look-up is a row without a host: [type, null, 0, outcome] (NXDOMAIN, SERVFAIL, ...).
      const got = tables["jobs"]!.filter((row) => row["domain"] === domain)
        .map((row) =>
          row["host"] === ""
            ? [row["type"], null, row["priority"], row["outcome"]]
            : [row["type"], row["host"], row["priority"]],
        )
        .sort(byText);
      const wanted = [...want.jobs].sort(byText);
      if (JSON.stringify(got) !== JSON.stringify(wanted))
        problems.push(`${domain} jobs: expected ${JSON.stringify(wanted)}, got ${JSON.stringify(got)}`);
    }
    const soa = tables["soa"]!.find((row) => row["domain"] === domain);
    if (typeof want.soa === "string") {
      if (soa?.["outcome"] !== want.soa)
        problems.push(`${domain} soa: expected ${want.soa}, got ${soa?.["outcome"]}`);
    } else if (want.soa) problems.push(...rowDiff(`${domain} soa`, want.soa, soa));
  }
  return problems;
}

export function checkHosts(expected: Row, tables: Tables): string[] {
  const problems: string[] = [];
  const hosts = expected["hosts"] as Record<string, Row>;
  for (const [host, want] of Object.entries(hosts)) {
    const row = tables["hosts"]!.find((r) => r["host"] === host);
    if (!row) {
      problems.push(`host ${host}: not resolved`);
      continue;
    }
    const v6 = words(row["ipv6"]);
    // aaaa_count / aaaa_first: a long answer told by its size and its first address.
    const actual: Row = {
      a: words(row["ipv4"]),
      aaaa: v6,
      aaaa_count: v6.length,
      aaaa_first: v6[0],
      cname_chain: words(row["cname_chain"]),
      a_outcome: row["a_outcome"],
      aaaa_outcome: row["aaaa_outcome"],
      a_rcode: row["a_rcode"],
      aaaa_rcode: row["aaaa_rcode"],
      // Per address, parallel to a / aaaa (issue 15 items 8 and 9): validity, ip6Type, prefix entry.
      valid4: words(row["valid4"]).map(Number),
      valid6: words(row["valid6"]).map(Number),
      ip6_types: words(row["ip6_types"]),
      prefix_ids: words(row["prefix_ids"]),
      prefix_names: String(row["prefix_names"] ?? "")
        .split(" | ")
        .filter(Boolean),
    };
    problems.push(...rowDiff(`host ${host}`, want, actual));
  }
  return problems;
}

export function checkAddresses(expected: Row, tables: Tables): string[] {
  const problems: string[] = [];
  for (const [ip, want] of Object.entries(expected["addresses"] as Record<string, Row>)) {
    const row = tables["addresses"]!.find((r) => r["ip"] === ip);
    if (!row) {
      problems.push(`address ${ip}: not measured`);
      continue;
    }
    // The host the address is measured for: a host row that has it, under its own name or at
    // the end of its CNAME chain (www.charlie.com -> edge.cdnprov.net).
    const owners = tables["hosts"]!.filter((h) =>
      [...words(h["ipv4"]), ...words(h["ipv6"])].includes(ip),
    ).flatMap((h) => [String(h["host"]), ...words(h["cname_chain"]).slice(-1)]);
    const actual: Row = {
      host: owners.includes(String(want["host"])) ? want["host"] : owners.join(" "),
      // A PTR name, or the outcome of the look-up when there is none (NXDOMAIN, ...).
      rdns: row["rdns"] || row["rdns_outcome"],
      ip6Type: row["ip6_type"],
      valid: row["valid"] === 1,
      prefixId: row["prefix_id"],
      prefixName: row["prefix_name"],
      ping: Number(row["ping_received"]) > 0,
      tcp80: row["tcp80"],
      tcp443: row["tcp443"],
      tcp25: row["tcp25"],
      starttls: row["starttls"] === 1,
      // The SMTP outcome, apart from tcp25: the last step tried and how it failed ("ok").
      smtp: `${row["smtp_step"] ?? "(no smtp_step column)"} ${row["smtp_failure"] || "ok"}`,
      hops: row["trace_hops"] ?? 0,
      pmtu: row["mtu"],
      // The NTP probe (issue 19): `answered stratum N`, else the failure (and a kiss code);
      // not_measured where the metric was off or the address not probed.
      ntp:
        row["ntp_measured"] === 1
          ? row["ntp_answered"] === 1
            ? `answered stratum ${row["ntp_stratum"]}`
            : `${row["ntp_failure"]}${row["ntp_kiss"] ? ` ${row["ntp_kiss"]}` : ""}`
          : "not_measured",
      ntp_offset_ms: row["ntp_offset_ms"],
      // The responders, by PTR name where they have one ("*" where none answered), and which
      // probes reached the destination: icmp, udp or tcp (issue 15 items 1 and 4).
      path: words(row["trace_path"]),
      trace_method: row["trace_method"],
    };
    for (const column of ["smtp_step", "trace_path"] as const)
      if (!(column in row)) delete actual[column === "smtp_step" ? "smtp" : "path"];
    problems.push(...rowDiff(`address ${ip}`, want, actual));
  }
  return problems;
}

export function checkKeyed(
  name: string,
  table: string,
  keys: string[],
  expected: Row,
  tables: Tables,
): string[] {
  const wanted = expected[name] as Row[];
  const problems = wanted.flatMap((want) =>
    rowDiff(
      `${name} ${keys.map((key) => want[key]).join(" ")}`,
      want,
      tables[table]!.find((row) => keys.every((key) => row[key] === want[key])),
    ),
  );
  if (tables[table]!.length !== wanted.length)
    problems.push(`${name}: expected ${wanted.length} rows, got ${tables[table]!.length}`);
  return problems;
}

export function checkSummaries(expected: Row, tables: Tables): Record<string, string[]> {
  const domains = Object.entries(expected["Domains"] as Record<string, Row>).flatMap(([domain, want]) => {
    // Notes for the reader, not columns: how many of the domain's hosts faster/pingratio and
    // fewer/hopratio are over.
    const { pinghosts: _p, pathhosts: _q, ...columns } = want;
    return rowDiff(
      `Domains ${domain}`,
      columns,
      tables["domains"]!.find((row) => row["domain"] === domain),
    );
  });
  return {
    HostData: checkKeyed("HostData", "hostdata", ["tld", "type", "country"], expected, tables),
    Reachability: checkKeyed("Reachability", "reachability", ["tld", "service", "country"], expected, tables),
    Domains: domains,
    DomainPenetration: checkKeyed("DomainPenetration", "penetration", ["tld", "country"], expected, tables),
  };
}

/**
 * dns6_chains (issue 19): each domain's row as written, cuts and cut_servers as lists (the export
 * space-joins them), and no row for a domain the file does not name.
 */
export function checkDns6(expected: Row, tables: Tables): string[] {
  const wanted = (expected["dns6_chains"] ?? {}) as Record<string, Row>;
  const rows = tables["dns6_chains"]!;
  const problems = Object.entries(wanted).flatMap(([domain, want]) => {
    const row = rows.find((r) => r["domain"] === domain);
    const actual = row && {
      ...row,
      cuts: words(row["cuts"]),
      cut_servers: words(row["cut_servers"]).map(Number),
    };
    return rowDiff(`dns6_chains ${domain}`, want, actual);
  });
  if (rows.length !== Object.keys(wanted).length)
    problems.push(`dns6_chains: expected ${Object.keys(wanted).length} rows, got ${rows.length}`);
  return problems;
}

/**
 * Issue 19: the web_parity rows, per host and scheme, against the file's `web_parity` section.
 * `certs` names the lab's certificates ("lab", "other") by their SHA-256, read from the lab's
 * own files; "positive" is any value above 0 (times the lab cannot shape). Exactly the rows
 * expected: a host the file does not name must have none.
 */
export function checkWebParity(
  expected: Row,
  tables: Tables,
  certs: Readonly<Record<string, string>>,
): string[] {
  const hosts = expected["web_parity"] as Record<string, Record<string, Row>>;
  const rows = tables["web_parity"] ?? [];
  const problems: string[] = [];
  let count = 0;
  for (const [host, schemes] of Object.entries(hosts))
    for (const [scheme, want] of Object.entries(schemes)) {
      count++;
      const row = rows.find((r) => r["host"] === host && r["scheme"] === scheme);
      if (!row) {
        problems.push(`web_parity ${host} ${scheme}: no such row`);
        continue;
      }
      for (const [column, value] of Object.entries(want)) {
        const actual = row[column];
        const ok =
          value === "positive"
            ? Number(actual) > 0
            : column === "differences"
              ? JSON.stringify(value) === JSON.stringify(words(actual))
              : column === "cert4" || column === "cert6"
                ? (value === "" ? "" : certs[String(value)]) === actual
                : same(value, actual);
        if (!(column in row)) problems.push(`web_parity ${host} ${scheme}: no column ${column}`);
        else if (!ok)
          problems.push(
            `web_parity ${host} ${scheme}: ${column} expected ${JSON.stringify(value)}, got ${JSON.stringify(actual)}`,
          );
      }
    }
  if (rows.length !== count) {
    const extra = rows.filter((r) => !hosts[String(r["host"])]?.[String(r["scheme"])]);
    problems.push(
      `web_parity: expected ${count} rows, got ${rows.length}${extra.length > 0 ? ` (not expected: ${extra.map((r) => `${r["host"]} ${r["scheme"]}`).join(", ")})` : ""}`,
    );
  }
  return problems;
}

/** The SHA-256 of the lab's certificates (hex of the DER), by the names the expectations use. */
export function labCertificates(stateDir: string): Record<string, string> {
  const fingerprint = (file: string) =>
    createHash("sha256")
      .update(new X509Certificate(readFileSync(join(stateDir, "tls", file))).raw)
      .digest("hex");
  return { lab: fingerprint("cert.pem"), other: fingerprint("other-cert.pem") };
}
