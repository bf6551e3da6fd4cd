// ProberService.Probe over gRPC: every metric at one address, for debugging (ARCHITECTURE,
// "ad-hoc Resolve / Probe calls"). As safe as a crawl's probes: the same Prober (so the same
// special-range rules, prober.allow_ranges and packet rate limits), plus a budget of calls per
// caller (prober.caller_budget) and bounds on the options a caller may ask for. A refused
// call ends with a status and the reason; nothing is sent.

import { isIP } from "node:net";
import { type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import {
  type ProbeRequest,
  type ProbeResponse,
  ProberServiceService,
} from "../../gen/ipv6matrix/v1/prober.js";
import { callerOf } from "../runtime/grpc-auth.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { CallerBudget } from "./caller-budget.js";
import type { Prober } from "./prober.js";

export interface ProbeAccess {
  /** Probe calls one caller may make per minute (prober.caller_budget); 0 turns Probe off. */
  readonly callerBudget: number;
  /** Whether the server requires a token: then a caller is its token, else its address. */
  readonly tokenRequired: boolean;
  readonly now?: () => number;
}

// The largest values the configuration itself accepts (config.ts): a caller asks no more.
const optionBounds: readonly [keyof CrawlOptions, number][] = [
  ["pingCount", 100],
  ["tcpTimeoutSeconds", 120],
  ["smtpTimeoutSeconds", 300],
  ["traceMaxTtl", 255],
  ["traceTimeoutSeconds", 60],
];

export function proberGrpcService(prober: Prober, access: ProbeAccess): GrpcService {
  const budget = new CallerBudget(access.callerBudget);
  const now = access.now ?? Date.now;
  return {
    name: "ipv6matrix.v1.ProberService",
    definition: ProberServiceService,
    implementation: {
      probe(call: ServerUnaryCall<ProbeRequest, ProbeResponse>, callback: sendUnaryData<ProbeResponse>) {
        const ip = call.request.ip.trim();
        if (isIP(ip) === 0) {
          callback({
            code: status.INVALID_ARGUMENT,
            details: `ip ${JSON.stringify(ip.slice(0, 60))}: not an IPv4 or IPv6 address`,
          });
          return;
        }
        const options = call.request.options;
        for (const [field, max] of optionBounds) {
          const value = options?.[field] as number | undefined;
          if (value !== undefined && value > max) {
            callback({
              code: status.INVALID_ARGUMENT,
              details: `options.${field} = ${value}: at most ${max}`,
            });
            return;
          }
        }
        const refused = prober.refusal(ip);
        if (refused) {
          callback({ code: status.PERMISSION_DENIED, details: `probe ${ip}: not probed: ${refused}` });
          return;
        }
        if (access.callerBudget === 0) {
          callback({
            code: status.PERMISSION_DENIED,
            details: "Probe is turned off on this server (prober.caller_budget = 0)",
          });
          return;
        }
        const wait = budget.take(callerOf(call, access.tokenRequired), now());
        if (wait > 0) {
          callback({
            code: status.RESOURCE_EXHAUSTED,
            details: `probe ${ip}: this caller has used its ${access.callerBudget} Probe calls per minute (prober.caller_budget); the next in ${wait} s`,
          });
          return;
        }
        prober.probe(ip, "", options).then(
          (result) => callback(null, { result }),
          (error: Error) => callback({ code: status.UNAVAILABLE, details: `probe ${ip}: ${error.message}` }),
        );
      },
    },
  };
}
