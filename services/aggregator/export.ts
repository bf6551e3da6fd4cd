// Exports of summary and raw tables as CSV or JSON lines (issue: exports).
// The column names are SPEC's; every table adds crawl_id and date. Rows for
// country ZZ are left out of the summaries unless asked for.

import type { Params, Row, Store } from "../runtime/store.js";
import { csvCell } from "./csv-cell.js";

interface ExportTable {
  readonly sql: string;
  /** Whether the table has ZZ rows that SPEC leaves out. */
  readonly placed: boolean;
}

const ip = (column: string) => `replaceRegexpOne(toString(${column}), '^::ffff:', '')`;
// RTTs to the microsecond (3 decimals of a ms), the clocks' resolution: a sum of stored values
// otherwise prints as 22.055999999999997.
const ms = (column: string) => `round(${column}, 3)`;

const exportTables: Readonly<Record<string, ExportTable>> = {
  domains: {
    sql: `SELECT toString(date) AS date, crawl_id, domain, tld, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6,
      mx_hosts, mx_hosts6, ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6,
      faster, pingratio, fewer, hopratio, method
      FROM domains WHERE crawl_id = {crawl:String} ORDER BY domain`,
    placed: false,
  },
  penetration: {
    sql: `SELECT toString(date) AS date, crawl_id, tld, country, domains, domains6, www, ns, mx, ntp, method
      FROM domain_penetration WHERE crawl_id = {crawl:String} ORDER BY tld, country`,
    placed: false,
  },
  hostdata: {
    sql: `SELECT toString(date) AS date, crawl_id, tld, type, country, hosts, hosts4, hosts6, dualstack, noip,
      pinghosts, faster, ${ms("ping4")} AS ping4, ${ms("ping6")} AS ping6, pathhosts, fewer, hops4, hops6, method
      FROM host_data WHERE crawl_id = {crawl:String} {zz} ORDER BY tld, type, country`,
    placed: true,
  },
  reachability: {
    sql: `SELECT toString(date) AS date, crawl_id, tld, service, country, hosts4, hosts6, reach4, reach6, method
      FROM reachability WHERE crawl_id = {crawl:String} {zz} ORDER BY tld, service, country`,
    placed: true,
  },
  // Issue 19: ZZ kept, as in DomainPenetration (a domain's country, not a host's); NULL: no verdict.
  readiness: {
    sql: `SELECT toString(date) AS date, crawl_id, tld, country, domains, dns6_applicable, dns6_yes,
      web6_applicable, web6_yes, web6_same_applicable, web6_same_yes, mail6_applicable, mail6_yes,
      ntp6_applicable, ntp6_yes, ipv6_only_ready_applicable, ipv6_only_ready_yes, method
      FROM readiness WHERE crawl_id = {crawl:String} ORDER BY tld, country`,
    placed: false,
  },
  readiness_domains: {
    sql: `SELECT toString(date) AS date, crawl_id, domain, tld, country, dns6, dns6_reason, web6, web6_reason,
      web6_same, web6_same_reason, mail6, mail6_reason, ntp6, ntp6_reason, ipv6_only_ready, ipv6_only_reason, method
      FROM readiness_domains WHERE crawl_id = {crawl:String} ORDER BY domain`,
    placed: false,
  },
  jobs: {
    sql: `SELECT toString(date) AS date, crawl_id, type, domain, tld, host, priority, outcome, rcode
      FROM jobs FINAL WHERE crawl_id = {crawl:String} ORDER BY domain, type, priority, host`,
    placed: false,
  },
  soa: {
    sql: `SELECT toString(date) AS date, crawl_id, domain, tld, outcome, rcode, primary_by_soa AS primaryBySOA,
      primary_by_rank AS primaryByRank, primary_in_house AS primaryInHouse, secondary, total, rname, serial,
      refresh, retry, expire, minimum
      FROM soa FINAL WHERE crawl_id = {crawl:String} ORDER BY domain`,
    placed: false,
  },
  // Issue 19: the IPv6-only chain walk of each domain; cuts and cut_servers space-joined, root first.
  dns6_chains: {
    sql: `SELECT toString(date) AS date, crawl_id, domain, ready, reason, broken_zone, min_servers, zone_servers,
      arrayStringConcat(cuts, ' ') AS cuts, arrayStringConcat(arrayMap(x -> toString(x), cut_servers), ' ') AS cut_servers,
      parent_child_agree, queries
      FROM dns6_chains FINAL WHERE crawl_id = {crawl:String} ORDER BY domain`,
    placed: false,
  },
  hosts: {
    sql: `SELECT toString(date) AS date, crawl_id, host, a_outcome, aaaa_outcome, a_rcode, aaaa_rcode,
      arrayStringConcat(arrayMap(x -> toString(x), ipv4), ' ') AS ipv4,
      arrayStringConcat(arrayMap(x -> toString(x), ipv6), ' ') AS ipv6,
      arrayStringConcat(ip6_types, ' ') AS ip6_types, arrayStringConcat(cname_chain, ' ') AS cname_chain,
      arrayStringConcat(arrayMap(x -> toString(x), valid4), ' ') AS valid4,
      arrayStringConcat(arrayMap(x -> toString(x), valid6), ' ') AS valid6,
      arrayStringConcat(arrayMap(x -> if(x = '', '-', x), prefix_ids), ' ') AS prefix_ids,
      arrayStringConcat(prefix_names, ' | ') AS prefix_names
      FROM hosts FINAL WHERE crawl_id = {crawl:String} ORDER BY host`,
    placed: false,
  },
  addresses: {
    // trace_path: each responder's PTR name where it has one, else its address, "*" where none answered (SPEC 4).
    sql: `WITH (SELECT mapFromArrays(groupArray(${ip("ip")}), groupArray(name)) FROM reverse FINAL
        WHERE crawl_id = {crawl:String} AND name != '') AS names
      SELECT toString(a.date) AS date, a.crawl_id AS crawl_id, ${ip("a.ip")} AS ip, a.family AS family,
      coalesce(r.name, a.rdns) AS rdns, coalesce(r.outcome, a.rdns_outcome) AS rdns_outcome,
      coalesce(r.rcode, 0) AS rdns_rcode,
      a.ping_sent AS ping_sent, a.ping_received AS ping_received, ${ms("a.ping_min")} AS ping_min,
      ${ms("a.ping_avg")} AS ping_avg, ${ms("a.ping_max")} AS ping_max, ${ms("a.ping_mdev")} AS ping_mdev,
      a.tcp80 AS tcp80, a.tcp443 AS tcp443, a.tcp25 AS tcp25,
      a.starttls AS starttls, a.smtp_step AS smtp_step, a.smtp_failure AS smtp_failure, a.smtp_ehlo AS smtp_ehlo,
      a.ntp_measured AS ntp_measured, a.ntp_answered AS ntp_answered, a.ntp_stratum AS ntp_stratum,
      a.ntp_offset_ms AS ntp_offset_ms, a.ntp_rtt_ms AS ntp_rtt_ms, a.ntp_failure AS ntp_failure, a.ntp_kiss AS ntp_kiss,
      a.trace_hops AS trace_hops,
      arrayStringConcat(arrayMap(hop -> if(names[hop] != '', names[hop], hop), a.trace_path), ' ') AS trace_path,
      a.trace_method AS trace_method, a.trace_port AS trace_port, a.mtu AS mtu,
      coalesce(g.country, 'ZZ') AS country, g.city AS city, g.region AS region, g.latitude AS latitude,
      g.longitude AS longitude, g.asn AS asn, g.as_org AS as_org, t.ip6_type AS ip6_type,
      coalesce(v.valid, 1) AS valid, coalesce(t.prefix_id, '') AS prefix_id, coalesce(t.prefix_name, '') AS prefix_name,
      a.not_probed_reason AS not_probed_reason, a.prober_version AS prober_version
      FROM (SELECT * FROM addresses FINAL WHERE crawl_id = {crawl:String}) AS a
      LEFT JOIN (SELECT ip, country, city, region, latitude, longitude, asn, as_org FROM geo FINAL
        WHERE crawl_id = {crawl:String}) AS g ON g.ip = a.ip
      LEFT JOIN (SELECT ip, nullIf(name, '') AS name, nullIf(outcome, '') AS outcome, rcode FROM reverse FINAL
        WHERE crawl_id = {crawl:String}) AS r ON r.ip = a.ip
      LEFT JOIN (SELECT t6.1 AS ip, any(t6.2) AS ip6_type, any(t6.3) AS prefix_id, any(t6.4) AS prefix_name FROM hosts FINAL
        ARRAY JOIN arrayZip(ipv6, ip6_types, prefix_ids, prefix_names) AS t6
        WHERE crawl_id = {crawl:String} GROUP BY ip) AS t ON t.ip = a.ip
      LEFT JOIN (SELECT ip, min(valid) AS valid FROM (
          SELECT toIPv6(v4.1) AS ip, v4.2 AS valid FROM hosts FINAL ARRAY JOIN arrayZip(ipv4, valid4) AS v4 WHERE crawl_id = {crawl:String}
          UNION ALL
          SELECT v6.1 AS ip, v6.2 AS valid FROM hosts FINAL ARRAY JOIN arrayZip(ipv6, valid6) AS v6 WHERE crawl_id = {crawl:String})
        GROUP BY ip) AS v ON v.ip = a.ip
      ORDER BY a.family, a.ip
      SETTINGS join_use_nulls = 1`,
    placed: false,
  },
  // Issue 19: the same-site parity of each WWW host with a valid IPv6 address, per scheme.
  web_parity: {
    sql: `SELECT toString(date) AS date, crawl_id, host, scheme,
      if(isNull(ip4), '', ${ip("assumeNotNull(ip4)")}) AS ip4, toString(ip6) AS ip6,
      status4, status6, final_url4, final_url6, bytes4, bytes6, cert4, cert6,
      ${ms("ttfb4_ms")} AS ttfb4_ms, ${ms("ttfb6_ms")} AS ttfb6_ms,
      ${ms("download4_ms")} AS download4_ms, ${ms("download6_ms")} AS download6_ms,
      error4, error6, round(similarity, 2) AS similarity, arrayStringConcat(differences, ' ') AS differences,
      same, prober_version
      FROM web_parity FINAL WHERE crawl_id = {crawl:String} ORDER BY host, scheme`,
    placed: false,
  },
};

export const exportableTables = Object.keys(exportTables);

export class ExportError extends Error {
  override name = "ExportError";
}

export interface Exported {
  readonly columns: string[];
  readonly rows: Row[];
}

export async function exportRows(
  store: Store,
  table: string,
  crawlId: string,
  keepZz: boolean,
): Promise<Row[]> {
  return (await exportTable(store, table, crawlId, keepZz)).rows;
}

/** The rows and, even when there are none, the column names. */
export async function exportTable(
  store: Store,
  table: string,
  crawlId: string,
  keepZz: boolean,
): Promise<Exported> {
  const spec = exportTables[table];
  if (!spec) throw new ExportError(`export: unknown table ${table} (one of ${exportableTables.join(", ")})`);
  const sql = spec.sql.replace("{zz}", spec.placed && !keepZz ? "AND country != 'ZZ'" : "");
  const params: Params = { crawl: crawlId };
  const rows = await store.query(sql, params);
  const columns =
    rows.length > 0
      ? Object.keys(rows[0]!)
      : (
          await store.query<{ name: string }>(`DESCRIBE TABLE (${sql.replace(/SETTINGS[^)]*$/, "")})`, params)
        ).map((column) => column.name);
  return { columns, rows };
}

export function formatRows(
  rows: readonly Row[],
  format: "csv" | "jsonl",
  columns?: readonly string[],
): string {
  if (format === "jsonl")
    return rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length > 0 ? "\n" : "");
  const header = columns ?? Object.keys(rows[0] ?? {});
  const lines = [
    header.join(","),
    ...rows.map((row) => header.map((column) => csvCell(row[column])).join(",")),
  ];
  return `${lines.join("\n")}\n`;
}
