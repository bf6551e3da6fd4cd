// Readiness (issue 19) against the hand-written expectations of a lab scenario:
// readiness_domains per domain (ReadinessDomains) and the Readiness summary per
// (tld, country). Only the keys an expectation gives are compared, so verdicts
// can be added to the file as they are written; every domain listed must have
// its row, and the summary as many rows as written.

import { checkKeyed, type Row, rowDiff, type Tables } from "./expectations.js";

/** The exports it reads, besides expectations.ts' exportedTables. */
export const readinessTables = ["readiness_domains", "readiness"];

export function checkReadiness(expected: Row, tables: Tables): Record<string, string[]> {
  const domains = Object.entries((expected["ReadinessDomains"] ?? {}) as Record<string, Row>).flatMap(
    ([domain, want]) =>
      rowDiff(
        `ReadinessDomains ${domain}`,
        want,
        tables["readiness_domains"]!.find((row) => row["domain"] === domain),
      ),
  );
  return {
    ReadinessDomains: domains,
    Readiness: checkKeyed("Readiness", "readiness", ["tld", "country"], expected, tables),
  };
}
