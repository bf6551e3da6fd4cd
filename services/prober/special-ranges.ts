// Which addresses the prober must not send to (SPEC change 7): the IANA special-purpose
// registries (RFC 6890 and successors) for private, loopback, link-local, multicast,
// documentation and reserved space, unless `prober.allow_ranges` allows the range. Pure.
// Deliberately not listed: 6to4 (2002::/16) and Teredo (2001::/32) are real, globally
// routed tunnel addresses that SPEC 3 classifies and SPEC 4 measures.

import { BlockList, isIP } from "node:net";

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

function blockOf(cidr: string): BlockList {
  const [address, bits] = cidr.split("/") as [string, string];
  const list = new BlockList();
  list.addSubnet(address, Number(bits), isIP(address) === 6 ? "ipv6" : "ipv4");
  return list;
}

// Each family checked against its own ranges: BlockList would also match an IPv4-mapped
// IPv6 address against IPv4 rules, and ::ffff:0:0/96 is listed as such.
const compiled = ranges.map((range) => ({
  range,
  version: isIP(range.prefix.split("/")[0]!),
  block: blockOf(range.prefix),
}));

/** The special-purpose range `ip` lies in, if any. */
export function specialRangeOf(ip: string): SpecialRange | undefined {
  const version = isIP(ip);
  if (version === 0) return undefined;
  const kind = version === 6 ? "ipv6" : "ipv4";
  return compiled.find((entry) => entry.version === version && entry.block.check(ip, kind))?.range;
}

/** The allowed ranges (prober.allow_ranges), compiled once. */
export class AllowedRanges {
  private readonly v4 = new BlockList();
  private readonly v6 = new BlockList();
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address, bits] = cidr.split("/") as [string, string];
      if (isIP(address) === 6) this.v6.addSubnet(address, Number(bits), "ipv6");
      else this.v4.addSubnet(address, Number(bits), "ipv4");
    }
  }
  allows(ip: string): boolean {
    return isIP(ip) === 6 ? this.v6.check(ip, "ipv6") : this.v4.check(ip, "ipv4");
  }
}

/** Why `ip` is not probed, or undefined when it may be. */
export function notProbedReason(ip: string, allowed: AllowedRanges): string | undefined {
  if (isIP(ip) === 0) return `not an IP address: ${JSON.stringify(ip.slice(0, 60))}`;
  const range = specialRangeOf(ip);
  if (!range || allowed.allows(ip)) return undefined;
  return `special-purpose range ${range.prefix} (${range.kind}, ${range.source}); allow it with prober.allow_ranges`;
}
