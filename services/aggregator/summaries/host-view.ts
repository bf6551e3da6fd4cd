// The per-host view every summary starts from: each host of a crawl that has an address, with the
// first valid address of each family (the legacy "one address per family"
// view, SPEC 3; a host whose addresses of a family are all invalid, such as
// ::1 or 127.0.0.1, has none of that family: decision 010), their RTT and hop
// counts, and the host's country (SPEC change 2: of its IPv4 address, else of
// its IPv6 address, else ZZ). SQL text only.

import { firstValid } from "../../runtime/progress.js";

/** A subquery with columns host, has4, has6, avg4, avg6, hops4, hops6, open80_4 ... smtp_6, country. Parameter: {crawl:String}. */
export const hostViewSql = `
  SELECT
    h.host AS host,
    h.ip4 IS NOT NULL AS has4,
    h.ip6 IS NOT NULL AS has6,
    a4.ping_avg AS avg4,
    a6.ping_avg AS avg6,
    a4.trace_hops AS hops4,
    a6.trace_hops AS hops6,
    a4.tcp80 = 'open' AS open80_4,
    a6.tcp80 = 'open' AS open80_6,
    a4.tcp443 = 'open' AS open443_4,
    a6.tcp443 = 'open' AS open443_6,
    -- SMTP counts the SMTP outcome (greeted and answered EHLO), not the TCP state of port 25 (SPEC 4)
    a4.smtp_ehlo = 1 AS smtp_4,
    a6.smtp_ehlo = 1 AS smtp_6,
    coalesce(nullIf(g4.country, 'ZZ'), nullIf(g6.country, 'ZZ'), 'ZZ') AS country
  FROM (
    SELECT host,
      ${firstValid("ipv4", "valid4")} AS ip4,
      ${firstValid("ipv6", "valid6")} AS ip6
    FROM hosts FINAL WHERE crawl_id = {crawl:String}
  ) AS h
  LEFT JOIN (SELECT ip, ping_avg, trace_hops, tcp80, tcp443, smtp_ehlo FROM addresses FINAL WHERE crawl_id = {crawl:String}) AS a4 ON a4.ip = h.ip4
  LEFT JOIN (SELECT ip, ping_avg, trace_hops, tcp80, tcp443, smtp_ehlo FROM addresses FINAL WHERE crawl_id = {crawl:String}) AS a6 ON a6.ip = h.ip6
  LEFT JOIN (SELECT ip, nullIf(country, '') AS country FROM geo FINAL WHERE crawl_id = {crawl:String}) AS g4 ON g4.ip = h.ip4
  LEFT JOIN (SELECT ip, nullIf(country, '') AS country FROM geo FINAL WHERE crawl_id = {crawl:String}) AS g6 ON g6.ip = h.ip6
  -- Only hosts with an address: every summary LEFT JOINs this view and reads an unmatched host as one
  -- without address, RTT or open port, in ZZ, which is what the view says of such a host anyway.
  -- The hash table of that join then holds the hosts with addresses, not every name the crawl asked.
  WHERE h.ip4 IS NOT NULL OR h.ip6 IS NOT NULL
`;

/**
 * Settings the summaries need: unmatched LEFT JOIN columns are NULL, not 0 or ''. And joins in
 * buckets (grace hash, 8 of them): the join's right side (the host view) is in memory an eighth at
 * a time, spilled to the data folder, which halved the peak of a million domains for about twice
 * the join's time (docs/performance.md, Aggregator).
 */
export const summarySettings =
  "SETTINGS join_use_nulls = 1, join_algorithm = 'grace_hash', grace_hash_join_initial_buckets = 8";
