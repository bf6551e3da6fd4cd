// Names the client may put in a question: what a host name from a domain file,
// an NS or MX record or a gRPC request must look like before it is asked.
// Looser than runtime/domain-name.ts (a name server may be a single label),
// as strict on the RFC 1035 limits. Pure; never throws.

import { domainToASCII } from "node:url";
import { canonical } from "./dns-message.js";

export type QueryName =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly reason: string };

// Letters, digits, hyphen, and underscore (service labels such as _dmarc).
const labelPattern = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;
// The same for a whole name at once: the fast path of a crawl's millions of names.
const wellFormed = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower case, no trailing dot, A-labels for internationalised names (RFC 5891), or the reason it is not a name. */
export function checkQueryName(raw: string): QueryName {
  let name = canonical(raw.trim());
  if (name === "" || name === ".") return { ok: false, reason: "empty name" };
  if (/[^\x00-\x7f]/.test(name)) {
    const ascii = domainToASCII(name);
    if (ascii === "") return { ok: false, reason: "not a valid internationalised name" };
    name = canonical(ascii);
  }
  // RFC 1035 2.3.4: 255 octets on the wire, so 253 characters in text form.
  if (name.length <= 253 && wellFormed.test(name)) return { ok: true, name };
  if (name.length > 253) return { ok: false, reason: `longer than 253 characters (${name.length})` };
  for (const label of name.split(".")) {
    if (label.length === 0) return { ok: false, reason: "has an empty label" };
    if (label.length > 63)
      return { ok: false, reason: `has a label longer than 63 characters (${label.length})` };
    if (!labelPattern.test(label))
      return {
        ok: false,
        reason: `label ${JSON.stringify(label.slice(0, 63))} has characters a host name cannot have`,
      };
  }
  return { ok: true, name };
}
