// The synthetic internet of scale mode: one deterministic rule that says, for any count of
// generated domains d<N>.<tld> (N = 0 .. count-1, tld = tlds[N % tlds.length]), which records
// exist. dns-server.ts answers from it and `totals` counts it. The rule, N being the domain index:
//   apex and www.dN  A     198.18.0.0 + (N mod 131072)          when N % 10 != 9   (90 %)
//   www.dN           AAAA  2001:db8:5ca1::<N>                   when N % 10 < 4    (40 %)
//   dN               MX    10 mx.dN                             when N % 3 == 0
//   mx.dN            A     as www; AAAA as www when N % 6 == 0 (i.e. MX and N even)
//   dN               NS    ns1.dN, ns2.dN (in-house)            when N % 2 == 0
//                          ns1.prov<K>.net, ns2.prov<K>.net     otherwise, K = N % 100 (shared)
//   ns1/ns2.dN       A     as www (always); AAAA as www when N % 4 == 0
//   ns1.prov<K>.net  A 198.19.254.K, AAAA 2001:db8:5ca2::<K>;   ns2.prov<K>.net  A 198.19.255.K
//   ntp.dN           A     as www                               when N % 5 == 0
//   dN               SOA   MNAME = first NS, RNAME hostmaster.dN, serial N
//   PTR of 198.18.0.0 + i -> www.d<i> and of 2001:db8:5ca1::<i> -> www.d<i>, for i < count
//                          (and i < 131072 for IPv4) when www.d<i> has that address.
// Everything else under a generated name is NODATA (the name exists) or NXDOMAIN.
import { bigIntToIPv6, ipv6ToBigInt } from "../ip-format.js";

export const DEFAULT_TLDS = ["com", "net", "org", "de", "uk", "jp"];
export const IPV4_SPAN = 131072;
export const PROVIDERS = 100;

export type RecordType = "A" | "AAAA" | "MX" | "NS" | "SOA" | "PTR";
export interface RR {
  name: string;
  type: RecordType;
  data: string | { preference: number; exchange: string } | SoaData;
}
export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface World {
  count: number;
  tlds: string[];
}

export function domainName(world: World, n: number): string {
  return `d${n}.${world.tlds[n % world.tlds.length]}`;
}

export function ipv4Of(n: number): string {
  const i = n % IPV4_SPAN;
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

/** Canonical text (RFC 5952), so `2001:db8:5ca1::` for N = 0. */
export function ipv6Of(n: number): string {
  return bigIntToIPv6(IPV6_BASE + BigInt(n));
}
const IPV6_BASE = ipv6ToBigInt("2001:db8:5ca1::");

export const hasA = (n: number) => n % 10 !== 9;
export const hasAAAA = (n: number) => n % 10 < 4;
export const hasMX = (n: number) => n % 3 === 0;
export const inHouseNS = (n: number) => n % 2 === 0;
export const hasNTP = (n: number) => n % 5 === 0;

export function nameServers(world: World, n: number): string[] {
  const d = domainName(world, n);
  if (inHouseNS(n)) return [`ns1.${d}`, `ns2.${d}`];
  return [`ns1.prov${n % PROVIDERS}.net`, `ns2.prov${n % PROVIDERS}.net`];
}

/** The domain index of `name` (`d123.com`, `www.d123.com`), or undefined when it is not generated. */
function parseDomain(world: World, name: string): { n: number; label: string } | undefined {
  const m = /^(?:([a-z0-9]+)\.)?d(0|[1-9][0-9]*)\.([a-z]+)$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (n >= world.count || world.tlds[n % world.tlds.length] !== m[3]) return undefined;
  return { n, label: m[1] ?? "" };
}

function reverseIndex(name: string): { n: number; family: 4 | 6 } | undefined {
  const v4 = /^(\d+)\.(\d+)\.(1[89])\.198\.in-addr\.arpa$/.exec(name);
  if (v4) {
    const i = (Number(v4[3]) - 18) * 65536 + Number(v4[2]) * 256 + Number(v4[1]);
    return { n: i, family: 4 };
  }
  const v6 = /^((?:[0-9a-f]\.){20})1\.a\.c\.5\.8\.b\.d\.0\.1\.0\.0\.2\.ip6\.arpa$/.exec(name);
  if (!v6) return undefined;
  const value = Number.parseInt([...v6[1]!.replace(/\./g, "")].reverse().join(""), 16);
  return Number.isSafeInteger(value) ? { n: value, family: 6 } : undefined;
}

/**
 * The answer for (name, type): records (possibly none = NODATA), or "NXDOMAIN".
 * Names are lower case without the trailing dot.
 */
export function lookup(world: World, name: string, type: RecordType): RR[] | "NXDOMAIN" {
  const rr = (data: RR["data"], t: RecordType = type): RR => ({ name, type: t, data });
  const prov = /^ns([12])\.prov(\d+)\.net$/.exec(name);
  if (prov && Number(prov[2]) < PROVIDERS) {
    const k = Number(prov[2]);
    if (type === "A") return [rr(prov[1] === "1" ? `198.19.254.${k}` : `198.19.255.${k}`)];
    if (type === "AAAA" && prov[1] === "1") return [rr(`2001:db8:5ca2::${k.toString(16)}`)];
    return [];
  }
  const rev = reverseIndex(name);
  if (rev) {
    const { n, family } = rev;
    const owns = n < world.count && hasA(n) && (family === 6 ? hasAAAA(n) : n < IPV4_SPAN);
    if (!owns) return "NXDOMAIN";
    return type === "PTR" ? [rr(`www.${domainName(world, n)}`)] : [];
  }
  const parsed = parseDomain(world, name);
  if (!parsed) return "NXDOMAIN";
  const { n, label } = parsed;
  const d = domainName(world, n);
  const exists =
    label === "" ||
    (label === "www" && hasA(n)) ||
    (label === "mx" && hasMX(n)) ||
    (label === "ntp" && hasNTP(n)) ||
    ((label === "ns1" || label === "ns2") && inHouseNS(n));
  if (!exists) return "NXDOMAIN";
  if (label === "") {
    if (type === "NS") return nameServers(world, n).map((ns) => rr(ns));
    if (type === "MX") return hasMX(n) ? [rr({ preference: 10, exchange: `mx.${d}` })] : [];
    if (type === "SOA") return [rr(soaOf(world, n))];
    if (type === "A") return hasA(n) ? [rr(ipv4Of(n))] : [];
    return [];
  }
  if (type === "A") return [rr(ipv4Of(n))];
  if (type !== "AAAA") return [];
  const v6 =
    (label === "www" && hasAAAA(n)) ||
    (label === "mx" && n % 6 === 0) ||
    ((label === "ns1" || label === "ns2") && n % 4 === 0);
  return v6 ? [rr(ipv6Of(n))] : [];
}

export function soaOf(world: World, n: number): SoaData {
  const d = domainName(world, n);
  return {
    mname: nameServers(world, n)[0]!,
    rname: `hostmaster.${d}`,
    serial: n,
    refresh: 7200,
    retry: 3600,
    expire: 1209600,
    minimum: 300,
  };
}

export interface Totals {
  domains: number;
  wwwA: number;
  wwwAAAA: number;
  mx: number;
  mxAAAA: number;
  nsInHouse: number;
  /** In-house name servers without AAAA (N % 4 != 0): the dns6 walk finds no AAAA glue. */
  nsInHouseNoAAAA: number;
  nsProvider: number;
  ntp: number;
  /** Distinct provider name-server pairs used. */
  providers: number;
  /** Domains per TLD. */
  perTld: Record<string, number>;
}

/** Counts the rule for `count` domains by walking it (the tests check it against closed forms). */
export function totals(world: World): Totals {
  const t: Totals = {
    domains: world.count,
    wwwA: 0,
    wwwAAAA: 0,
    mx: 0,
    mxAAAA: 0,
    nsInHouse: 0,
    nsInHouseNoAAAA: 0,
    nsProvider: 0,
    ntp: 0,
    providers: 0,
    perTld: Object.fromEntries(world.tlds.map((tld) => [tld, 0])),
  };
  const providers = new Set<number>();
  for (let n = 0; n < world.count; n++) {
    if (hasA(n)) t.wwwA++;
    if (hasAAAA(n)) t.wwwAAAA++;
    if (hasMX(n)) t.mx++;
    if (n % 6 === 0) t.mxAAAA++;
    if (inHouseNS(n)) {
      t.nsInHouse++;
      if (n % 4 !== 0) t.nsInHouseNoAAAA++;
    } else {
      t.nsProvider++;
      providers.add(n % PROVIDERS);
    }
    if (hasNTP(n)) t.ntp++;
    const tld = world.tlds[n % world.tlds.length]!;
    t.perTld[tld] = (t.perTld[tld] ?? 0) + 1;
  }
  t.providers = providers.size;
  return t;
}

// The same rule for dns-server.ts's fast path: lookup()'s answer found by comparing characters,
// with addresses as numbers, so a question costs no regular expression, BigInt or address text.
// lookup() stays the reference; dns-server.test.ts checks the server's two paths against each other.

/** One record's data as the fast path writes it; the owner is the name asked. */
export type RecordData =
  /** IPv4 address as an unsigned 32-bit integer. */
  | { type: "A"; address: number }
  /** 2001:db8:<group>::<host>, host a safe integer. */
  | { type: "AAAA"; group: number; host: number }
  | { type: "NS"; name: string }
  | { type: "MX"; preference: number; exchange: string }
  | { type: "SOA"; soa: SoaData }
  | { type: "PTR"; name: string };

export interface Found {
  /** False for NXDOMAIN. */
  exists: boolean;
  /** The records of the type asked, in lookup()'s order; none (with `exists`) is NODATA. */
  records: RecordData[];
  /**
   * Index of the generated domain d<N>.<tld> that the name's last two labels spell, or -1:
   * the zone whose SOA a negative answer carries, whether or not the name itself exists.
   */
  zone: number;
}

const IPV4_DOMAINS = 198 * 2 ** 24 + 18 * 2 ** 16; // 198.18.0.0
const IPV4_PROVIDER_NS1 = 198 * 2 ** 24 + 19 * 2 ** 16 + 254 * 2 ** 8; // 198.19.254.0
const IPV4_PROVIDER_NS2 = 198 * 2 ** 24 + 19 * 2 ** 16 + 255 * 2 ** 8; // 198.19.255.0
const IPV6_DOMAINS_GROUP = 0x5ca1; // 2001:db8:5ca1::/48
const IPV6_PROVIDERS_GROUP = 0x5ca2; // 2001:db8:5ca2::/48
const IP6_ARPA_TAIL = ["1", "a", "c", "5", "8", "b", "d", "0", "1", "0", "0", "2", "ip6", "arpa"];
const DOT = 0x2e;

/** lookup(world, name, type) as numbers: same existence, same records, same order. */
export function lookupRecords(world: World, name: string, type: RecordType): Found {
  // The last two labels are name.slice(previous + 1, last) and name.slice(last + 1).
  let dots = 0;
  let last = -1;
  let previous = -1;
  for (let i = name.length - 1; i >= 0; i--) {
    if (name.charCodeAt(i) !== DOT) continue;
    if (dots === 0) last = i;
    else if (dots === 1) previous = i;
    dots++;
  }
  const zone = dots === 0 ? -1 : domainIndex(world, name, previous + 1, last);

  // ns1/ns2.prov<K>.net, as lookup's /^ns([12])\.prov(\d+)\.net$/ with K < PROVIDERS
  if (dots === 2 && name.endsWith(".net") && (name.startsWith("ns1.prov") || name.startsWith("ns2.prov"))) {
    const k = digitsValue(name, 8, last);
    if (k < PROVIDERS) {
      const ns1 = name.charCodeAt(2) === 0x31;
      let records: RecordData[] = [];
      if (type === "A") records = [{ type, address: (ns1 ? IPV4_PROVIDER_NS1 : IPV4_PROVIDER_NS2) + k }];
      else if (type === "AAAA" && ns1) records = [{ type, group: IPV6_PROVIDERS_GROUP, host: k }];
      return { exists: true, records, zone };
    }
  }

  const reverse = name.endsWith(".arpa") ? reverseIndexOf(name.split(".")) : undefined;
  if (reverse) {
    const { n, family } = reverse;
    const owns = n < world.count && hasA(n) && (family === 6 ? hasAAAA(n) : n < IPV4_SPAN);
    if (!owns) return { exists: false, records: [], zone };
    const records: RecordData[] = type === "PTR" ? [{ type, name: `www.${domainName(world, n)}` }] : [];
    return { exists: true, records, zone };
  }

  // [label.]d<N>.<tld>, as parseDomain's /^(?:([a-z0-9]+)\.)?d(0|[1-9][0-9]*)\.([a-z]+)$/
  const n = zone;
  if (n < 0 || dots > 2 || (dots === 2 && !everyChar(name, 0, previous, isLetterOrDigit))) {
    return { exists: false, records: [], zone };
  }
  const label = dots === 2 ? name.slice(0, previous) : "";
  const exists =
    label === "" ||
    (label === "www" && hasA(n)) ||
    (label === "mx" && hasMX(n)) ||
    (label === "ntp" && hasNTP(n)) ||
    ((label === "ns1" || label === "ns2") && inHouseNS(n));
  if (!exists) return { exists: false, records: [], zone };
  let records: RecordData[] = [];
  if (label === "") {
    if (type === "NS") {
      const [ns1, ns2] = nameServers(world, n) as [string, string];
      records = [
        { type, name: ns1 },
        { type, name: ns2 },
      ];
    } else if (type === "MX" && hasMX(n)) {
      records = [{ type, preference: 10, exchange: `mx.${domainName(world, n)}` }];
    } else if (type === "SOA") records = [{ type, soa: soaOf(world, n) }];
    else if (type === "A" && hasA(n)) records = [{ type, address: IPV4_DOMAINS + (n % IPV4_SPAN) }];
  } else if (type === "A") records = [{ type, address: IPV4_DOMAINS + (n % IPV4_SPAN) }];
  else if (
    type === "AAAA" &&
    ((label === "www" && hasAAAA(n)) ||
      (label === "mx" && n % 6 === 0) ||
      ((label === "ns1" || label === "ns2") && n % 4 === 0))
  ) {
    records = [{ type, group: IPV6_DOMAINS_GROUP, host: n }];
  }
  return { exists: true, records, zone };
}

/**
 * N when name.slice(from, to) is `d<N>` and name.slice(to + 1) N's TLD: canonical decimal
 * N < count, a TLD of letters. Else -1.
 */
function domainIndex(world: World, name: string, from: number, to: number): number {
  if (name.charCodeAt(from) !== 0x64 /* d */ || (to - from > 2 && name.charCodeAt(from + 1) === 0x30))
    return -1;
  const n = digitsValue(name, from + 1, to);
  if (!(n < world.count)) return -1;
  const tld = world.tlds[n % world.tlds.length]!;
  const ok = tld.length === name.length - to - 1 && name.startsWith(tld, to + 1);
  return ok && everyChar(tld, 0, tld.length, isLetter) ? n : -1;
}

const isLetter = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetterOrDigit = (c: number) => isLetter(c) || isDigit(c);

/** Whether s.slice(from, to) is one or more characters that all pass `test` (a pattern's [...]+). */
function everyChar(s: string, from: number, to: number, test: (c: number) => boolean): boolean {
  for (let i = from; i < to; i++) if (!test(s.charCodeAt(i))) return false;
  return to > from;
}

/** Number(s.slice(from, to)) when that is one or more ASCII digits (a pattern's \d+), else NaN. */
function digitsValue(s: string, from: number, to: number): number {
  if (!everyChar(s, from, to, isDigit)) return Number.NaN;
  if (to - from > 15) return Number(s.slice(from, to)); // past exact sums of digits
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + s.charCodeAt(i) - 0x30;
  return value;
}

/** reverseIndex() on labels: the index N of a PTR name under 198.18/15 or 2001:db8:5ca1::/48. */
function reverseIndexOf(labels: string[]): { n: number; family: 4 | 6 } | undefined {
  if (labels.length === 6) {
    const [a, b, c, d, e, f] = labels as [string, string, string, string, string, string];
    if (f !== "arpa" || e !== "in-addr" || d !== "198" || (c !== "18" && c !== "19")) return undefined;
    const low = digitsValue(a, 0, a.length);
    const middle = digitsValue(b, 0, b.length);
    if (Number.isNaN(low) || Number.isNaN(middle)) return undefined;
    return { n: (Number(c) - 18) * 65536 + middle * 256 + low, family: 4 };
  }
  if (labels.length !== 20 + IP6_ARPA_TAIL.length) return undefined;
  for (let i = 0; i < IP6_ARPA_TAIL.length; i++) if (labels[20 + i] !== IP6_ARPA_TAIL[i]) return undefined;
  // 20 nibbles, least significant first; exact while below 2^53, and at or above it once past
  let value = 0;
  for (let i = 19; i >= 0; i--) {
    const nibble = labels[i]!;
    const c = nibble.charCodeAt(0);
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
    if (nibble.length !== 1 || digit < 0) return undefined;
    value = value * 16 + digit;
  }
  return Number.isSafeInteger(value) ? { n: value, family: 6 } : undefined;
}
