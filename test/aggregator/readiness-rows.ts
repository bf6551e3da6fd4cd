// Hand-written raw rows of two dated crawls under TLD be for the Readiness
// tests (issue 19): r1 with the owners' rows (dns6_chains, web_parity, the
// addresses' ntp_* columns; their tables made by the test-only fixture where
// migrations 011-013 have not), r0 a month older with the same jobs, hosts
// and addresses but none of those, as a crawl made before the metrics.

import { computeSummaries } from "../../services/aggregator/summaries.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import type { Store } from "../../services/runtime/store.js";
import { createOwnersTables, dns6Row, webRow } from "./readiness-fixture.js";

export const crawls = { r0: "2026-10-01", r1: "2026-11-01" } as const;
export type CrawlId = keyof typeof crawls;

const job = (domain: string, type: string, host: string, priority = 0, outcome = "OK") => ({
  domain,
  tld: "be",
  type,
  host,
  priority,
  outcome,
});
const host = (name: string, ipv4: string[], ipv6: string[], valid6 = ipv6.map(() => 1)) => ({
  host: name,
  a_outcome: ipv4.length ? "OK" : "NODATA",
  aaaa_outcome: ipv6.length ? "OK" : "NODATA",
  ipv4,
  ipv6,
  valid4: ipv4.map(() => 1),
  valid6,
  ip6_types: ipv6.map(() => "documentation"),
  eui64: ipv6.map(() => 0),
  cname_chain: [],
});
/** An address with its SMTP outcome (step '' = not probed) and, in r1 only, its NTP outcome. */
const address = (ip: string, smtp: "" | "ok" | "ehlo" = "", ntp: "" | "answered" | "silent" = "") => ({
  ip: ip.includes(":") ? ip : `::ffff:${ip}`,
  family: ip.includes(":") ? 6 : 4,
  smtp_step: smtp === "" ? "" : smtp === "ok" ? "tls" : "ehlo",
  smtp_failure: smtp === "ehlo" ? "generic_timeout" : "",
  smtp_ehlo: smtp === "ok" ? 1 : 0,
  ntp_measured: ntp === "" ? 0 : 1,
  ntp_answered: ntp === "answered" ? 1 : 0,
  ntp_failure: ntp === "silent" ? "generic_timeout" : "",
});

const jobs = [
  // ready.be: everything over IPv6 (BE, by its web host's IPv4 address)
  job("ready.be", "NS", "ns.ready.be", 1),
  job("ready.be", "WWW", "www.ready.be"),
  job("ready.be", "MX", "mx.ready.be", 10),
  job("ready.be", "NTP", "ntp.ready.be"),
  // noaaaa.be: no AAAA glue; web host IPv4 only; a null MX; an NTP name without address
  job("noaaaa.be", "WWW", "www.noaaaa.be"),
  job("noaaaa.be", "MX", "", 0, "NULL_MX"),
  job("noaaaa.be", "NTP", "ntp.noaaaa.be"),
  // invalid.be: the web host's only AAAA is ::1; one of two MX hosts without AAAA
  job("invalid.be", "WWW", "www.invalid.be"),
  job("invalid.be", "MX", "mx1.invalid.be", 10),
  job("invalid.be", "MX", "mx2.invalid.be", 20),
  // failed.be: web over IPv6 fails on both schemes; SMTP over IPv6 never answers EHLO; NTP IPv4 only
  job("failed.be", "WWW", "www.failed.be"),
  job("failed.be", "MX", "mx.failed.be", 10),
  job("failed.be", "NTP", "ntp.failed.be"),
  // differ.be (NL): answers over IPv6, not the same site; no MX record; NTP silent over IPv6
  job("differ.be", "WWW", "www.differ.be"),
  job("differ.be", "MX", "", 0, "NODATA"),
  job("differ.be", "NTP", "time.differ.be"),
  // v6only.be: IPv6-only web host (nothing over IPv4 to compare); SMTP and NTP not probed
  job("v6only.be", "WWW", "www.v6only.be"),
  job("v6only.be", "MX", "mx.v6only.be", 10),
  job("v6only.be", "NTP", "time.v6only.be"),
  // nodns.be: no dns6_chains row; a web host with IPv6 that web_parity has no row for
  job("nodns.be", "WWW", "www6.nodns.be"),
];
const hosts = [
  host("ns.ready.be", ["192.0.2.1"], ["2001:db8::1"]),
  host("www.ready.be", ["192.0.2.10"], ["2001:db8::10"]),
  host("mx.ready.be", ["192.0.2.11"], ["2001:db8::11"]),
  host("ntp.ready.be", [], ["2001:db8::12"]),
  host("www.noaaaa.be", ["192.0.2.20"], []),
  host("ntp.noaaaa.be", [], []),
  host("www.invalid.be", ["192.0.2.30"], ["::1"], [0]),
  host("mx1.invalid.be", ["192.0.2.31"], ["2001:db8::31"]),
  host("mx2.invalid.be", ["192.0.2.32"], []),
  host("www.failed.be", ["192.0.2.40"], ["2001:db8::40"]),
  host("mx.failed.be", ["192.0.2.41"], ["2001:db8::41"]),
  host("ntp.failed.be", ["192.0.2.42"], []),
  host("www.differ.be", ["192.0.2.50"], ["2001:db8::50"]),
  host("time.differ.be", ["192.0.2.51"], ["2001:db8::51"]),
  host("www.v6only.be", [], ["2001:db8::60"]),
  host("mx.v6only.be", [], ["2001:db8::61"]),
  host("time.v6only.be", [], ["2001:db8::62"]),
  host("www6.nodns.be", [], ["2001:db8::70"]),
];
const addresses = [
  address("2001:db8::11", "ok"),
  address("2001:db8::12", "", "answered"),
  address("2001:db8::31", "ok"),
  address("2001:db8::41", "ehlo"),
  address("2001:db8::51", "", "silent"),
  address("2001:db8::61", ""),
  address("2001:db8::62", ""),
];
const web = (crawl: CrawlId) => [
  webRow(crawl, crawls[crawl], "www.ready.be", "http", 200, 200),
  webRow(crawl, crawls[crawl], "www.ready.be", "https", 200, 200),
  webRow(crawl, crawls[crawl], "www.failed.be", "http", 200, 0, ["ipv6_failed"]),
  webRow(crawl, crawls[crawl], "www.failed.be", "https", 0, 0),
  // listed out of order: the reason lists them in the contract's order
  webRow(crawl, crawls[crawl], "www.differ.be", "http", 200, 200, ["content"]),
  webRow(crawl, crawls[crawl], "www.differ.be", "https", 200, 404, ["certificate", "status"]),
  webRow(crawl, crawls[crawl], "www.v6only.be", "http", 0, 200),
];
const dns6 = (crawl: CrawlId) =>
  [
    ["ready.be", ""],
    ["noaaaa.be", "no_aaaa_glue"],
    ["invalid.be", ""],
    ["failed.be", ""],
    ["differ.be", ""],
    ["v6only.be", ""],
  ].map(([domain, reason]) => dns6Row(crawl, crawls[crawl], domain!, reason));

/** Writes both crawls (completed, published) and computes their summaries, twice: computing again replaces. */
export async function fillReadinessCrawls(store: Store): Promise<void> {
  await createOwnersTables(store);
  for (const [crawl, date] of Object.entries(crawls) as [CrawlId, string][]) {
    await saveCrawl(store, {
      crawl_id: crawl,
      date,
      state: "completed",
      options: JSON.stringify({ wwwPrefixes: ["www", "www6"], ntpPrefixes: ["ntp", "time"] }),
      source: "test",
      domains: 7,
      rejected: 0,
      started_at: `${date} 00:00:00`,
      finished_at: `${date} 01:00:00`,
      published: 1,
      error: "",
    });
    const stamp = <T extends object>(row: T) => ({ crawl_id: crawl, date, ...row });
    await store.insert("jobs", jobs.map(stamp));
    await store.insert("hosts", hosts.map(stamp));
    // r0 was probed before the NTP metric: its addresses say so
    await store.insert(
      "addresses",
      addresses.map((a) => stamp(crawl === "r0" ? { ...a, ntp_measured: 0, ntp_answered: 0 } : a)),
    );
    await store.insert("geo", [
      stamp({ ip: "::ffff:192.0.2.10", country: "BE" }),
      stamp({ ip: "::ffff:192.0.2.50", country: "NL" }),
    ]);
  }
  await store.insert("dns6_chains", dns6("r1"));
  await store.insert("web_parity", web("r1"));
  for (const crawl of Object.keys(crawls)) {
    await computeSummaries(store, crawl);
    await computeSummaries(store, crawl);
  }
}
