// What a correct crawl of the scale lab's synthetic domains must store, taken
// from the lab's rule (test/lab/scale/rule.ts: its lookup() and totals()) and
// the crawl's own settings (which WWW and NTP prefixes are asked), never from
// the crawler's code: the hosts each domain names, the first address of each
// family of every host, and the PTR answer of every such address.

import { DEFAULT_TLDS, domainName, lookup, type RR, totals, type World } from "../lab/scale/rule.js";

export interface ExpectedCrawl {
  readonly domains: number;
  readonly perTld: Record<string, number>;
  /** Job rows: one per NS name server, one MX row (a host or NODATA), one per WWW and NTP prefix. */
  readonly jobs: number;
  readonly mxJobsWithHost: number;
  readonly nsInHouseHosts: number;
  readonly nsProviderHosts: number;
  readonly hosts: number;
  readonly wwwHostsWithA: number;
  readonly wwwHostsWithAAAA: number;
  readonly mxHostsWithAAAA: number;
  readonly ntpHostsWithA: number;
  readonly addresses4: number;
  readonly addresses6: number;
  /** Addresses whose PTR names a host (the rest are NXDOMAIN). */
  readonly reverseNamed: number;
}

function ipv6Nibbles(ip: string): string {
  const [head = "", tail = ""] = ip.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return [...all.map((g) => g.padStart(4, "0")).join("")].reverse().join(".");
}

function reverseName(ip: string): string {
  return ip.includes(":")
    ? `${ipv6Nibbles(ip)}.ip6.arpa`
    : `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
}

function first(answer: RR[] | "NXDOMAIN"): string | undefined {
  return answer === "NXDOMAIN" ? undefined : (answer[0]?.data as string | undefined);
}

export function expectedCrawl(
  count: number,
  prefixes: { www: readonly string[]; ntp: readonly string[] },
): ExpectedCrawl {
  const world: World = { count, tlds: DEFAULT_TLDS };
  const hosts = new Map<string, "ns" | "mx" | "www" | "ntp">();
  let jobs = 0;
  let mxJobsWithHost = 0;
  for (let n = 0; n < count; n++) {
    const d = domainName(world, n);
    const ns = lookup(world, d, "NS");
    const nsNames = ns === "NXDOMAIN" ? [] : ns.map((rr) => rr.data as string);
    for (const name of nsNames) hosts.set(name, "ns");
    jobs += Math.max(1, nsNames.length);
    const mx = lookup(world, d, "MX");
    const exchange = mx === "NXDOMAIN" ? undefined : (mx[0]?.data as { exchange: string } | undefined);
    if (exchange) {
      hosts.set(exchange.exchange, "mx");
      mxJobsWithHost++;
    }
    jobs++;
    for (const prefix of prefixes.www) hosts.set(`${prefix}.${d}`, "www");
    for (const prefix of prefixes.ntp) hosts.set(`${prefix}.${d}`, "ntp");
    jobs += prefixes.www.length + prefixes.ntp.length;
  }
  const addresses4 = new Set<string>();
  const addresses6 = new Set<string>();
  const counted = { wwwA: 0, wwwAAAA: 0, mxAAAA: 0, ntpA: 0, nsInHouse: 0, nsProvider: 0 };
  for (const [host, kind] of hosts) {
    const a = first(lookup(world, host, "A"));
    const aaaa = first(lookup(world, host, "AAAA"));
    if (a) addresses4.add(a);
    if (aaaa) addresses6.add(aaaa);
    if (kind === "www" && a) counted.wwwA++;
    if (kind === "www" && aaaa) counted.wwwAAAA++;
    if (kind === "mx" && aaaa) counted.mxAAAA++;
    if (kind === "ntp" && a) counted.ntpA++;
    if (kind === "ns" && /\.prov\d+\.net$/.test(host)) counted.nsProvider++;
    else if (kind === "ns") counted.nsInHouse++;
  }
  let reverseNamed = 0;
  for (const ip of [...addresses4, ...addresses6]) {
    const ptr = lookup(world, reverseName(ip), "PTR");
    if (ptr !== "NXDOMAIN" && ptr.length > 0) reverseNamed++;
  }
  const expected: ExpectedCrawl = {
    domains: count,
    perTld: totals(world).perTld,
    jobs,
    mxJobsWithHost,
    nsInHouseHosts: counted.nsInHouse,
    nsProviderHosts: counted.nsProvider,
    hosts: hosts.size,
    wwwHostsWithA: counted.wwwA,
    wwwHostsWithAAAA: counted.wwwAAAA,
    mxHostsWithAAAA: counted.mxAAAA,
    ntpHostsWithA: counted.ntpA,
    addresses4: addresses4.size,
    addresses6: addresses6.size,
    reverseNamed,
  };
  checkAgainstTotals(world, prefixes, expected);
  return expected;
}

/** The walk above agrees with the rule's own totals() where they say the same thing. */
function checkAgainstTotals(
  world: World,
  prefixes: { www: readonly string[]; ntp: readonly string[] },
  expected: ExpectedCrawl,
): void {
  const t = totals(world);
  const www = prefixes.www.includes("www");
  const ntp = prefixes.ntp.includes("ntp");
  const pairs: [string, number, number][] = [
    ["domains", expected.domains, t.domains],
    ["MX jobs", expected.mxJobsWithHost, t.mx],
    ["in-house NS hosts", expected.nsInHouseHosts, 2 * t.nsInHouse],
    ["provider NS hosts", expected.nsProviderHosts, 2 * t.providers],
    ["mx hosts with AAAA", expected.mxHostsWithAAAA, t.mxAAAA],
  ];
  if (www) pairs.push(["www hosts with A", expected.wwwHostsWithA, t.wwwA]);
  if (www) pairs.push(["www hosts with AAAA", expected.wwwHostsWithAAAA, t.wwwAAAA]);
  if (ntp) pairs.push(["ntp hosts with A", expected.ntpHostsWithA, t.ntp]);
  for (const [what, walked, total] of pairs)
    if (walked !== total)
      throw new Error(`rule walk and totals() disagree on ${what}: ${walked} vs ${total}`);
}
