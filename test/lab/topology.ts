// The lab's fixed shape: namespaces, links, router chain and the sites that scenario addresses
// live on. Pure data plus the list of routes each namespace gets; netns.ts turns it into `ip`
// commands. Picture:  vantage ─ r1 ═narrow═ r2(silent) ─ r3 ─┬─ near / dns ; r3 ─ r4 ─ far
import { ALLOWED_RANGES } from "./allowed-ranges.js";

export const NS_PREFIX = "v6m-";
export type Site = "near" | "far" | "dns";
export const SITES: readonly Site[] = ["near", "far", "dns"];

export interface Link {
  a: string;
  b: string;
  /** Interface names (at most 15 characters) at each end. */
  aIf: string;
  bIf: string;
  a4: string;
  b4: string;
  a6: string;
  b6: string;
  len4: number;
  /** Link MTU for IPv4 and the IPv6 MTU (net.ipv6.conf.IF.mtu), when narrower than 1500. */
  mtu4?: number;
  mtu6?: number;
}

/** Every namespace the lab creates, without the prefix. */
export const NAMESPACES = ["vantage", "resolver", "r1", "r2", "r3", "r4", "near", "far", "dns"] as const;
export const ROUTERS = ["r1", "r2", "r3", "r4"] as const;
/** The router that never sends ICMP time-exceeded (a `*` in every traceroute). */
export const SILENT_ROUTER = "r2";

export const LINKS: Link[] = [
  link("r1", "vantage", "192.0.2.1", "192.0.2.2", 29, "2001:db8:1:1::1", "2001:db8:1:1::2"),
  link("r1", "resolver", "192.0.2.49", "192.0.2.53", 28, "2001:db8:1:53::1", "2001:db8:1:53::53"),
  {
    ...link("r1", "r2", "198.51.100.1", "198.51.100.2", 30, "2001:db8:ff12::1", "2001:db8:ff12::2"),
    mtu4: 1400,
    mtu6: 1280,
  },
  link("r2", "r3", "198.51.100.5", "198.51.100.6", 30, "2001:db8:ff23::1", "2001:db8:ff23::2"),
  link("r3", "r4", "198.51.100.9", "198.51.100.10", 30, "2001:db8:ff34::1", "2001:db8:ff34::2"),
  link("r3", "near", "198.51.100.13", "198.51.100.14", 30, "2001:db8:ff3a::1", "2001:db8:ff3a::2"),
  link("r3", "dns", "198.51.100.17", "198.51.100.18", 30, "2001:db8:ff3d::1", "2001:db8:ff3d::2"),
  link("r4", "far", "198.51.100.21", "198.51.100.22", 30, "2001:db8:ff4b::1", "2001:db8:ff4b::2"),
];

function link(a: string, b: string, a4: string, b4: string, len4: number, a6: string, b6: string): Link {
  return { a, b, aIf: `to-${b}`, bIf: `to-${a}`, a4, b4, a6, b6, len4 };
}

export const VANTAGE = { ns: `${NS_PREFIX}vantage`, ipv4: "192.0.2.2", ipv6: "2001:db8:1:1::2" };
export const RESOLVER = { ns: `${NS_PREFIX}resolver`, ipv4: "192.0.2.53", ipv6: "2001:db8:1:53::53" };
/** The client side (vantage and resolver), routed back towards r1 by the routers behind it. */
const CLIENT_NETS = ["192.0.2.0/26", "2001:db8:1::/48"];

/** Authoritative infrastructure in the dns site: the root and every TLD. */
export const ROOT_SERVER = { name: "a.root-servers.net", ipv4: "203.0.113.1", ipv6: "2001:db8:53::1" };
export const TLD_SERVER = { name: "a.nic.net", ipv4: "203.0.113.2", ipv6: "2001:db8:53::2" };

/** Hop counts from the vantage point: r1, r2 (silent), r3, then the site; far adds r4. */
export const SITE_HOPS: Record<Site, number> = { near: 4, dns: 4, far: 5 };
export const SITE_ROUTER: Record<Site, string> = { near: "r3", dns: "r3", far: "r4" };

/** Names for router addresses: PTR records in the lab's reverse zones and A/AAAA in transit.net. */
export const ROUTER_NAMES: Record<string, string> = {};
for (const l of LINKS) {
  for (const [ns, v4, v6] of [[l.a, l.a4, l.a6] as const, [l.b, l.b4, l.b6] as const]) {
    if (ns.startsWith("r")) {
      ROUTER_NAMES[v4] = `${ns}.transit.net`;
      ROUTER_NAMES[v6] = `${ns}.transit.net`;
    }
  }
}

export interface Route {
  to: string;
  via: string;
}

function peer(ns: string, other: string): { v4: string; v6: string } {
  const l = LINKS.find((x) => (x.a === ns && x.b === other) || (x.b === ns && x.a === other));
  if (!l) throw new Error(`no link between ${ns} and ${other}`);
  return l.a === other ? { v4: l.a4, v6: l.a6 } : { v4: l.b4, v6: l.b6 };
}

function towards(ns: string, other: string, prefixes: readonly string[]): Route[] {
  const gw = peer(ns, other);
  return prefixes.map((to) => ({ to, via: to.includes(":") ? gw.v6 : gw.v4 }));
}

/**
 * Routes of every namespace. Only lab prefixes, never a default route. `siteAddresses` are the
 * scenario's service addresses per site; routers get one host route for each.
 */
export function routesFor(siteAddresses: Record<Site, string[]>): Record<string, Route[]> {
  const host = (a: string) => (a.includes(":") ? `${a}/128` : `${a}/32`);
  const r1r2 = ["198.51.100.0/30", "2001:db8:ff12::/64"];
  const behindR3 = [...LINKS.filter((l) => l.a === "r4").flatMap((l) => [`${l.b4}/30`, `${l.b6}/64`])];
  const far = siteAddresses.far.map(host);
  return {
    vantage: towards("vantage", "r1", ALLOWED_RANGES),
    resolver: towards("resolver", "r1", ALLOWED_RANGES),
    r1: towards("r1", "r2", ALLOWED_RANGES),
    r2: [...towards("r2", "r1", CLIENT_NETS), ...towards("r2", "r3", ALLOWED_RANGES)],
    r3: [
      ...towards("r3", "r2", [...CLIENT_NETS, ...r1r2]),
      ...towards("r3", "near", siteAddresses.near.map(host)),
      ...towards("r3", "dns", siteAddresses.dns.map(host)),
      ...towards("r3", "r4", [...far, ...behindR3.map(networkOf)]),
    ],
    r4: [...towards("r4", "r3", ALLOWED_RANGES), ...towards("r4", "far", far)],
    near: towards("near", "r3", ALLOWED_RANGES),
    dns: towards("dns", "r3", ALLOWED_RANGES),
    far: towards("far", "r4", ALLOWED_RANGES),
  };
}

/** `198.51.100.22/30` -> `198.51.100.20/30`; IPv6 /64 link prefixes of the plan end in `::2`. */
function networkOf(prefix: string): string {
  const [addr, bits] = prefix.split("/") as [string, string];
  if (addr.includes(":")) return `${addr.replace(/::\w+$/, "::")}/${bits}`;
  const parts = addr.split(".").map(Number);
  const mask = Number(bits);
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const net = (n & (~0 << (32 - mask))) >>> 0;
  return `${[net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join(".")}/${bits}`;
}

/** Every address the topology itself uses (links, clients, DNS infrastructure). */
export function topologyAddresses(): string[] {
  return [
    ...LINKS.flatMap((l) => [l.a4, l.b4, l.a6, l.b6]),
    ...CLIENT_NETS,
    ROOT_SERVER.ipv4,
    ROOT_SERVER.ipv6,
    TLD_SERVER.ipv4,
    TLD_SERVER.ipv6,
  ];
}
