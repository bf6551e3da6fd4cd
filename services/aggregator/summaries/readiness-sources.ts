// The three tables Readiness reads from other owners (issue 19: dns6_chains of
// migration 011, web_parity of 012, the addresses' ntp_* columns of 013) as
// subqueries of one crawl, filled into the @dns6@, @web@, @ntp@ placeholders of
// readiness.ts. A store whose schema lacks one of them reads it as empty, so its
// verdicts are NULL (not measured), never "no" and never an error.

import type { Store } from "../../runtime/store.js";

const placeholders = ["@dns6@", "@web@", "@ntp@"] as const;
type Placeholder = (typeof placeholders)[number];

export type ReadinessSources = Readonly<Record<Placeholder, string>>;

/** The subqueries when the owner's table is there; `final` when its engine replaces rows. */
const present: Record<Placeholder, (final: string) => string> = {
  // one row a domain, whatever the table's engine: a replayed walk must not count twice
  "@dns6@": (final) => `(SELECT domain, any(ready) AS ready, any(reason) AS reason
    FROM dns6_chains ${final} WHERE crawl_id = {crawl:String} GROUP BY domain)`,
  "@web@": (final) => `(SELECT host, scheme, status4, status6, same, differences
    FROM web_parity ${final} WHERE crawl_id = {crawl:String})`,
  "@ntp@": () =>
    `(SELECT ip, ntp_measured, ntp_answered FROM addresses FINAL WHERE crawl_id = {crawl:String})`,
};

const absent: ReadinessSources = {
  "@dns6@": "(SELECT '' AS domain, toUInt8(0) AS ready, '' AS reason LIMIT 0)",
  "@web@": `(SELECT '' AS host, '' AS scheme, toUInt16(0) AS status4, toUInt16(0) AS status6, toUInt8(0) AS same,
    CAST([], 'Array(String)') AS differences LIMIT 0)`,
  "@ntp@": "(SELECT toIPv6('::') AS ip, toUInt8(0) AS ntp_measured, toUInt8(0) AS ntp_answered LIMIT 0)",
};

/** Which of the sources this store's schema has, read from system.tables and system.columns. */
export async function readinessSources(store: Store): Promise<ReadinessSources> {
  const tables = new Map(
    (
      await store.query<{ name: string; engine: string }>(
        "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name IN ('dns6_chains', 'web_parity')",
      )
    ).map((row) => [row.name, row.engine]),
  );
  const [ntp] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM system.columns WHERE database = currentDatabase() AND table = 'addresses'
      AND name IN ('ntp_measured', 'ntp_answered')`,
  );
  const final = (engine: string | undefined) => (engine?.includes("Replacing") ? "FINAL" : "");
  return {
    "@dns6@": tables.has("dns6_chains")
      ? present["@dns6@"](final(tables.get("dns6_chains")))
      : absent["@dns6@"],
    "@web@": tables.has("web_parity") ? present["@web@"](final(tables.get("web_parity"))) : absent["@web@"],
    "@ntp@": Number(ntp?.n) === 2 ? present["@ntp@"]("FINAL") : absent["@ntp@"],
  };
}

/** The SQL with the sources in place of the placeholders (text without them is returned as it is). */
export function withSources(sql: string, sources: ReadinessSources): string {
  return placeholders.reduce((text, placeholder) => text.replaceAll(placeholder, sources[placeholder]), sql);
}
