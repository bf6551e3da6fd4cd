// What an authoritative server's reply says to the chain walk, as pure functions over a decoded
// packet: a referral to a zone below (its NS set and AAAA glue), an authoritative answer, an
// authoritative NXDOMAIN, or lame (anything else). No sockets; what follows from it is walk.ts's.

import type { Answer, DecodedPacket } from "dns-packet";
import { canonical, rcodeOf } from "../dns-message.js";

export type Reply =
  | {
      readonly kind: "referral";
      /** The child zone the referral names (RFC 1034 4.3.2 step 3b). */
      readonly zone: string;
      readonly ns: string[];
      /** AAAA records of the additional section, by owner name (glue and any other). */
      readonly aaaa: Record<string, string[]>;
    }
  | {
      readonly kind: "authoritative";
      /** Records of the answer section. */
      readonly answers: readonly Answer[];
      /** AAAA records of the additional section, by owner name. */
      readonly aaaa: Record<string, string[]>;
    }
  | { readonly kind: "nxdomain" }
  | { readonly kind: "lame"; readonly why: string };

/** Whether `name` is `zone` or below it ("." holds every name). */
export function isWithin(name: string, zone: string): boolean {
  return zone === "." || name === zone || name.endsWith(`.${zone}`);
}

/** The name one label longer than `zone` on the way down to `name` (which is below `zone`). */
export function nextLabel(zone: string, name: string): string {
  const labels = name.split(".");
  const depth = zone === "." ? 0 : zone.split(".").length;
  return labels.slice(labels.length - depth - 1).join(".");
}

/** Canonical names: lower case, no trailing dot, "." for the root. */
export function zoneName(name: unknown): string {
  const text = canonical(name);
  return text === "" || text === "." ? "." : text;
}

/** A record's data, whatever its type (dns-packet's OPT records have none). */
const dataOf = (record: Answer): unknown => (record as { data?: unknown }).data;

function aaaaByOwner(records: readonly Answer[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const record of records ?? []) {
    const data = dataOf(record);
    if (record.type !== "AAAA" || typeof data !== "string") continue;
    const owner = zoneName(record.name);
    out[owner] = [...(out[owner] ?? []), data];
  }
  return out;
}

/**
 * Classifies the reply of a server of `zone` to a question about `asked`. A referral must name a
 * zone strictly below `zone` that holds `asked` (an upward or sideways referral is lame, RFC 1034
 * 4.3.2); an answer counts only with AA set (RFC 1035 4.1.1), as REFUSED, SERVFAIL and
 * non-authoritative answers are a lame server's (RFC 8499 "lame delegation").
 */
export function classifyReply(packet: DecodedPacket, zone: string, asked: string): Reply {
  const rcode = rcodeOf(packet);
  if (packet.flag_aa) {
    if (rcode === 3) return { kind: "nxdomain" };
    if (rcode === 0)
      return { kind: "authoritative", answers: packet.answers ?? [], aaaa: aaaaByOwner(packet.additionals) };
    return { kind: "lame", why: `rcode ${rcode} with AA` };
  }
  if (rcode !== 0) return { kind: "lame", why: `rcode ${rcode}` };
  const ns = (packet.authorities ?? []).filter((r) => r.type === "NS");
  const child = ns.length > 0 ? zoneName(ns[0]!.name) : "";
  if (child !== "" && child !== zone && isWithin(child, zone) && isWithin(asked, child)) {
    const names = ns.filter((r) => zoneName(r.name) === child).map((r) => zoneName(dataOf(r)));
    return {
      kind: "referral",
      zone: child,
      ns: [...new Set(names)].sort(),
      aaaa: aaaaByOwner(packet.additionals),
    };
  }
  return {
    kind: "lame",
    why: child === "" ? "no AA and no referral" : `referral to ${child} not below ${zone}`,
  };
}

/** The NS names an authoritative answer gives for `zone`, sorted. */
export function nsOf(answers: readonly Answer[], zone: string): string[] {
  const names = answers
    .filter((r) => r.type === "NS" && zoneName(r.name) === zone)
    .map((r) => zoneName(dataOf(r)));
  return [...new Set(names)].sort();
}

/** The AAAA addresses an authoritative answer gives for `name`. */
export function aaaaOf(answers: readonly Answer[], name: string): string[] {
  return answers
    .filter((r) => r.type === "AAAA" && zoneName(r.name) === name && typeof dataOf(r) === "string")
    .map((r) => dataOf(r) as string);
}
