// What the summary tests share: raw rows written by hand for a small crawl (three domains, their
// jobs, hosts, addresses, places, SOA, DNS chain and web parity) in a fresh chDB store, summarised
// twice (computing again replaces). The expected figures are in the tests, worked out by hand.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

export const crawl = "t1";
export const date = "2026-11-01";
const job = (domain: string, type: string, host: string, priority = 0, outcome = "OK") => ({
  crawl_id: crawl,
  date,
  domain,
  tld: domain.split(".").pop(),
  type,
  host,
  priority,
  outcome,
});
const host = (name: string, ipv4: string[], ipv6: string[]) => ({
  crawl_id: crawl,
  date,
  host: name,
  a_outcome: ipv4.length ? "OK" : "NODATA",
  aaaa_outcome: ipv6.length ? "OK" : "NODATA",
  ipv4,
  ipv6,
  ip6_types: ipv6.map(() => "documentation"),
  eui64: ipv6.map(() => 0),
  cname_chain: [],
});
export const address = (
  ip: string,
  avg: number | null,
  hops: number | null,
  ports: Partial<Record<"tcp80" | "tcp443" | "tcp25" | "smtp_step" | "smtp_failure", string>>,
) => ({
  crawl_id: crawl,
  date,
  ip: ip.includes(":") ? ip : `::ffff:${ip}`,
  family: ip.includes(":") ? 6 : 4,
  rdns: "",
  rdns_outcome: "NXDOMAIN",
  ping_sent: 5,
  ping_received: avg === null ? 0 : 5,
  ping_min: avg,
  ping_avg: avg,
  ping_max: avg,
  ping_mdev: avg === null ? null : 0,
  tcp80: ports.tcp80 ?? "not_probed",
  tcp443: ports.tcp443 ?? "not_probed",
  tcp25: ports.tcp25 ?? "not_probed",
  starttls: 0,
  // The SMTP outcome, apart from tcp25: answered EHLO when the dialogue got past it.
  smtp_step: ports.smtp_step ?? "",
  smtp_failure: ports.smtp_failure ?? "",
  smtp_ehlo: ports.smtp_step && !(ports.smtp_step === "ehlo" && ports.smtp_failure) ? 1 : 0,
  trace_hops: hops,
  trace_path: [],
  trace_reached: hops === null ? 0 : 1,
  mtu: null,
  not_probed_reason: "",
  prober_version: "test",
});
export const hostDataRow = (crawlId: string) => ({
  crawl_id: crawlId,
  date,
  tld: "com",
  type: "WWW",
  country: "DE",
  hosts: 1,
  hosts4: 0,
  hosts6: 0,
  dualstack: 1,
  noip: 0,
  pinghosts: 1,
  faster: 0,
  ping4: 0,
  ping6: 0,
  pathhosts: 0,
  fewer: 0,
  hops4: 0,
  hops6: 0,
  method: 2,
});
const geo = (ip: string, country: string) => ({
  crawl_id: crawl,
  date,
  ip: ip.includes(":") ? ip : `::ffff:${ip}`,
  country,
  city: "",
  region: "",
  latitude: 1,
  longitude: 2,
  asn: 64500,
  as_org: "",
  db_version: "test",
});

const jobs = [
  // a.com: www dual-stack (DE by IPv4), www6 IPv6 only (FR), shared MX and NS, ntp without address.
  job("a.com", "WWW", "www.a.com"),
  job("a.com", "WWW", "www6.a.com"),
  job("a.com", "MX", "mx.shared.net", 10),
  job("a.com", "NS", "ns.shared.net", 1),
  job("a.com", "NTP", "ntp.a.com"),
  // b.com: www IPv6 only (JP), www6 without address, the same MX and NS.
  job("b.com", "WWW", "www.b.com"),
  job("b.com", "WWW", "www6.b.com"),
  job("b.com", "MX", "mx.shared.net", 5),
  job("b.com", "NS", "ns.shared.net", 1),
  job("b.com", "NTP", "ntp.b.com"),
  // c.org: no web address, MX look-up NODATA, the shared NS (US).
  job("c.org", "WWW", "www.c.org"),
  job("c.org", "WWW", "www6.c.org"),
  job("c.org", "MX", "", 0, "NODATA"),
  job("c.org", "NS", "ns.shared.net", 1),
  job("c.org", "NTP", "ntp.c.org"),
];
const hosts = [
  host("www.a.com", ["192.0.2.1"], ["2001:db8::1"]),
  host("www6.a.com", [], ["2001:db8::2"]),
  host("www.b.com", [], ["2001:db8::3"]),
  host("www6.b.com", [], []),
  host("www.c.org", [], []),
  host("www6.c.org", [], []),
  host("mx.shared.net", ["192.0.2.25"], ["2001:db8::25"]),
  host("ns.shared.net", ["192.0.2.53"], []),
  host("ntp.a.com", [], []),
  host("ntp.b.com", [], []),
  host("ntp.c.org", [], []),
];
const addresses = [
  address("192.0.2.1", 10, 5, { tcp80: "open", tcp443: "open" }),
  address("2001:db8::1", 8, 4, { tcp80: "open", tcp443: "closed" }),
  address("2001:db8::2", 7, 4, { tcp80: "open", tcp443: "open" }),
  address("2001:db8::3", null, 6, { tcp80: "filtered", tcp443: "open" }),
  address("192.0.2.25", 20, 7, { tcp25: "open", smtp_step: "tls" }),
  // Port 25 open over IPv6, but the server greets and never answers EHLO: no SMTP (SPEC 4).
  address("2001:db8::25", 30, 7, { tcp25: "open", smtp_step: "ehlo", smtp_failure: "generic_timeout" }),
  address("192.0.2.53", 5, 3, {}),
];
const geos = [
  geo("192.0.2.1", "DE"),
  geo("2001:db8::1", "FR"),
  geo("2001:db8::2", "FR"),
  geo("2001:db8::3", "JP"),
  geo("192.0.2.25", "NL"),
  geo("2001:db8::25", "NL"),
  geo("192.0.2.53", "US"),
];

/** A store holding the rows above with their summaries computed; close() removes it. */
export async function openSummarisedStore(): Promise<{ store: Store; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "v6m-summaries-"));
  const store = await openChdbStore(join(dir, "data"));
  await migrate(store);
  await saveCrawl(store, {
    crawl_id: crawl,
    date,
    state: "running",
    options: JSON.stringify({ wwwPrefixes: ["www", "www6"], ntpPrefixes: ["ntp"] }),
    source: "test",
    domains: 3,
    rejected: 0,
    started_at: "2026-11-01 00:00:00",
    finished_at: null,
    published: 0,
    error: "",
  });
  await store.insert("jobs", jobs);
  await store.insert("hosts", hosts);
  await store.insert("addresses", addresses);
  await store.insert("geo", geos);
  await store.insert("soa", [
    {
      crawl_id: crawl,
      date,
      domain: "a.com",
      tld: "com",
      outcome: "OK",
      primary_by_soa: "ns.shared.net",
      primary_by_rank: "ns.shared.net",
      primary_in_house: 0,
      secondary: 0,
      total: 1,
      rname: "hostmaster.a.com",
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 300,
    },
  ]);
  // Issue 19: a.com's DNS chain walked over IPv6 alone (migration 011).
  await store.insert("dns6_chains", [
    {
      crawl_id: crawl,
      date,
      domain: "a.com",
      ready: 0,
      reason: "one_ipv6_nameserver",
      broken_zone: "a.com",
      min_servers: 1,
      zone_servers: 1,
      cuts: [".", "com", "a.com"],
      cut_servers: [13, 13, 1],
      parent_child_agree: 1,
      queries: 2,
    },
  ]);
  // Issue 19: the same site over both families (migration 012).
  await store.insert("web_parity", [
    {
      crawl_id: crawl,
      date,
      host: "www.a.com",
      scheme: "http",
      ip4: "::ffff:192.0.2.1",
      ip6: "2001:db8::1",
      status4: 200,
      status6: 200,
      final_url4: "http://www.a.com/",
      final_url6: "http://www.a.com/",
      bytes4: 120,
      bytes6: 120,
      cert4: "",
      cert6: "",
      ttfb4_ms: 1.5,
      ttfb6_ms: 1.25,
      download4_ms: 0.5,
      download6_ms: 0.5,
      error4: "",
      error6: "",
      similarity: 100,
      differences: [],
      same: 1,
      prober_version: "test",
    },
  ]);
  await computeSummaries(store, crawl);
  // Computing twice replaces, never adds.
  await computeSummaries(store, crawl);
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
