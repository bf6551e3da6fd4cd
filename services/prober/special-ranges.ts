// Which addresses the prober must not send to (SPEC change 7): the IANA special-purpose
// registries (RFC 6890 and successors) for private, loopback, link-local, multicast,
// documentation and reserved space, unless `prober.allow_ranges` allows the range. Pure.
// Deliberately not listed: 6to4 (2002::/16) and Teredo (2001::/32) are real, globally
// routed tunnel addresses that SPEC 3 classifies and SPEC 4 measures.

import { isIP } from "node:net";
import { canonicalIp } from "./icmp-packet.js";

export interface SpecialRange {
  readonly prefix: string;
  /** Why nothing is sent there, as recorded in AddressResult.not_probed_reason. */
  readonly kind: "private" | "loopback" | "link-local" | "multicast" | "documentation" | "reserved";
  readonly source: string;
}

const ranges: readonly SpecialRange[] = [
  { prefix: "0.0.0.0/8", kind: "reserved", source: "RFC 791, this network" },
  { prefix: "10.0.0.0/8", kind: "private", source: "RFC 1918" },
  { prefix: "100.64.0.0/10", kind: "private", source: "RFC 6598, shared address space" },
  { prefix: "127.0.0.0/8", kind: "loopback", source: "RFC 1122" },
  { prefix: "169.254.0.0/16", kind: "link-local", source: "RFC 3927" },
  { prefix: "172.16.0.0/12", kind: "private", source: "RFC 1918" },
  { prefix: "192.0.0.0/24", kind: "reserved", source: "RFC 6890, IETF protocol assignments" },
  { prefix: "192.0.2.0/24", kind: "documentation", source: "RFC 5737, TEST-NET-1" },
  { prefix: "192.88.99.0/24", kind: "reserved", source: "RFC 7526, deprecated 6to4 relay anycast" },
  { prefix: "192.168.0.0/16", kind: "private", source: "RFC 1918" },
  { prefix: "198.18.0.0/15", kind: "documentation", source: "RFC 2544, benchmarking" },
  { prefix: "198.51.100.0/24", kind: "documentation", source: "RFC 5737, TEST-NET-2" },
  { prefix: "203.0.113.0/24", kind: "documentation", source: "RFC 5737, TEST-NET-3" },
  { prefix: "224.0.0.0/4", kind: "multicast", source: "RFC 5771" },
  { prefix: "240.0.0.0/4", kind: "reserved", source: "RFC 1112, future use; includes broadcast" },
  { prefix: "::/128", kind: "reserved", source: "RFC 4291, unspecified" },
  { prefix: "::1/128", kind: "loopback", source: "RFC 4291" },
  { prefix: "::ffff:0:0/96", kind: "reserved", source: "RFC 4291, IPv4-mapped" },
  { prefix: "64:ff9b:1::/48", kind: "private", source: "RFC 8215, local-use NAT64" },
  { prefix: "100::/64", kind: "reserved", source: "RFC 6666, discard-only" },
  { prefix: "2001:2::/48", kind: "documentation", source: "RFC 5180, benchmarking" },
  { prefix: "2001:10::/28", kind: "reserved", source: "RFC 4843, deprecated ORCHID" },
  { prefix: "2001:db8::/32", kind: "documentation", source: "RFC 3849" },
  { prefix: "3fff::/20", kind: "documentation", source: "RFC 9637" },
  { prefix: "5f00::/16", kind: "reserved", source: "RFC 9602, SRv6 SIDs" },
  { prefix: "fc00::/7", kind: "private", source: "RFC 4193, unique local" },
  { prefix: "fe80::/10", kind: "link-local", source: "RFC 4291" },
  { prefix: "fec0::/10", kind: "reserved", source: "RFC 3879, deprecated site-local" },
  { prefix: "ff00::/8", kind: "multicast", source: "RFC 4291" },
];

/** An address as 32-bit words (one for IPv4, four for IPv6), for prefix comparisons. */
function wordsOf(ip: string, version: number): number[] {
  if (version === 4) return [ip.split(".").reduce((n, part) => n * 256 + Number(part), 0)];
  const hex = canonicalIp(ip);
  const [head = "", tail] = hex.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = [...h, ...new Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t].map((g) =>
    Number.parseInt(g, 16),
  );
  return [0, 1, 2, 3].map((i) => groups[2 * i]! * 65_536 + groups[2 * i + 1]!);
}

interface Prefix {
  readonly version: number;
  readonly words: number[];
  readonly bits: number;
}

function prefixOf(cidr: string): Prefix {
  const [address, bits] = cidr.split("/") as [string, string];
  const version = isIP(address);
  return { version, words: wordsOf(address, version), bits: Number(bits) };
}

/** Whether the first `prefix.bits` bits of `words` equal the prefix's. */
function within(words: readonly number[], version: number, prefix: Prefix): boolean {
  if (version !== prefix.version) return false;
  let bits = prefix.bits;
  for (let i = 0; bits > 0; i++, bits -= 32) {
    const take = Math.min(32, bits);
    const shift = 32 - take;
    // >>> keeps it unsigned; a shift of 32 is a no-op in JavaScript, so full words compare whole.
    if (take === 32 ? words[i] !== prefix.words[i] : words[i]! >>> shift !== prefix.words[i]! >>> shift)
      return false;
  }
  return true;
}

const compiled = ranges.map((range) => ({ range, prefix: prefixOf(range.prefix) }));

/** The special-purpose range `ip` lies in, if any. */
export function specialRangeOf(ip: string): SpecialRange | undefined {
  const version = isIP(ip);
  if (version === 0) return undefined;
  const words = wordsOf(ip, version);
  return compiled.find((entry) => within(words, version, entry.prefix))?.range;
}

/** The allowed ranges (prober.allow_ranges, or a test's confinement), compiled once. */
export class AllowedRanges {
  private readonly prefixes: Prefix[];
  constructor(cidrs: readonly string[]) {
    this.prefixes = cidrs.map(prefixOf);
  }
  allows(ip: string): boolean {
    const version = isIP(ip);
    if (version === 0) return false;
    const words = wordsOf(ip, version);
    return this.prefixes.some((prefix) => within(words, version, prefix));
  }
}

/** Why `ip` is not probed, or undefined when it may be. */
export function notProbedReason(ip: string, allowed: AllowedRanges): string | undefined {
  if (isIP(ip) === 0) return `not an IP address: ${JSON.stringify(ip.slice(0, 60))}`;
  const range = specialRangeOf(ip);
  if (!range || allowed.allows(ip)) return undefined;
  return `special-purpose range ${range.prefix} (${range.kind}, ${range.source}); allow it with prober.allow_ranges`;
}
