// Compares what a crawl of a lab scenario exported with the scenario's
// hand-written expectations (scenarios/<name>.expected.yaml). Used by the lab
// end-to-end test and by `npm run demo`. It computes nothing itself: every
// expected value comes from the file; "any" matches whatever was measured
// (the lab cannot shape RTTs).

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
];

function same(expected: unknown, actual: unknown): boolean {
  if (expected === "any") return true;
  if (expected === null || expected === undefined)
    return actual === null || actual === undefined || actual === "";
  if (typeof expected === "number") return typeof actual === "number" && Math.abs(expected - actual) < 1e-4;
  if (typeof expected === "boolean") return actual === (expected ? 1 : 0) || actual === expected;
  return String(expected) === String(actual);
}

function rowDiff(what: string, expected: Row, actual: Row | undefined): string[] {
  if (!actual) return [`${what}: no such row`];
  return Object.entries(expected)
    .filter(([column, value]) => column in actual && !same(value, actual[column]))
    .map(
      ([column, value]) =>
        `${what}: ${column} expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[column])}`,
    );
}

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

/** Columns of the hosts export with one value per address, checked when the expectation gives them. */
const perAddress = ["valid4", "valid6", "ip6_types", "prefix_ids", "prefix_names"] as const;

export function checkHosts(expected: Row, tables: Tables): string[] {
  const problems: string[] = [];
  const hosts = expected["hosts"] as Record<
    string,
    { a?: string[]; aaaa?: string[]; aaaa_count?: number; aaaa_first?: string } & Partial<
      Record<(typeof perAddress)[number], unknown[]>
    >
  >;
  for (const [host, want] of Object.entries(hosts)) {
    const row = tables["hosts"]!.find((r) => r["host"] === host);
    if (!row) {
      problems.push(`host ${host}: not resolved`);
      continue;
    }
    const v4 = String(row["ipv4"] || "")
      .split(" ")
      .filter(Boolean);
    const v6 = String(row["ipv6"] || "")
      .split(" ")
      .filter(Boolean);
    if (want.a && JSON.stringify(v4) !== JSON.stringify(want.a))
      problems.push(`host ${host} A: expected ${want.a}, got ${v4}`);
    if (want.aaaa && JSON.stringify(v6) !== JSON.stringify(want.aaaa))
      problems.push(`host ${host} AAAA: expected ${want.aaaa}, got ${v6}`);
    if (want.aaaa_count !== undefined && (v6.length !== want.aaaa_count || v6[0] !== want.aaaa_first))
      problems.push(
        `host ${host}: expected ${want.aaaa_count} AAAA from ${want.aaaa_first}, got ${v6.length} from ${v6[0]}`,
      );
    // Per address, parallel to a / aaaa (issue 15 items 8 and 9): validity, ip6Type, prefix entry.
    for (const column of perAddress) {
      const want_ = want[column];
      if (want_ === undefined) continue;
      if (!(column in row)) {
        problems.push(`host ${host}: the hosts export has no column ${column}`);
        continue;
      }
      const separator = column === "prefix_names" ? " | " : " ";
      const got = String(row[column] ?? "")
        .split(separator)
        .filter((cell) => cell !== "");
      if (JSON.stringify(got) !== JSON.stringify(want_.map(String)))
        problems.push(
          `host ${host} ${column}: expected ${JSON.stringify(want_)}, got ${JSON.stringify(got)}`,
        );
    }
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
    const actual: Row = {
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
      hops: row["trace_hops"] ?? 0,
      pmtu: row["mtu"],
    };
    const { host: _host, ...checked } = want;
    problems.push(...rowDiff(`address ${ip}`, checked, actual));
  }
  return problems;
}

function checkKeyed(name: string, table: string, keys: string[], expected: Row, tables: Tables): string[] {
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
