// DNS outcomes between the client's words, the proto enum and the store's text.

import { DnsOutcome } from "../../gen/ipv6matrix/v1/common.js";
import type { Outcome } from "./dns-client.js";

export function toProto(outcome: Outcome): DnsOutcome {
  return DnsOutcome[`DNS_OUTCOME_${outcome}`];
}

/** The store's text for an outcome: OK, NODATA, NXDOMAIN, ... ("" when unspecified). */
export function outcomeName(outcome: DnsOutcome): string {
  return outcome === DnsOutcome.DNS_OUTCOME_UNSPECIFIED
    ? ""
    : DnsOutcome[outcome].replace(/^DNS_OUTCOME_/, "");
}
