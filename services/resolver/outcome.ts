// From the DNS client's outcome to the proto enum carried in results, and the
// raw RCODE kept beside an OTHER outcome (FORMERR, NOTIMP, ...), which the
// closed set alone would lose.

import { DnsOutcome } from "../../gen/ipv6matrix/v1/common.js";
import type { Outcome } from "./dns-message.js";

export function toProto(outcome: Outcome): DnsOutcome {
  return DnsOutcome[`DNS_OUTCOME_${outcome}`];
}

/** The RCODE to record beside the outcome: the answer's own for OTHER, else 0. */
export function otherRcode(answer: { readonly outcome: Outcome; readonly rcode: number }): number {
  return answer.outcome === "OTHER" && answer.rcode > 0 ? answer.rcode : 0;
}
