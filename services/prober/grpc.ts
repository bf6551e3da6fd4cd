// ProberService.Probe over gRPC: every metric at one address, for debugging (ARCHITECTURE,
// "ad-hoc Resolve / Probe calls"). As safe as a crawl's probes: the same Prober (so the same
// special-range rules, prober.allow_ranges and packet rate limits), plus a budget of calls per
// caller (prober.caller_budget) and bounds on the options a caller may ask for. A refused
// call ends with a typed error (its status from grpc-errors.ts) and the reason; nothing is sent.

import { isIP } from "node:net";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { type ProbeResponse, ProberServiceService } from "../../gen/ipv6matrix/v1/prober.js";
import {
  InvalidArgumentError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from "../runtime/api-errors.js";
import { callerOf } from "../runtime/grpc-auth.js";
import { unaryHandler } from "../runtime/grpc-errors.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { CallerBudget } from "./caller-budget.js";
import type { Prober } from "./prober.js";

/** The request names no address, or asks for more than the configuration allows. */
export class ProbeRequestError extends InvalidArgumentError {
  override name = "ProbeRequestError";
}

/** The address is one this prober may not probe (special-purpose, outside its ranges), or Probe is off. */
export class ProbeRefusedError extends PermissionDeniedError {
  override name = "ProbeRefusedError";
}

/** The caller has used its Probe calls for this minute (prober.caller_budget). */
export class ProbeBudgetError extends ResourceExhaustedError {
  override name = "ProbeBudgetError";
}

/** The probe itself could not run (a local shortage: descriptors, ports, a raw socket). */
export class ProbeUnavailableError extends UnavailableError {
  override name = "ProbeUnavailableError";
}

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
      probe: unaryHandler(async (request, call): Promise<ProbeResponse> => {
        const ip = request.ip.trim();
        if (isIP(ip) === 0) {
          throw new ProbeRequestError(`ip ${JSON.stringify(ip.slice(0, 60))}: not an IPv4 or IPv6 address`);
        }
        const options = request.options;
        for (const [field, max] of optionBounds) {
          const value = options?.[field] as number | undefined;
          if (value !== undefined && value > max) {
            throw new ProbeRequestError(`options.${field} = ${value}: at most ${max}`);
          }
        }
        const refused = prober.refusal(ip);
        if (refused) throw new ProbeRefusedError(`probe ${ip}: not probed: ${refused}`);
        if (access.callerBudget === 0) {
          throw new ProbeRefusedError("Probe is turned off on this server (prober.caller_budget = 0)");
        }
        const wait = budget.take(callerOf(call, access.tokenRequired), now());
        if (wait > 0) {
          throw new ProbeBudgetError(
            `probe ${ip}: this caller has used its ${access.callerBudget} Probe calls per minute (prober.caller_budget); the next in ${wait} s`,
          );
        }
        try {
          return { result: await prober.probe(ip, "", options) };
        } catch (error) {
          // Prober.probe throws only for local shortages (never for what the network does).
          throw new ProbeUnavailableError(`probe ${ip}: ${(error as Error).message}`, { cause: error });
        }
      }),
    },
  };
}
