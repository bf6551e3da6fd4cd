// The project's one check of a name: trimmed, lower-cased, trailing dot removed,
// internationalised names turned into A-labels, checked against the DNS limits (RFC 1035:
// 253 characters, labels of 1 to 63). A host name (what may be asked, what the configuration
// lists) may be one label; a crawl's domain (SPEC 1) needs a TLD. Pure; never throws.

import { domainToASCII } from "node:url";

export type NameCheck =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly reason: string };

// Letters, digits, hyphen, and underscore (service labels such as _dmarc); no hyphen at either end.
const label = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;
// The same for a whole name at once: the fast path of a crawl's millions of names.
const wellFormed = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
// Characters UTS 46 would drop without a word (zero-width space, soft hyphen, variation selectors,
// the byte order mark...) and controls. ZWJ and ZWNJ are left to domainToASCII: IDNA 2008 allows
// them in context (CONTEXTJ, RFC 5892), as in Persian names.
const invisible = /(?![\u200c\u200d])[\p{Default_Ignorable_Code_Point}\p{Cc}]/u;

/** A host name, one label or more (a name server may be a single label), or why it is not one. */
export function checkHostName(raw: string): NameCheck {
  const trimmed = raw.trim();
  let name = trimmed.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name === "") return { ok: false, reason: "empty name" };
  if (/[^\x00-\x7f]/.test(name)) {
    const hidden = invisible.exec(name);
    if (hidden)
      return {
        ok: false,
        reason: `has an invalid character ${codePoint(hidden[0])} at position ${hidden.index + 1}`,
      };
    if (/\s/.test(name)) return { ok: false, reason: "contains white space" };
    const ascii = domainToASCII(name);
    if (ascii === "") return { ok: false, reason: `not a valid internationalised name: ${trimmed}` };
    name = ascii;
  }
  // RFC 1035 2.3.4: 255 octets on the wire, so 253 characters in text form.
  if (name.length <= 253 && wellFormed.test(name)) return { ok: true, name };
  if (/\s/.test(name)) return { ok: false, reason: "contains white space" };
  if (name.length > 253) return { ok: false, reason: `longer than 253 characters (${name.length})` };
  if (name.startsWith(".")) return { ok: false, reason: "starts with a dot (an empty first label)" };
  if (name.endsWith(".")) return { ok: false, reason: "ends with two dots (an empty last label)" };
  for (const part of name.split(".")) {
    if (part.length === 0) return { ok: false, reason: "has an empty label (two dots in a row)" };
    if (part.length > 63)
      return {
        ok: false,
        reason: `label ${part.slice(0, 20)}... is longer than 63 characters (${part.length})`,
      };
    if (!label.test(part)) return { ok: false, reason: `label ${JSON.stringify(part)} ${whyNotLabel(part)}` };
  }
  return { ok: true, name };
}

/** A crawl's domain (SPEC 1): a host name of two labels or more whose TLD is not a number. */
export function normaliseName(raw: string): NameCheck {
  const checked = checkHostName(raw);
  if (!checked.ok) return checked;
  const tld = tldOf(checked.name);
  if (tld === checked.name) return { ok: false, reason: "has no TLD (a domain needs at least two labels)" };
  if (/^\d+$/.test(tld)) return { ok: false, reason: "ends in a number: an address, not a domain" };
  return checked;
}

/** The original's rule: the TLD is the last label (example.co.uk -> uk). */
export function tldOf(domain: string): string {
  return domain.slice(domain.lastIndexOf(".") + 1);
}

/** Why a label of 1 to 63 characters fails the pattern: its first odd character, or a hyphen at an end. */
function whyNotLabel(part: string): string {
  const odd = /[^a-z0-9_-]/.exec(part);
  if (odd)
    return `has a character a host name cannot have: ${codePoint(odd[0])} at position ${odd.index + 1}`;
  return part.startsWith("-") ? "starts with a hyphen" : "ends with a hyphen";
}

/** `U+200B`, with the character itself when it is visible. */
function codePoint(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? `${JSON.stringify(char)} (${code})` : code;
}
