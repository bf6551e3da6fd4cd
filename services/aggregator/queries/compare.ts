// CompareCrawls: two crawls side by side, per TLD, country or type, with the
// change. By TLD or country it compares IPv6 penetration of domains
// (DomainPenetration: domains6 / domains), or, for the readiness subject,
// domains ready for a client with IPv6 alone (Readiness:
// ipv6_only_ready_yes / ipv6_only_ready_applicable, the domains with a
// verdict); by type, hosts with IPv6 (HostData: (hosts6 + dualstack) / hosts).
// With each crawl's method (SPEC section 6): an imported crawl of the original
// against one of ours is a change of method too. Pure SQL text.

import type { Params } from "../../runtime/store.js";
import { QueryError } from "./views.js";

/** What is compared: IPv6 penetration (the default) or IPv6-only readiness (issue 19). */
export type CompareSubject = "penetration" | "readiness";

export function compareSql(
  crawlA: string,
  crawlB: string,
  groupBy: string,
  subject: CompareSubject = "penetration",
): { sql: string; params: Params } {
  const params = { a: crawlA, b: crawlB };
  let inner: string;
  let table: string;
  if (subject === "readiness") {
    if (groupBy !== "tld" && groupBy !== "country")
      throw new QueryError(`cannot compare readiness by ${groupBy} (one of tld, country)`);
    inner = `SELECT ${groupBy} AS key, crawl_id, sum(ipv6_only_ready_applicable) AS total, sum(ipv6_only_ready_yes) AS ipv6
      FROM readiness WHERE crawl_id IN ({a:String}, {b:String}) GROUP BY key, crawl_id`;
    table = "readiness";
  } else if (groupBy === "tld" || groupBy === "country") {
    inner = `SELECT ${groupBy} AS key, crawl_id, sum(domains) AS total, sum(domains6) AS ipv6
      FROM domain_penetration WHERE crawl_id IN ({a:String}, {b:String}) GROUP BY key, crawl_id`;
    table = "domain_penetration";
  } else if (groupBy === "type") {
    inner = `SELECT type AS key, crawl_id, sum(hosts) AS total, sum(hosts6 + dualstack) AS ipv6
      FROM host_data WHERE crawl_id IN ({a:String}, {b:String}) AND country != 'ZZ' GROUP BY key, crawl_id`;
    table = "host_data";
  } else {
    throw new QueryError(`cannot compare by ${groupBy} (one of tld, country, type)`);
  }
  const sql = `SELECT key AS ${groupBy},
      sumIf(total, crawl_id = {a:String}) AS total_a, sumIf(ipv6, crawl_id = {a:String}) AS ipv6_a,
      round(100 * ipv6_a / nullIf(total_a, 0), 2) AS percent_a,
      sumIf(total, crawl_id = {b:String}) AS total_b, sumIf(ipv6, crawl_id = {b:String}) AS ipv6_b,
      round(100 * ipv6_b / nullIf(total_b, 0), 2) AS percent_b,
      round(percent_b - percent_a, 2) AS change,
      (SELECT max(method) FROM ${table} WHERE crawl_id = {a:String}) AS method_a,
      (SELECT max(method) FROM ${table} WHERE crawl_id = {b:String}) AS method_b
    FROM (${inner}) GROUP BY key ORDER BY key`;
  return { sql, params };
}
