// The geo service's actor: each distinct address of a crawl that asks geoip (crawl.ips, group geo) gets one
// GeoResult on crawl.results, keyed geo:<crawl>:<ip> so that a redelivery or a second instance
// changes nothing. No look-up logic here: see geolocator.ts and geo-lookup.ts.

import { AddressTask, CrawlResult } from "../../gen/ipv6matrix/v1/work.js";
import { type ActorDefinition, PermanentError } from "../runtime/actor.js";
import type { Config } from "../runtime/config.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { logger } from "../runtime/log.js";
import { Subjects } from "../runtime/topology.js";
import { Geolocator, InvalidAddressError } from "./geolocator.js";
import { geoGrpcService } from "./grpc.js";
import type { WatchOptions } from "./mmdb-file.js";

export interface GeoService {
  readonly actors: ActorDefinition<AddressTask>[];
  /** GeoService.Lookup, answering from the same databases as the actor. */
  readonly grpc: GrpcService;
  close(): void;
}

/**
 * Opens the configured databases (throws GeoDatabaseError naming a bad file) and builds the
 * actor. `watch` tunes how fast replaced files are noticed (tests use short delays).
 */
export function geoActors(config: Config, watch: WatchOptions = {}): GeoService {
  const log = logger({ service: "geo" });
  const geolocator = Geolocator.open(config.geoip, log, watch);

  const addressActor: ActorDefinition<AddressTask> = {
    name: "geo.address",
    service: "geo",
    subject: Subjects.ips,
    group: "geo",
    maxInFlight: config.concurrency.addresses,
    decode: (data) => AddressTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, context) {
      // A resumed crawl's address whose row is stored already (crawl-runner.ts): located once.
      if (task.missing.length > 0 && !task.missing.includes("geo")) return;
      // A crawl that does not ask geoip gets no geo row (the summaries read a missing row as
      // "not located", as they read an empty one), and its progress does not wait for one.
      if (task.options !== undefined && !task.options.metrics.includes("geoip")) return;
      let facts: ReturnType<Geolocator["lookup"]>;
      try {
        facts = geolocator.lookup(task.ip);
      } catch (error) {
        if (error instanceof InvalidAddressError) throw new PermanentError(error.message);
        throw error;
      }
      const result = CrawlResult.encode({
        result: { $case: "geo", value: { crawlId: task.crawlId, ...facts, ip: task.ip } },
      }).finish();
      await context.publish(Subjects.results, result, `geo:${task.crawlId}:${task.ip}`);
    },
  };

  return {
    actors: [addressActor],
    grpc: geoGrpcService(geolocator),
    close: () => geolocator.close(),
  };
}
