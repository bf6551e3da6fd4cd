// Domain names as SPEC section 1 takes them: trimmed, lower-cased, trailing dot
// removed, internationalised names turned into A-labels, checked against the
// DNS limits (RFC 1035: 253 characters, labels of 1 to 63). Pure functions.

import { domainToASCII } from "node:url";

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

const label = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

/** Normalises one domain or host name, or says why it is not one. */
export function normaliseName(raw: string): NameCheck {
  let name = raw.trim().toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name === "") return { ok: false, reason: "empty name" };
  if (/[^\x00-\x7f]/.test(name)) {
    const ascii = domainToASCII(name);
    if (ascii === "") return { ok: false, reason: `not a valid internationalised name: ${raw.trim()}` };
    name = ascii;
  }
  if (/\s/.test(name)) return { ok: false, reason: "contains white space" };
  if (name.length > 253) return { ok: false, reason: `longer than 253 characters (${name.length})` };
  const labels = name.split(".");
  for (const part of labels) {
    if (part.length === 0) return { ok: false, reason: "has an empty label (two dots in a row)" };
    if (part.length > 63)
      return { ok: false, reason: `label ${part.slice(0, 20)}... is longer than 63 characters` };
    if (!label.test(part))
      return { ok: false, reason: `label ${JSON.stringify(part)} has characters a host name cannot have` };
  }
  if (labels.length < 2) return { ok: false, reason: "has no TLD (a domain needs at least two labels)" };
  if (/^\d+$/.test(labels.at(-1)!))
    return { ok: false, reason: "ends in a number: an address, not a domain" };
  return { ok: true, name };
}

/** The original's rule: the TLD is the last label (example.co.uk -> uk). */
export function tldOf(domain: string): string {
  return domain.slice(domain.lastIndexOf(".") + 1);
}
