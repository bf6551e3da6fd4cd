// One domain's history across the published crawls (its Domains rows and its
// readiness verdicts), and search by prefix among their domains (a page at a
// time, from the last name of the previous page), over the Domains summary.
// Pure SQL text.

import type { Params } from "../../runtime/store.js";

/** readiness_domains' verdicts and reasons (issue 19), appended to a domain's history. */
export const readinessHistoryColumns = [
  "dns6",
  "dns6_reason",
  "web6",
  "web6_reason",
  "web6_same",
  "web6_same_reason",
  "mail6",
  "mail6_reason",
  "ntp6",
  "ntp6_reason",
  "ipv6_only_ready",
  "ipv6_only_reason",
] as const;

export function domainHistorySql(domain: string): { sql: string; params: Params } {
  return {
    // A crawl without readiness rows (older than issue 19, or imported) has NULL verdicts and
    // reasons: no verdict, not "no".
    sql: `SELECT d.date AS date, d.crawl_id AS crawl_id, d.country AS country, www_hosts, www_hosts6, ns_hosts, ns_hosts6,
        mx_hosts, mx_hosts6, ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6,
        faster, pingratio, fewer, hopratio, d.method AS method,
        ${readinessHistoryColumns.map((column) => `r.${column} AS ${column}`).join(", ")}
      FROM domains AS d
      LEFT JOIN (SELECT crawl_id, ${readinessHistoryColumns.join(", ")} FROM readiness_domains
        WHERE domain = {domain:String}) AS r ON r.crawl_id = d.crawl_id
      WHERE d.domain = {domain:String}
        AND d.crawl_id IN (SELECT crawl_id FROM crawls FINAL WHERE published = 1 AND state = 'completed')
      ORDER BY d.date, d.crawl_id
      SETTINGS join_use_nulls = 1`,
    params: { domain: domain.toLowerCase() },
  };
}

/** Distinct names of the published crawls starting with prefix, after `after` (the previous
 * page's last name), one more than `size` so the caller knows whether a next page follows.
 * Published only, as the history: a submitted list is not public until its crawl is. */
export function searchDomainsSql(
  prefix: string,
  size: number,
  after?: string,
): { sql: string; params: Params } {
  return {
    sql: `SELECT DISTINCT domain FROM domains
      WHERE startsWith(domain, {prefix:String}) ${after === undefined ? "" : "AND domain > {after:String}"}
        AND crawl_id IN (SELECT crawl_id FROM crawls FINAL WHERE published = 1 AND state = 'completed')
      ORDER BY domain LIMIT {rows:UInt32}`,
    params: { prefix: prefix.toLowerCase(), rows: size + 1, ...(after === undefined ? {} : { after }) },
  };
}
