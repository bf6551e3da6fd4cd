// From the DNS client's outcome to the proto enum carried in results.

import { DnsOutcome } from "../../gen/ipv6matrix/v1/common.js";
import type { Outcome } from "./dns-message.js";

export function toProto(outcome: Outcome): DnsOutcome {
  return DnsOutcome[`DNS_OUTCOME_${outcome}`];
}
