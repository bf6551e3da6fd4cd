// ProberService.Probe over gRPC: every metric at one address, for debugging (ARCHITECTURE,
// "ad-hoc Resolve / Probe calls"). A thin wrapper: the same Prober the actor uses, the same
// safety rules (special-purpose ranges are refused unless allowed).

import { isIP } from "node:net";
import { type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import {
  type ProbeRequest,
  type ProbeResponse,
  ProberServiceService,
} from "../../gen/ipv6matrix/v1/prober.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import type { Prober } from "./prober.js";

export function proberGrpcService(prober: Prober): GrpcService {
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
        prober.probe(ip, "", call.request.options).then(
          (result) => callback(null, { result }),
          (error: Error) => callback({ code: status.UNAVAILABLE, details: `probe ${ip}: ${error.message}` }),
        );
      },
    },
  };
}
