// The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and the RFCs that added
// to them), every entry with its name, RFC and flags, matched most-specific-first; and the one
// rule built on them: which addresses are valid as a host's address and may be probed or fetched
// (SPEC 3 `valid`, SPEC 4 "never probed"). Data and pure functions; no network.

import { formatIp, type ParsedIp, PrefixMap, PrefixSet, parseIp } from "./address.js";

/** A registry flag: True, False, or N/A (the registry's own three values). */
export type Flag = boolean | "n/a";

export interface SpecialRange {
  readonly prefix: string;
  /** The registry's name for the block. */
  readonly name: string;
  /** A short tag: ip6Type of an IPv6 address in the block, and the kind in not_probed_reason. */
  readonly kind: string;
  readonly rfc: string;
  readonly source: Flag;
  readonly destination: Flag;
  readonly forwardable: Flag;
  readonly globallyReachable: Flag;
  readonly reservedByProtocol: Flag;
  /** Where the entry comes from: the special-purpose registries, or the address-space registries (multicast, site-local). */
  readonly registry: "ipv4-special" | "ipv6-special" | "address-space";
}

type Row = [prefix: string, name: string, kind: string, rfc: string, flags: string];

/** Flags as the registry's columns read: Source, Destination, Forwardable, Globally Reachable, Reserved-by-Protocol (T, F, -). */
function entries(registry: SpecialRange["registry"], rows: readonly Row[]): SpecialRange[] {
  const flag = (c: string): Flag => (c === "T" ? true : c === "F" ? false : "n/a");
  return rows.map(([prefix, name, kind, rfc, flags]) => {
    const [source, destination, forwardable, globallyReachable, reservedByProtocol] = [...flags].map(
      flag,
    ) as Flag[];
    return {
      prefix,
      name,
      kind,
      rfc,
      source,
      destination,
      forwardable,
      globallyReachable,
      reservedByProtocol,
      registry,
    } as SpecialRange;
  });
}

// https://www.iana.org/assignments/iana-ipv4-special-registry, as of 2026.
const ipv4Special = entries("ipv4-special", [
  ["0.0.0.0/8", '"This network"', "this-network", "RFC 791, Section 3.2", "TFFFT"],
  ["0.0.0.0/32", '"This host on this network"', "this-host", "RFC 1122, Section 3.2.1.3", "TFFFT"],
  ["10.0.0.0/8", "Private-Use", "private", "RFC 1918", "TTTFF"],
  ["100.64.0.0/10", "Shared Address Space", "shared", "RFC 6598", "TTTFF"],
  ["127.0.0.0/8", "Loopback", "loopback", "RFC 1122, Section 3.2.1.3", "FFFFT"],
  ["169.254.0.0/16", "Link Local", "link-local", "RFC 3927", "TTFFT"],
  ["172.16.0.0/12", "Private-Use", "private", "RFC 1918", "TTTFF"],
  ["192.0.0.0/24", "IETF Protocol Assignments", "ietf-protocol", "RFC 6890, Section 2.1", "FFFFF"],
  ["192.0.0.0/29", "IPv4 Service Continuity Prefix", "service-continuity", "RFC 7335", "TTTFF"],
  ["192.0.0.8/32", "IPv4 dummy address", "dummy", "RFC 7600", "TFFFF"],
  ["192.0.0.9/32", "Port Control Protocol Anycast", "pcp-anycast", "RFC 7723", "TTTTF"],
  ["192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "turn-anycast", "RFC 8155", "TTTTF"],
  ["192.0.0.170/32", "NAT64/DNS64 Discovery", "nat64-discovery", "RFC 8880; RFC 7050, Section 2.2", "FFFFT"],
  ["192.0.0.171/32", "NAT64/DNS64 Discovery", "nat64-discovery", "RFC 8880; RFC 7050, Section 2.2", "FFFFT"],
  ["192.0.2.0/24", "Documentation (TEST-NET-1)", "documentation", "RFC 5737", "FFFFF"],
  ["192.31.196.0/24", "AS112-v4", "as112", "RFC 7535", "TTTTF"],
  ["192.52.193.0/24", "AMT", "amt", "RFC 7450", "TTTTF"],
  ["192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "deprecated", "RFC 7526", "-----"],
  ["192.88.99.2/32", "6a44-relay anycast address", "6a44-relay", "RFC 6751", "TTTFF"],
  ["192.168.0.0/16", "Private-Use", "private", "RFC 1918", "TTTFF"],
  ["192.175.48.0/24", "Direct Delegation AS112 Service", "as112", "RFC 7534", "TTTTF"],
  ["198.18.0.0/15", "Benchmarking", "benchmarking", "RFC 2544", "TTTFF"],
  ["198.51.100.0/24", "Documentation (TEST-NET-2)", "documentation", "RFC 5737", "FFFFF"],
  ["203.0.113.0/24", "Documentation (TEST-NET-3)", "documentation", "RFC 5737", "FFFFF"],
  ["240.0.0.0/4", "Reserved", "reserved", "RFC 1112, Section 4", "FFFFT"],
  ["255.255.255.255/32", "Limited Broadcast", "broadcast", "RFC 8190; RFC 919, Section 7", "FTFFT"],
]);

// https://www.iana.org/assignments/iana-ipv6-special-registry, as of 2026.
const ipv6Special = entries("ipv6-special", [
  ["::1/128", "Loopback Address", "loopback", "RFC 4291", "FFFFT"],
  ["::/128", "Unspecified Address", "unspecified", "RFC 4291", "TFFFT"],
  ["::ffff:0:0/96", "IPv4-mapped Address", "ipv4-mapped", "RFC 4291", "FFFFT"],
  ["64:ff9b::/96", "IPv4-IPv6 Translat.", "nat64", "RFC 6052", "TTTTF"],
  ["64:ff9b:1::/48", "IPv4-IPv6 Translat.", "nat64-local", "RFC 8215", "TTTFF"],
  ["100::/64", "Discard-Only Address Block", "discard", "RFC 6666", "TTTFF"],
  ["100:0:0:1::/64", "Dummy IPv6 Prefix", "dummy", "RFC 9780", "TFFFF"],
  ["2001::/23", "IETF Protocol Assignments", "ietf-protocol", "RFC 2928", "FFFFF"],
  ["2001::/32", "TEREDO", "teredo", "RFC 4380; RFC 8190", "TTT-F"],
  ["2001:1::1/128", "Port Control Protocol Anycast", "pcp-anycast", "RFC 7723", "TTTTF"],
  ["2001:1::2/128", "Traversal Using Relays around NAT Anycast", "turn-anycast", "RFC 8155", "TTTTF"],
  ["2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "dnssd-srp-anycast", "RFC 9665", "TTTTF"],
  ["2001:2::/48", "Benchmarking", "benchmarking", "RFC 5180; RFC Errata 1752", "TTTFF"],
  ["2001:3::/32", "AMT", "amt", "RFC 7450", "TTTTF"],
  ["2001:4:112::/48", "AS112-v6", "as112", "RFC 7535", "TTTTF"],
  ["2001:10::/28", "Deprecated (previously ORCHID)", "deprecated", "RFC 4843", "-----"],
  ["2001:20::/28", "ORCHIDv2", "orchid", "RFC 7343", "TTTTF"],
  ["2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "drone-det", "RFC 9374", "TTTTF"],
  ["2001:db8::/32", "Documentation", "documentation", "RFC 3849", "FFFFF"],
  ["2002::/16", "6to4", "6to4", "RFC 3056", "TTT-F"],
  ["2620:4f:8000::/48", "Direct Delegation AS112 Service", "as112", "RFC 7534", "TTTTF"],
  ["3fff::/20", "Documentation", "documentation", "RFC 9637", "FFFFF"],
  ["5f00::/16", "Segment Routing (SRv6) SIDs", "srv6-sid", "RFC 9602", "TTTFF"],
  ["fc00::/7", "Unique-Local", "ula", "RFC 4193; RFC 8190", "TTTFF"],
  ["fe80::/10", "Link-Local Unicast", "link-local", "RFC 4291", "TTFFT"],
]);

// Not in the special-purpose registries but never a host's address either: multicast (the
// IPv4 Multicast and IPv6 Address Space registries) and deprecated site-local. Flags written
// in the registries' terms: a multicast group is a destination, but no web host lives there.
const addressSpace = entries("address-space", [
  ["224.0.0.0/4", "Multicast", "multicast", "RFC 5771", "FTTFF"],
  ["fec0::/10", "Site-Local (deprecated)", "site-local", "RFC 3879", "TTFFF"],
  ["ff00::/8", "Multicast", "multicast", "RFC 4291", "FTTFF"],
]);

/** Every entry, registry order: IPv4 special-purpose, IPv6 special-purpose, then address-space additions. */
export const specialRanges: readonly SpecialRange[] = [...ipv4Special, ...ipv6Special, ...addressSpace];

const byPrefix = new PrefixMap(specialRanges.map((range) => [range.prefix, range] as const));

/** The most specific special-purpose entry holding `ip` (text or parsed), if any. */
export function specialPurpose(ip: string | ParsedIp): SpecialRange | undefined {
  return byPrefix.lookup(ip);
}

/**
 * Whether an entry's addresses can be a host's address on the Internet: the registry says the
 * block may be a destination and does not say it is not globally reachable (N/A, as for 6to4
 * and Teredo, is the address space of the embedded scheme: global). decisions/010.
 */
export function reachableRange(range: SpecialRange): boolean {
  return range.destination === true && range.globallyReachable !== false;
}

/** prober.allow_ranges compiled once; a plain list of CIDR text is taken as well. */
export type AllowRanges = PrefixSet | readonly string[];

const compiledAllow = new WeakMap<readonly string[], PrefixSet>();
function allowSet(allow: AllowRanges): PrefixSet {
  if (allow instanceof PrefixSet) return allow;
  let set = compiledAllow.get(allow);
  if (!set) {
    set = new PrefixSet(allow, "prober.allow_ranges");
    compiledAllow.set(allow, set);
  }
  return set;
}

/**
 * Why `ip` must not be sent a packet or a request, or undefined when it may be: it is not an IP
 * address, or it lies in a special-purpose block that is not a globally reachable destination
 * (loopback, private, link-local, ULA, documentation, ...), or it is a NAT64 (64:ff9b::/96) or
 * 6to4 address carrying such an IPv4 address; and `allowRanges` does not allow it.
 */
export function forbiddenReason(ip: string, allowRanges: AllowRanges): string | undefined {
  const parsed = parseIp(ip.trim());
  if (!parsed) return `not an IP address: ${JSON.stringify(ip.slice(0, 60))}`;
  const allow = allowSet(allowRanges);
  const range = specialPurpose(parsed);
  if (!range || allow.has(parsed)) return undefined;
  if (!reachableRange(range))
    return `special-purpose range ${range.prefix} (${range.kind}: ${range.name}, ${range.rfc}); allow it with prober.allow_ranges`;
  const carried = embeddedIpv4(parsed, range);
  const inner = carried && forbiddenReason(carried, allow);
  return inner && `${range.kind} address carrying ${carried}, which is forbidden: ${inner}`;
}

/**
 * The IPv4 address that the well-known NAT64 prefix (RFC 6052 3.1: it "MUST NOT be used to
 * represent non-global IPv4 addresses") and 6to4 (RFC 3056 2: built from a global IPv4
 * address) carry, so that 64:ff9b::7f00:1 or 2002:a00:1::1 are judged by 127.0.0.1 and 10.0.0.1.
 */
function embeddedIpv4(ip: ParsedIp, range: SpecialRange): string | undefined {
  const shift = range.prefix === "64:ff9b::/96" ? 0n : range.prefix === "2002::/16" ? 80n : undefined;
  return shift === undefined ? undefined : formatIp(4, (ip.value >> shift) & 0xffffffffn);
}

/** True when `ip` must not be probed or fetched (see forbiddenReason). */
export function isForbiddenDestination(ip: string, allowRanges: AllowRanges): boolean {
  return forbiddenReason(ip, allowRanges) !== undefined;
}

/** SPEC 3 `valid`: an address a host may have, the one rule behind "never probed" too. */
export function isValidHostAddress(ip: string, allowRanges: AllowRanges): boolean {
  return !isForbiddenDestination(ip, allowRanges);
}
