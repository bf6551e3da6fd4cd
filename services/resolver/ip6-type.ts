// ip6Type (SPEC section 3): the kind of an IPv6 address, from the original's v6prefix.conf
// table (6to4, Teredo, 6rd, tunnel brokers; the entry's id and name are kept), then ISATAP
// interface identifiers, then the IANA special-purpose registries (runtime/special-purpose.ts),
// plus EUI-64 marks. Pure, apart from reading the table file; no address parsing of its own.

import { readFileSync } from "node:fs";
import { type Cidr, type ParsedIp, PrefixMap, parseCidr, parseIp } from "../runtime/address.js";
import { specialPurpose } from "../runtime/special-purpose.js";

export interface PrefixEntry {
  readonly uid: string;
  readonly tag: string;
  readonly name: string;
  readonly location: string;
  readonly prefix: Cidr;
}

/** A v6prefix.conf table, looked up longest prefix first. */
export class PrefixTable {
  private readonly map: PrefixMap<PrefixEntry>;
  constructor(readonly entries: readonly PrefixEntry[]) {
    this.map = new PrefixMap(entries.map((entry) => [entry.prefix, entry] as const));
  }
  lookup(ip: ParsedIp): PrefixEntry | undefined {
    return this.map.lookup(ip);
  }
}

export function parsePrefixTable(text: string, file = "v6prefix.conf"): PrefixTable {
  const entries: PrefixEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(",").map((field) => field.trim());
    if (fields.length < 5) throw new Error(`${file}:${index + 1}: expected UID, tag, name, location, prefix`);
    const prefixText = fields.at(-1)!;
    const prefix = parseCidr(prefixText);
    if (prefix?.family !== 6) throw new Error(`${file}:${index + 1}: ${prefixText} is not an IPv6 prefix`);
    entries.push({
      uid: fields[0]!,
      tag: fields[1]!,
      // A name may hold commas of its own: everything between the tag and the location.
      name: fields.slice(2, -2).join(", "),
      location: fields.at(-2)!,
      prefix,
    });
  });
  return new PrefixTable(entries);
}

export function loadPrefixTable(path: string): PrefixTable {
  if (path === "") return new PrefixTable([]);
  return parsePrefixTable(readFileSync(path, "utf8"), path);
}

export interface Ip6Class {
  /** The table's tag (6to4, 6rd, teredo for the original's "General", ...), else isatap, else an IANA kind, else "native". */
  readonly type: string;
  readonly eui64: boolean;
  /** The table entry's UID and name (U0001, "6-to-4 address"); empty when no entry holds the address. */
  readonly prefixId: string;
  readonly prefixName: string;
}

/**
 * ISATAP interface identifiers (RFC 5214 6.1): 0000:5efe:a.b.c.d for a private IPv4 address,
 * 0200:5efe:a.b.c.d (u bit set) for a global one.
 */
export function isIsatap(value: bigint): boolean {
  const high = (value >> 32n) & 0xffffffffn;
  return high === 0x00005efen || high === 0x02005efen;
}

/** ff:fe in the middle of the interface identifier (RFC 4291 appendix A). */
export function isEui64(value: bigint): boolean {
  return ((value >> 24n) & 0xffffn) === 0xfffen;
}

export function classifyIpv6(address: string, table: PrefixTable): Ip6Class {
  const ip = parseIp(address);
  if (ip?.family !== 6) return { type: "", eui64: false, prefixId: "", prefixName: "" };
  const eui64 = isEui64(ip.value);
  const entry = table.lookup(ip);
  if (entry)
    return {
      type: entry.tag === "General" ? "teredo" : entry.tag,
      eui64,
      prefixId: entry.uid,
      prefixName: entry.name,
    };
  const type = isIsatap(ip.value) ? "isatap" : (specialPurpose(ip)?.kind ?? "native");
  return { type, eui64, prefixId: "", prefixName: "" };
}
