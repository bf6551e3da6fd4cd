// One domain's history across the published crawls, and search by prefix
// among their domains (a page at a time, from the last name of the previous
// page), over the Domains summary. Pure SQL text.

import type { Params } from "../../runtime/store.js";

export function domainHistorySql(domain: string): { sql: string; params: Params } {
  return {
    sql: `SELECT d.date AS date, d.crawl_id AS crawl_id, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6,
        mx_hosts, mx_hosts6, ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6,
        faster, pingratio, fewer, hopratio, method
      FROM domains AS d
      WHERE d.domain = {domain:String}
        AND d.crawl_id IN (SELECT crawl_id FROM crawls FINAL WHERE published = 1 AND state = 'completed')
      ORDER BY d.date, d.crawl_id`,
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
