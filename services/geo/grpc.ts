// GeoService.Lookup: a batch of addresses in, one GeoResult each out, in request order. A thin
// wrapper over the Geolocator that the actor uses; no look-up logic of its own.

import { GeoServiceService, type LookupRequest, type LookupResponse } from "../../gen/ipv6matrix/v1/geo.js";
import { InvalidArgumentError } from "../runtime/api-errors.js";
import { unaryHandler } from "../runtime/grpc-errors.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import type { Geolocator } from "./geolocator.js";
import { parseAddress } from "./mmdb-tree.js";

/** Addresses per call, at most: bounds one call's memory and time (about 50 ms at this size). */
export const maxLookupBatch = 10_000;

export function geoGrpcService(geolocator: Pick<Geolocator, "lookup">): GrpcService {
  const lookup = unaryHandler<LookupRequest, LookupResponse>(async ({ ips }) => {
    if (ips.length > maxLookupBatch)
      throw new InvalidArgumentError(`ips: ${ips.length} addresses, at most ${maxLookupBatch} per call`);
    const bytes = new Uint8Array(16);
    const bad = ips.findIndex((ip) => parseAddress(ip, bytes) === 0);
    if (bad >= 0)
      throw new InvalidArgumentError(
        `ips[${bad}]: ${JSON.stringify(ips[bad])} is not an IPv4 or IPv6 address`,
      );
    try {
      return { results: ips.map((ip) => ({ crawlId: "", ...geolocator.lookup(ip) })) };
    } catch (error) {
      throw new Error(`geo look-up failed: ${(error as Error).message}`);
    }
  });
  return {
    name: "ipv6matrix.v1.GeoService",
    definition: GeoServiceService,
    implementation: { lookup },
  };
}
