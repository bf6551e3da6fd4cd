// One crawl as the original crawler held it (its SQLite tables job, ip4, ip6,
// ping, tcp, tracert, rdns, soa; `n/a` read as null), built from its CSV files
// or its SQLite file, and turned into this project's raw rows. Pure.

import { ipColumn } from "../rows.js";
import { type FieldReader, hostName, tldOf } from "./legacy-formats.js";

export const legacyFeatures = ["MX", "NS", "WWW", "NTP"] as const;
export type LegacyFeature = (typeof legacyFeatures)[number];

export interface LegacyJob {
  readonly type: LegacyFeature;
  readonly domain: string;
  /** null: the NS or MX look-up failed (the original's host `n/a`). */
  readonly host: string | null;
  priority: number | null;
}

export interface LegacyGeo {
  /** "AS15169 Google LLC", as the original wrote it. */
  readonly asn: string | null;
  readonly city: string | null;
  readonly region: string | null;
  readonly country: string | null;
  readonly longitude: number | null;
  /** null where the source wrote the longitude here (the original's defect, SPEC change 1). */
  readonly latitude: number | null;
}

export interface LegacyHost {
  ip4: string | null;
  ip6: string | null;
  geo: LegacyGeo | null;
  ip6Type: string | null;
}

export interface LegacyPing {
  readonly count: number | null;
  readonly min: number | null;
  readonly avg: number | null;
  /** null where the source wrote avg6 here (the original's CSV, SPEC change 4). */
  readonly max: number | null;
  readonly mdev: number | null;
}

export interface LegacyAddress {
  ping?: LegacyPing;
  port25?: boolean | null;
  port80?: boolean | null;
  port443?: boolean | null;
  starttls?: boolean | null;
  trace?: { readonly hops: number | null; readonly path: string | null };
  reverse?: string | null;
}

export interface LegacySoa {
  readonly domain: string;
  readonly primaryBySoa: string;
  readonly primaryByRank: string;
  readonly primaryInHouse: number;
  readonly secondary: number;
  readonly total: number;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

/** One crawl of the original, merged from every file that mentions a row; conflicts are errors. */
export class LegacyCrawl {
  readonly jobs = new Map<string, LegacyJob>();
  readonly hosts = new Map<string, LegacyHost>();
  readonly addresses = new Map<string, LegacyAddress>();
  readonly soa = new Map<string, LegacySoa>();
  /** The original's metric names whose output was found (reverse, geoip, ping, ...). */
  readonly metrics = new Set<string>();
  // Addresses as each spelling of a host name had them: `mx.a.com.` (an MX host) and
  // `mx.a.com` (a WWW host) were resolved apart, so only one spelling must agree with itself.
  readonly #spellings = new Map<string, { ip4: string | null; ip6: string | null }>();

  constructor(
    readonly date: string,
    readonly startedAt: string,
  ) {}

  addJob(type: LegacyFeature, domain: string, host: string | null, priority: number | null): void {
    const key = `${type}\t${domain}\t${host ?? ""}`;
    const job = this.jobs.get(key);
    if (!job) this.jobs.set(key, { type, domain, host, priority });
    else if (job.priority === null) job.priority = priority;
  }

  /** The first address of each family of a host, as the original kept them (ip4, ip6 tables). */
  addHost(spelling: string, ip4: string | null, ip6: string | null, at: FieldReader): void {
    const seen = this.#spellings.get(spelling);
    if (seen && (seen.ip4 !== ip4 || seen.ip6 !== ip6))
      at.fail(
        `host ${spelling} has ${ip4 ?? "n/a"} ${ip6 ?? "n/a"} here, ${seen.ip4 ?? "n/a"} ${seen.ip6 ?? "n/a"} before`,
      );
    if (!seen) this.#spellings.set(spelling, { ip4, ip6 });
    const name = hostName(spelling);
    if (!this.hosts.has(name)) this.hosts.set(name, { ip4, ip6, geo: null, ip6Type: null });
    for (const ip of [ip4, ip6]) if (ip !== null && !this.addresses.has(ip)) this.addresses.set(ip, {});
  }

  host(spelling: string): LegacyHost {
    return this.hosts.get(hostName(spelling))!;
  }

  /** Sets one measurement of an address; a second, different value is an error. */
  measure<K extends keyof LegacyAddress>(ip: string, key: K, value: LegacyAddress[K], at: FieldReader): void {
    const address = this.addresses.get(ip) ?? {};
    this.addresses.set(ip, address);
    const before = address[key];
    if (before !== undefined && JSON.stringify(before) !== JSON.stringify(value))
      at.fail(`${key} of ${ip} differs from an earlier row`);
    address[key] = value;
  }
}

export interface RawRows {
  readonly jobs: Record<string, unknown>[];
  readonly hosts: Record<string, unknown>[];
  readonly addresses: Record<string, unknown>[];
  readonly geo: Record<string, unknown>[];
  readonly soa: Record<string, unknown>[];
}

// The original's look-up failures carry no reason: they are OTHER in the closed set of outcomes.
const FAILED = "OTHER";
const PROBER_VERSION = "legacy";
const portState = (open: boolean | null | undefined) =>
  open === true ? "open" : open === false ? "closed" : "not_probed";

/**
 * The SMTP outcome (migrations/007) of the original's port25 flag: its SMTP client counted port
 * 25 when the server greeted and answered EHLO, which is what smtp4 / smtp6 count (SPEC 4). How
 * a failure failed was not kept.
 */
function legacySmtp(port25: boolean | null | undefined, starttls: boolean | null | undefined) {
  if (port25 === true) return { smtp_step: starttls ? "tls" : "ehlo", smtp_failure: "", smtp_ehlo: 1 };
  if (port25 === false) return { smtp_step: "connect", smtp_failure: "unknown_failure", smtp_ehlo: 0 };
  return { smtp_step: "", smtp_failure: "", smtp_ehlo: 0 };
}

/** This project's raw rows (migrations/001, 007) for a legacy crawl, under `crawlId`. */
export function legacyRawRows(crawl: LegacyCrawl, crawlId: string): RawRows {
  const base = { crawl_id: crawlId, date: crawl.date };
  const jobs = [...crawl.jobs.values()].map((job) => ({
    ...base,
    domain: job.domain,
    tld: tldOf(job.domain),
    type: job.type,
    host: job.host ?? "",
    // The original's fake priorities of a failed look-up: MX "10 n/a", NS rank 1.
    priority: job.priority ?? (job.type === "MX" ? 10 : job.type === "NS" ? 1 : 0),
    outcome: job.host === null ? FAILED : "OK",
  }));
  const hosts = [...crawl.hosts].map(([name, host]) => ({
    ...base,
    host: name,
    a_outcome: host.ip4 ? "OK" : FAILED,
    aaaa_outcome: host.ip6 ? "OK" : FAILED,
    ipv4: host.ip4 ? [host.ip4] : [],
    ipv6: host.ip6 ? [host.ip6] : [],
    ip6_types: host.ip6 ? [host.ip6Type ?? ""] : [],
    eui64: host.ip6 ? [0] : [],
    cname_chain: [],
  }));
  const counts = [...crawl.addresses.values()].map((a) => a.ping?.count).filter((c) => typeof c === "number");
  const usualCount = mostCommon(counts) ?? 5;
  const addresses = [...crawl.addresses].map(([ip, a]) => {
    const ping = a.ping;
    const sent = ping ? (ping.count ?? usualCount) : 0;
    const replied = ping?.avg !== null && ping?.avg !== undefined;
    const path = a.trace?.hops != null && a.trace.path ? a.trace.path.split(" --> ") : [];
    return {
      ...base,
      ip: ipColumn(ip),
      family: ip.includes(":") ? 6 : 4,
      rdns: a.reverse ? hostName(a.reverse) : "",
      rdns_outcome: a.reverse === undefined ? "NOT_ASKED" : a.reverse === null ? FAILED : "OK",
      ping_sent: sent,
      // The original kept no count of replies: all of them where it has an RTT, else none.
      ping_received: replied ? sent : 0,
      ping_min: replied ? ping!.min : null,
      ping_avg: replied ? ping!.avg : null,
      ping_max: replied ? ping!.max : null,
      ping_mdev: replied ? ping!.mdev : null,
      tcp80: portState(a.port80),
      tcp443: portState(a.port443),
      tcp25: portState(a.port25),
      starttls: a.starttls ? 1 : 0,
      ...legacySmtp(a.port25, a.starttls),
      trace_hops: a.trace?.hops ?? null,
      // "no" is the original's hop without an answer.
      trace_path: path.map((hop) => (hop === "no" ? "*" : hop)),
      trace_reached: a.trace?.hops != null ? 1 : 0,
      // The original wrote 1500 for every path (SPEC change 3): unknown.
      mtu: null,
      not_probed_reason: "",
      prober_version: PROBER_VERSION,
    };
  });
  const geo = new Map<string, Record<string, unknown>>();
  for (const host of crawl.hosts.values()) {
    // The original geolocated IPv4 only; an export of this project may place an IPv6-only host.
    const ip = host.ip4 ?? host.ip6;
    // A row of n/a (an address the database did not know) is no geo row, as in a crawl of ours.
    if (!host.geo || !ip || geo.has(ip) || Object.values(host.geo).every((v) => v === null)) continue;
    const asn = /^AS(\d+)\s*(.*)$/.exec(host.geo.asn ?? "");
    geo.set(ip, {
      ...base,
      ip: ipColumn(ip),
      country: host.geo.country ?? "ZZ",
      city: host.geo.city ?? "",
      region: host.geo.region ?? "",
      latitude: host.geo.latitude,
      longitude: host.geo.longitude,
      asn: asn ? Number(asn[1]) : 0,
      as_org: asn ? asn[2]! : (host.geo.asn ?? ""),
      db_version: PROBER_VERSION,
    });
  }
  const soa = [...crawl.soa.values()].map((s) => ({
    ...base,
    domain: s.domain,
    tld: tldOf(s.domain),
    outcome: "OK",
    primary_by_soa: hostName(s.primaryBySoa),
    primary_by_rank: hostName(s.primaryByRank),
    primary_in_house: s.primaryInHouse,
    secondary: s.secondary,
    total: s.total,
    rname: hostName(s.rname),
    serial: s.serial,
    refresh: s.refresh,
    retry: s.retry,
    expire: s.expire,
    minimum: s.minimum,
  }));
  return { jobs, hosts, addresses, geo: [...geo.values()], soa };
}

function mostCommon(values: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** WWW prefixes in the order the Domains summary ranks them: the configured order, then any other seen. */
export function wwwPrefixesOf(crawl: LegacyCrawl, configured: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const job of crawl.jobs.values())
    if (job.type === "WWW" && job.host?.endsWith(`.${job.domain}`))
      seen.add(job.host.slice(0, -job.domain.length - 1));
  return [...configured.filter((p) => seen.has(p)), ...[...seen].filter((p) => !configured.includes(p))];
}
