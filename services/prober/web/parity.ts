// Same site or not (issue 19): one scheme's fetch over IPv4 beside the one over IPv6, compared
// by status, final URL, certificate and content similarity, each difference by name. Pure:
// the fetches come in (fetch-page.ts), the row's fields go out.

import { normaliseBody, tokens } from "./normalise.js";
import { similarity } from "./similarity.js";

/** What one GET / (with its redirects within the site) gave on one address. */
export interface PageFetch {
  /** Final status; 0 when nothing answered (then error says why). */
  readonly status: number;
  readonly finalUrl: string;
  /** Body bytes read (at most the cap). */
  readonly bytes: number;
  readonly body: string;
  /** SHA-256 of the leaf certificate of the final response, hex; "" for http. */
  readonly cert: string;
  readonly ttfbMs: number;
  readonly downloadMs: number;
  /** A failure name (services/prober/failure.ts), "" when answered. */
  readonly error: string;
  /** The Location of a redirect off the site that was not followed, "" when none. */
  readonly offSiteLocation: string;
}

export const differenceNames = [
  "status",
  "final_url",
  "certificate",
  "content",
  "off_site_redirect",
  "ipv6_failed",
] as const;
export type Difference = (typeof differenceNames)[number];

export interface Parity {
  readonly similarity: number;
  readonly differences: Difference[];
  readonly same: boolean;
}

/**
 * Compares one scheme over both families. `v4` undefined: the host has no IPv4 address (nothing
 * to compare, never the same). IPv6 without an answer is `ipv6_failed` alone; the rest is
 * compared only when both answered. An off-site redirect is a difference when the two families
 * were not sent to the same place.
 */
export function compareFetches(v4: PageFetch | undefined, v6: PageFetch, threshold: number): Parity {
  if (v6.error !== "") return { similarity: 0, differences: ["ipv6_failed"], same: false };
  if (v4 === undefined || v4.error !== "")
    return {
      similarity: 0,
      differences: v6.offSiteLocation !== "" ? ["off_site_redirect"] : [],
      same: false,
    };
  const score =
    Math.round(similarity(tokens(normaliseBody(v4.body)), tokens(normaliseBody(v6.body))) * 100) / 100;
  const differences: Difference[] = [];
  if (v4.status !== v6.status) differences.push("status");
  if (v4.finalUrl !== v6.finalUrl) differences.push("final_url");
  if (v4.cert !== v6.cert) differences.push("certificate");
  if (score < threshold) differences.push("content");
  if (v4.offSiteLocation !== v6.offSiteLocation) differences.push("off_site_redirect");
  return { similarity: score, differences, same: differences.length === 0 };
}
