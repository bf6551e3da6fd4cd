// IP addresses and CIDR prefixes, once for the whole project: parsing (validated by node:net's
// isIP), the 128-bit / 32-bit integer form, canonical text, and prefix matching with the most
// specific match. It holds no registry (special-purpose.ts) and never touches the network.
//
// node:net's BlockList is not used for matching: it cannot say which rule matched (needed for
// most-specific semantics), and it matches IPv4 addresses against IPv6 rules (::/0 takes
// 192.0.2.1), where a prefix here only ever takes addresses of its own family.

import { isIP } from "node:net";

export type IpFamily = 4 | 6;

export interface ParsedIp {
  readonly family: IpFamily;
  /** The address as an unsigned integer of 32 (IPv4) or 128 (IPv6) bits. */
  readonly value: bigint;
}

export interface Cidr {
  readonly family: IpFamily;
  /** The network address: the integer form with every host bit cleared. */
  readonly network: bigint;
  readonly bits: number;
  /** The prefix as written in canonical text, e.g. "2001:db8::/32". */
  readonly text: string;
}

export class AddressError extends Error {
  override name = "AddressError";
}

const widthOf = (family: IpFamily) => (family === 4 ? 32 : 128);

/** The address text, or undefined when node:net does not take it for an IP address (zone ids are refused). */
export function parseIp(text: string): ParsedIp | undefined {
  const family = isIP(text);
  if (family === 0 || text.includes("%")) return undefined;
  return family === 4 ? { family, value: ipv4Value(text) } : { family: 6, value: ipv6Value(text) };
}

function ipv4Value(text: string): bigint {
  return text.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

/** Only for text isIP has accepted as IPv6 (an embedded dotted quad included). */
function ipv6Value(text: string): bigint {
  let hex = text;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(hex);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    hex = `${hex.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = hex.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, group) => (n << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/** Canonical text: dotted quad, or RFC 5952 (lower case, longest run of zero groups as "::"). */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
  }
  const text = groups.map((group) => group.toString(16));
  if (best < 0) return text.join(":");
  return `${text.slice(0, best).join(":")}::${text.slice(best + bestLength).join(":")}`;
}

/** The canonical text of an address, or the text itself when it is not one. */
export function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return ip ? formatIp(ip.family, ip.value) : text;
}

/** "net/bits", or undefined when it is not one. Host bits set are cleared (10.1.2.3/8 is 10.0.0.0/8). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, bitsText, extra] = text.trim().split("/");
  if (address === undefined || bitsText === undefined || extra !== undefined || !/^\d{1,3}$/.test(bitsText))
    return undefined;
  const ip = parseIp(address);
  const bits = Number(bitsText);
  if (!ip || bits > widthOf(ip.family)) return undefined;
  const network = ip.value & maskOf(ip.family, bits);
  return { family: ip.family, network, bits, text: `${formatIp(ip.family, network)}/${bits}` };
}

/** Like parseCidr, but a typed error naming `where` and the text. */
export function cidr(text: string, where = "prefix"): Cidr {
  const parsed = parseCidr(text);
  if (!parsed)
    throw new AddressError(
      `${where}: ${JSON.stringify(text)} is not a CIDR prefix (e.g. 192.0.2.0/24, 2001:db8::/32)`,
    );
  return parsed;
}

function maskOf(family: IpFamily, bits: number): bigint {
  const width = BigInt(widthOf(family));
  return ((1n << width) - 1n) ^ ((1n << (width - BigInt(bits))) - 1n);
}

/** Whether the address lies in the prefix; never across families. */
export function inCidr(ip: ParsedIp, prefix: Cidr): boolean {
  return ip.family === prefix.family && (ip.value & maskOf(prefix.family, prefix.bits)) === prefix.network;
}

/**
 * A set of prefixes, each carrying a value, answering with the most specific prefix that holds an
 * address. Lists are a few dozen entries long, so a scan from the longest prefix down is enough.
 */
export class PrefixMap<T> {
  private readonly entries: { prefix: Cidr; mask: bigint; value: T }[];
  constructor(entries: Iterable<readonly [Cidr | string, T]>) {
    this.entries = [...entries]
      .map(([prefix, value]) => {
        const parsed = typeof prefix === "string" ? cidr(prefix) : prefix;
        return { prefix: parsed, mask: maskOf(parsed.family, parsed.bits), value };
      })
      .sort((a, b) => b.prefix.bits - a.prefix.bits);
  }
  /** The value of the longest prefix holding `ip` (text or parsed), if any. */
  lookup(ip: string | ParsedIp): T | undefined {
    const parsed = typeof ip === "string" ? parseIp(ip) : ip;
    if (!parsed) return undefined;
    for (const entry of this.entries)
      if (entry.prefix.family === parsed.family && (parsed.value & entry.mask) === entry.prefix.network)
        return entry.value;
    return undefined;
  }
}

/** A plain set of prefixes (prober.allow_ranges, a test's confinement). */
export class PrefixSet {
  private readonly map: PrefixMap<true>;
  readonly prefixes: readonly Cidr[];
  constructor(prefixes: Iterable<Cidr | string>, where = "prefix") {
    this.prefixes = [...prefixes].map((p) => (typeof p === "string" ? cidr(p, where) : p));
    this.map = new PrefixMap(this.prefixes.map((p) => [p, true] as const));
  }
  has(ip: string | ParsedIp): boolean {
    return this.map.lookup(ip) === true;
  }
  /** Whether the whole of `prefix` lies inside one prefix of the set. */
  covers(prefix: Cidr | string): boolean {
    const p = typeof prefix === "string" ? parseCidr(prefix) : prefix;
    return (
      p !== undefined &&
      this.prefixes.some((q) => q.bits <= p.bits && inCidr({ family: p.family, value: p.network }, q))
    );
  }
}

/** The PTR owner name of an address, without the trailing dot: in-addr.arpa (RFC 1035 3.5) or ip6.arpa nibbles (RFC 3596 2.5). */
export function reverseName(text: string): string | undefined {
  const ip = parseIp(text.replace(/%.*$/, ""));
  if (!ip) return undefined;
  if (ip.family === 4) return `${formatIp(4, ip.value).split(".").reverse().join(".")}.in-addr.arpa`;
  return `${[...ip.value.toString(16).padStart(32, "0")].reverse().join(".")}.ip6.arpa`;
}
