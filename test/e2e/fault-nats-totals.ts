// A crawl's totals as stored, for comparing two crawls of the same domains: per
// raw table the rows (FINAL), the distinct natural keys and the rows before
// merging are counted, and a fingerprint of the measured values that do not
// vary from run to run is taken (a sum of row hashes, so order does not
// matter); per summary the same. Round-trip times, and what is computed from
// them (ping4, ping6, faster, pingratio), differ between any two runs and are
// left out; everything else must be identical.

import { unnamedRoutersSql } from "../../services/runtime/progress.js";
import type { Store } from "../../services/runtime/store.js";
import type { ExpectedCrawl } from "./fault-nats-expected.js";

interface TableSpec {
  readonly key: string;
  /** Columns that any correct run measures the same way. */
  readonly stable: string;
  /** A ReplacingMergeTree read with FINAL; summaries are plain MergeTree tables. */
  readonly final: boolean;
}

const tables: Readonly<Record<string, TableSpec>> = {
  jobs: { key: "domain, type, host", stable: "domain, tld, type, host, priority, outcome", final: true },
  soa: {
    key: "domain",
    stable:
      "domain, outcome, primary_by_soa, primary_by_rank, primary_in_house, secondary, total, rname, serial, refresh, retry, expire, minimum",
    final: true,
  },
  hosts: {
    key: "host",
    stable: "host, a_outcome, aaaa_outcome, ipv4, ipv6, ip6_types, eui64, cname_chain",
    final: true,
  },
  addresses: {
    key: "ip",
    stable:
      "ip, family, ping_sent, ping_received, tcp80, tcp443, tcp25, starttls, trace_hops, trace_reached, mtu, not_probed_reason, prober_version",
    final: true,
  },
  geo: { key: "ip", stable: "ip, country, city, region, asn, as_org, db_version", final: true },
  reverse: { key: "ip", stable: "ip, name, outcome", final: true },
  dead_letters: { key: "subject, key", stable: "subject, key, actor", final: true },
  // Readiness (issue 19): the web fetch's timings, like RTTs, differ between runs; the walk's
  // question count does too (a timeout is asked again).
  web_parity: {
    key: "host, scheme",
    stable:
      "host, scheme, ip4, ip6, status4, status6, final_url4, final_url6, bytes4, bytes6, cert4, cert6, error4, error6, similarity, differences, same, prober_version",
    final: true,
  },
  dns6_chains: {
    key: "domain",
    stable:
      "domain, ready, reason, broken_zone, min_servers, zone_servers, cuts, cut_servers, parent_child_agree",
    final: true,
  },
  host_data: {
    key: "tld, type, country",
    stable:
      "tld, type, country, hosts, hosts4, hosts6, dualstack, noip, pinghosts, pathhosts, fewer, hops4, hops6, method",
    final: false,
  },
  reachability: {
    key: "tld, service, country",
    stable: "tld, service, country, hosts4, hosts6, reach4, reach6, method",
    final: false,
  },
  domains: {
    key: "domain",
    stable:
      "domain, tld, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6, mx_hosts, mx_hosts6, ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6, fewer, hopratio, method",
    final: false,
  },
  domain_penetration: {
    key: "tld, country",
    stable: "tld, country, domains, domains6, www, ns, mx, ntp, method",
    final: false,
  },
  // A NULL verdict (does not apply, or not measured) is hashed as 2: cityHash64 of a NULL is NULL,
  // which sum() would pass over.
  readiness_domains: {
    key: "domain",
    stable: `domain, tld, country, ${["dns6", "web6", "web6_same", "mail6", "ntp6", "ipv6_only_ready"]
      .map((verdict) => `ifNull(${verdict}, 2)`)
      .join(
        ", ",
      )}, dns6_reason, web6_reason, web6_same_reason, mail6_reason, ntp6_reason, ipv6_only_reason, method`,
    final: false,
  },
  readiness: {
    key: "tld, country",
    stable:
      "tld, country, domains, dns6_applicable, dns6_yes, web6_applicable, web6_yes, web6_same_applicable, web6_same_yes, mail6_applicable, mail6_yes, ntp6_applicable, ntp6_yes, ipv6_only_ready_applicable, ipv6_only_ready_yes, method",
    final: false,
  },
};

export interface TableTotals {
  /** Rows as read (FINAL for raw tables). */
  readonly rows: number;
  readonly keys: number;
  /** Sum of the hashes of the stable columns of each row. */
  readonly fingerprint: string;
}

export type CrawlTotals = Record<string, TableTotals>;

/** The crawl's measured addresses: PTR rows of routers on their paths are not among them. */
const measuredAddresses = "SELECT ip FROM addresses WHERE crawl_id = {crawl:String}";

export async function crawlTotals(store: Store, crawlId: string): Promise<CrawlTotals> {
  const out: CrawlTotals = {};
  for (const [table, spec] of Object.entries(tables)) {
    const [row] = await store.query<{ rows: string; keys: string; fingerprint: string }>(
      `SELECT count() AS rows, uniqExact(${spec.key}) AS keys,
         toString(sum(cityHash64(${spec.stable}))) AS fingerprint
       FROM ${table} ${spec.final ? "FINAL" : ""} WHERE crawl_id = {crawl:String}`,
      { crawl: crawlId },
    );
    out[table] = { rows: Number(row?.rows), keys: Number(row?.keys), fingerprint: String(row?.fingerprint) };
  }
  return out;
}

/** Tables with a key stored more than once (FINAL rows beyond the distinct keys): duplicates. */
export function duplicatesIn(totals: CrawlTotals): string[] {
  return Object.entries(totals)
    .filter(([, t]) => t.rows !== t.keys)
    .map(([table, t]) => `${table}: ${t.rows} rows, ${t.keys} keys`);
}

/** The stored crawl against the rule's expectations; returns what differs, as "what: got vs expected". */
export async function checkExpected(
  store: Store,
  crawlId: string,
  expected: ExpectedCrawl,
): Promise<string[]> {
  const [got] = await store.query<Record<string, string>>(
    `SELECT
      (SELECT uniqExact(domain) FROM jobs FINAL WHERE crawl_id = {crawl:String}) AS domains,
      (SELECT count() FROM jobs FINAL WHERE crawl_id = {crawl:String}) AS jobs,
      (SELECT count() FROM jobs FINAL WHERE crawl_id = {crawl:String} AND type = 'MX' AND host != '') AS mxJobsWithHost,
      (SELECT uniqExact(host) FROM jobs FINAL WHERE crawl_id = {crawl:String} AND type = 'NS' AND match(host, '^ns[12]\\\\.d[0-9]+\\\\.')) AS nsInHouseHosts,
      (SELECT uniqExact(host) FROM jobs FINAL WHERE crawl_id = {crawl:String} AND type = 'NS' AND match(host, '\\\\.prov[0-9]+\\\\.net$')) AS nsProviderHosts,
      (SELECT count() FROM hosts FINAL WHERE crawl_id = {crawl:String}) AS hosts,
      (SELECT count() FROM hosts FINAL WHERE crawl_id = {crawl:String} AND startsWith(host, 'www.') AND length(ipv4) > 0) AS wwwHostsWithA,
      (SELECT count() FROM hosts FINAL WHERE crawl_id = {crawl:String} AND startsWith(host, 'www.') AND length(ipv6) > 0) AS wwwHostsWithAAAA,
      (SELECT count() FROM hosts FINAL WHERE crawl_id = {crawl:String} AND startsWith(host, 'mx.') AND length(ipv6) > 0) AS mxHostsWithAAAA,
      (SELECT count() FROM hosts FINAL WHERE crawl_id = {crawl:String} AND startsWith(host, 'ntp.') AND length(ipv4) > 0) AS ntpHostsWithA,
      (SELECT count() FROM addresses FINAL WHERE crawl_id = {crawl:String} AND family = 4) AS addresses4,
      (SELECT count() FROM addresses FINAL WHERE crawl_id = {crawl:String} AND family = 6) AS addresses6,
      (SELECT count() FROM geo FINAL WHERE crawl_id = {crawl:String}) AS geo,
      (SELECT count() FROM reverse FINAL WHERE crawl_id = {crawl:String} AND ip IN (${measuredAddresses})) AS reverse,
      (SELECT count() FROM reverse FINAL WHERE crawl_id = {crawl:String} AND name != ''
        AND ip IN (${measuredAddresses})) AS reverseNamed,
      (SELECT count() FROM (${unnamedRoutersSql})) AS routersUnnamed,
      (SELECT count() FROM dead_letters FINAL WHERE crawl_id = {crawl:String}) AS deadLetters,
      (SELECT count() FROM web_parity FINAL WHERE crawl_id = {crawl:String}) AS webParity,
      (SELECT count() FROM dns6_chains FINAL WHERE crawl_id = {crawl:String}) AS dns6Chains,
      (SELECT count() FROM readiness_domains WHERE crawl_id = {crawl:String}) AS readinessDomains,
      (SELECT countIf(dns6 IS NOT NULL) FROM readiness_domains WHERE crawl_id = {crawl:String}) AS readinessDns6Measured`,
    { crawl: crawlId },
  );
  const perTld = await store.query<{ tld: string; n: string }>(
    "SELECT tld, uniqExact(domain) AS n FROM jobs FINAL WHERE crawl_id = {crawl:String} GROUP BY tld",
    { crawl: crawlId },
  );
  const addresses = expected.addresses4 + expected.addresses6;
  const want: Record<string, number> = {
    domains: expected.domains,
    jobs: expected.jobs,
    mxJobsWithHost: expected.mxJobsWithHost,
    nsInHouseHosts: expected.nsInHouseHosts,
    nsProviderHosts: expected.nsProviderHosts,
    hosts: expected.hosts,
    wwwHostsWithA: expected.wwwHostsWithA,
    wwwHostsWithAAAA: expected.wwwHostsWithAAAA,
    mxHostsWithAAAA: expected.mxHostsWithAAAA,
    ntpHostsWithA: expected.ntpHostsWithA,
    addresses4: expected.addresses4,
    addresses6: expected.addresses6,
    geo: addresses,
    reverse: addresses,
    reverseNamed: expected.reverseNamed,
    // The routers on the paths are asked their names too (issue 15 item 4): every one has a PTR row.
    routersUnnamed: 0,
    deadLetters: 0,
    // Issue 19: every www host with an IPv6 address (all in prober.allow_ranges, so valid) is
    // fetched over http and over https, one row each.
    webParity: 2 * expected.wwwHostsWithAAAA,
    // The chain walk is off for the crawl's services (test/support/offline-dns6.ts): no row, and
    // no domain has a dns6 verdict; every domain has its readiness row all the same.
    dns6Chains: 0,
    readinessDomains: expected.domains,
    readinessDns6Measured: 0,
  };
  const wrong = Object.entries(want)
    .filter(([what, n]) => Number(got?.[what]) !== n)
    .map(([what, n]) => `${what}: ${got?.[what]} vs ${n}`);
  const tlds = Object.fromEntries(perTld.map((row) => [row.tld, Number(row.n)]));
  for (const [tld, n] of Object.entries(expected.perTld))
    if (tlds[tld] !== n) wrong.push(`domains of .${tld}: ${tlds[tld]} vs ${n}`);
  return wrong;
}
