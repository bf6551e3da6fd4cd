// The features of SPEC section 2 as pure functions: which hosts a domain has
// for NS, MX, WWW and NTP, and with which priority. Look-ups are done by the
// caller; these only shape answers into jobs.

import { Feature } from "../../gen/ipv6matrix/v1/common.js";

export interface JobRow {
  readonly type: Feature;
  readonly host: string;
  readonly priority: number;
}

/** WWW and NTP: `<prefix>.<domain>` for each configured prefix, priority 0. */
export function prefixedHosts(type: Feature, domain: string, prefixes: readonly string[]): JobRow[] {
  return prefixes.map((prefix) => ({ type, host: `${prefix}.${domain}`, priority: 0 }));
}

/** NS: every name server in answer order, ranked 1..n. */
export function nsJobs(names: readonly string[]): JobRow[] {
  return unique(names).map((host, index) => ({ type: Feature.FEATURE_NS, host, priority: index + 1 }));
}

/** MX: every exchange sorted by preference (stable for equal ones), the preference as priority. */
export function mxJobs(exchanges: readonly { exchange: string; preference: number }[]): JobRow[] {
  const seen = new Set<string>();
  return exchanges
    .map((mx, index) => ({ host: normaliseHost(mx.exchange), preference: mx.preference, index }))
    .filter((mx) => mx.host !== "" && !seen.has(mx.host) && seen.add(mx.host))
    .sort((a, b) => a.preference - b.preference || a.index - b.index)
    .map((mx) => ({ type: Feature.FEATURE_MX, host: mx.host, priority: mx.preference }));
}

/** The exchange of a null MX (RFC 7505: "MX 0 ."), the root: no host at all. */
export function isNullExchange(exchange: string): boolean {
  return normaliseHost(exchange) === "";
}

/** Host names from DNS data: lower case, no trailing dot; "." (null MX, RFC 7505) becomes "". */
export function normaliseHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names.map(normaliseHost).filter((name) => name !== ""))];
}
