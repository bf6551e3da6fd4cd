// ip6Type (SPEC section 3): the kind of an IPv6 address, from the original's
// v6prefix.conf table (6to4, Teredo, 6rd, tunnel brokers) and the IANA IPv6
// special-purpose registry (NAT64, documentation, ULA, link-local, ...), plus
// EUI-64 interface identifiers. Pure, apart from reading the table file.

import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";

export interface PrefixEntry {
  readonly uid: string;
  readonly tag: string;
  readonly name: string;
  readonly location: string;
  readonly prefix: bigint;
  readonly bits: number;
}

/** The IANA IPv6 special-purpose address registry, and the other well-known ranges. */
const special: readonly [string, string][] = [
  ["::1/128", "loopback"],
  ["::/128", "unspecified"],
  ["::ffff:0:0/96", "ipv4-mapped"],
  ["64:ff9b::/96", "nat64"],
  ["64:ff9b:1::/48", "nat64-local"],
  ["100::/64", "discard"],
  ["2001::/23", "ietf-protocol"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
  ["2001:10::/28", "orchid"],
  ["2001:20::/28", "orchid"],
  ["fc00::/7", "ula"],
  ["fe80::/10", "link-local"],
  ["ff00::/8", "multicast"],
];

export function parsePrefixTable(text: string, file = "v6prefix.conf"): PrefixEntry[] {
  const entries: PrefixEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(",").map((field) => field.trim());
    if (fields.length < 5) throw new Error(`${file}:${index + 1}: expected UID, tag, name, location, prefix`);
    const prefixText = fields.at(-1)!;
    const parsed = parsePrefix(prefixText);
    if (!parsed) throw new Error(`${file}:${index + 1}: ${prefixText} is not an IPv6 prefix`);
    entries.push({
      uid: fields[0]!,
      tag: fields[1]!,
      name: fields.slice(2, -2).join(", "),
      location: fields.at(-2)!,
      ...parsed,
    });
  });
  // Longest prefix first, so the first match is the most specific.
  return entries.sort((a, b) => b.bits - a.bits);
}

export function loadPrefixTable(path: string): PrefixEntry[] {
  if (path === "") return [];
  return parsePrefixTable(readFileSync(path, "utf8"), path);
}

const specialEntries = special
  .map(([prefix, tag]) => ({ tag, ...parsePrefix(prefix)! }))
  .sort((a, b) => b.bits - a.bits);

export interface Ip6Class {
  /** The table's tag (6to4, 6rd, General for Teredo, ...), else an IANA kind, else "native". */
  readonly type: string;
  readonly eui64: boolean;
}

export function classifyIpv6(address: string, table: readonly PrefixEntry[]): Ip6Class {
  const value = ipv6ToBigInt(address);
  const eui64 = ((value >> 24n) & 0xffffn) === 0xfffen;
  const within = (entry: { prefix: bigint; bits: number }) =>
    entry.bits === 0 || value >> BigInt(128 - entry.bits) === entry.prefix >> BigInt(128 - entry.bits);
  const fromTable = table.find(within);
  if (fromTable) return { type: fromTable.tag === "General" ? "teredo" : fromTable.tag, eui64 };
  const kind = specialEntries.find(within);
  return { type: kind ? kind.tag : "native", eui64 };
}

function parsePrefix(text: string): { prefix: bigint; bits: number } | null {
  const [address, bits] = text.split("/");
  if (!address || bits === undefined || !isIPv6(address) || !/^\d+$/.test(bits) || Number(bits) > 128)
    return null;
  return { prefix: ipv6ToBigInt(address), bits: Number(bits) };
}

export function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.replace(v4[1]!, `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const headParts = head === "" ? [] : head.split(":");
  const tailParts = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? headParts
      : [...headParts, ...Array(8 - headParts.length - tailParts.length).fill("0"), ...tailParts];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}
