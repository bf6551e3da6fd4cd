// The dns6 verdict (docs/decisions/014, READINESS contract of table dns6_chains) as pure functions
// over what the walk found at each zone cut: how many servers answer authoritatively over IPv6,
// why a cut has none, whether the child agrees with its parent, and the domain's row. It asks
// nothing; walk.ts gathers the cuts.

export type NameStatus = "answers" | "lame" | "silent" | "ipv4_mapped" | "no_address";

/** One NS name of a cut (or, at the root, one root hint) and what its IPv6 addresses did. */
export interface NameCheck {
  readonly name: string;
  /** The name lies inside the zone it serves, so only the parent's glue can give its address. */
  readonly inBailiwick: boolean;
  readonly addresses: readonly string[];
  /** The best of its addresses: answers > lame > silent > ipv4_mapped > no_address. */
  readonly status: NameStatus;
}

export interface CutCheck {
  readonly zone: string;
  readonly names: readonly NameCheck[];
  /** NS names (root: hint addresses) with an address that answered authoritatively over IPv6. */
  readonly servers: number;
  /** The parent's NS set and AAAA glue ([] and {} for the root, which has no parent). */
  readonly parentNs: readonly string[];
  readonly parentAaaa: Readonly<Record<string, readonly string[]>>;
  /** The zone's own NS set and additional AAAA, from its first authoritative answer over IPv6. */
  readonly childNs?: readonly string[];
  readonly childAaaa?: Readonly<Record<string, readonly string[]>>;
}

export type Dns6Reason =
  | ""
  | "no_aaaa_glue"
  | "ns_without_aaaa"
  | "ns_silent_v6"
  | "lame_v6"
  | "ipv4_mapped"
  | "one_ipv6_nameserver"
  | "no_domain";

/** How the walk down to the domain ended. */
export type WalkEnd =
  | { readonly kind: "reached" }
  /** NXDOMAIN, or the name exists but no zone is delegated for it. */
  | { readonly kind: "no_domain" }
  /** A cut's servers answered "<zone> NS" but none answered the question below it. */
  | { readonly kind: "failed"; readonly zone: string; readonly reason: Dns6Reason };

export interface Dns6Verdict {
  readonly ready: boolean;
  readonly reason: Dns6Reason;
  readonly brokenZone: string;
  readonly minServers: number;
  readonly zoneServers: number;
  readonly cuts: string[];
  readonly cutServers: number[];
  readonly parentChildAgree: boolean;
}

const rank: Record<NameStatus, number> = { answers: 4, lame: 3, silent: 2, ipv4_mapped: 1, no_address: 0 };

/** The best status of a name's addresses (no_address when it has none). */
export function bestStatus(statuses: readonly NameStatus[]): NameStatus {
  let best: NameStatus = "no_address";
  for (const status of statuses) if (rank[status] > rank[best]) best = status;
  return best;
}

/**
 * Why a cut has no IPv6-answering server: the best that any of its names got. A server that
 * answers but not for the zone (lame) came closest, then one with an address that is silent, then
 * an IPv4-mapped address; with no address at all, an in-bailiwick name points at the parent's glue.
 */
export function cutReason(cut: CutCheck): Dns6Reason {
  const best = bestStatus(cut.names.map((n) => n.status));
  if (best === "answers") return "";
  if (best === "lame") return "lame_v6";
  if (best === "silent") return "ns_silent_v6";
  if (best === "ipv4_mapped") return "ipv4_mapped";
  return cut.names.some((n) => n.inBailiwick) ? "no_aaaa_glue" : "ns_without_aaaa";
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/**
 * The child's NS set equals the parent's, and for every in-bailiwick name whose AAAA the child
 * gave, the same addresses as the parent's glue (RFC 1034 4.2.2 asks them to be consistent). False
 * when the child never answered over IPv6: there is nothing to compare.
 */
export function parentChildAgree(cut: CutCheck): boolean {
  if (!cut.childNs) return false;
  if (!sameSet(cut.childNs, cut.parentNs)) return false;
  for (const name of cut.names) {
    const child = cut.childAaaa?.[name.name];
    if (!name.inBailiwick || !child) continue;
    if (!sameSet(child, cut.parentAaaa[name.name] ?? [])) return false;
  }
  return true;
}

/**
 * The domain's row: the first cut from the top with no IPv6-answering server breaks the chain;
 * else a walk that did not reach a zone for the domain is no_domain; else the domain's own zone
 * needs `minServers` (readiness.min_ipv6_nameservers) servers: draft-ietf-dnsop-3901bis asks for
 * two, as RFC 2182 does for any zone. min_servers is 0 when the domain's zone was never reached.
 */
export function dns6Verdict(
  domain: string,
  cuts: readonly CutCheck[],
  end: WalkEnd,
  minServers: number,
): Dns6Verdict {
  const cutServers = cuts.map((c) => c.servers);
  const last = cuts.at(-1);
  const reached = end.kind === "reached" && last?.zone === domain;
  const zoneServers = reached ? last.servers : 0;
  const minOver = Math.min(...cutServers, ...(reached ? [] : [0]));
  const row = (reason: Dns6Reason, brokenZone: string): Dns6Verdict => ({
    ready: reason === "",
    reason,
    brokenZone,
    minServers: Number.isFinite(minOver) ? minOver : 0,
    zoneServers,
    cuts: cuts.map((c) => c.zone),
    cutServers,
    parentChildAgree: reached && last !== undefined && parentChildAgree(last),
  });
  const broken = cuts.find((c) => c.servers === 0);
  if (broken) return row(cutReason(broken), broken.zone);
  if (end.kind === "no_domain") return row("no_domain", domain);
  if (end.kind === "failed") return row(end.reason, end.zone);
  if (!reached) return row("no_domain", domain);
  if (zoneServers < minServers) return row("one_ipv6_nameserver", domain);
  return row("", "");
}
