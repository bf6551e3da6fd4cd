// DNS outcomes as the store writes them: the proto enum's names without their
// prefix (OK, NODATA, NXDOMAIN, SERVFAIL, REFUSED, TIMEOUT, ...).

import { DnsOutcome } from "../../gen/ipv6matrix/v1/common.js";

/** The store's text for an outcome ("" when unspecified). */
export function outcomeName(outcome: DnsOutcome): string {
  return outcome === DnsOutcome.DNS_OUTCOME_UNSPECIFIED
    ? ""
    : DnsOutcome[outcome].replace(/^DNS_OUTCOME_/, "");
}
