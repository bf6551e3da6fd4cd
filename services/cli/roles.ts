// The composition root: which actors each role runs, on a given transport and
// store. `crawl` starts every role in one process; `serve <role>` one of them.
// Roles not built yet are named so, not silently skipped.

import { aggregatorActors } from "../aggregator/actors.js";
import { computeSummaries } from "../aggregator/summaries.js";
import { CrawlManager } from "../api/crawl-manager.js";
import { crawlOptionsFrom, today } from "../api/crawl-options.js";
import { crawlService, nameserverPolicyOf } from "../api/crawl-service.js";
import { geoActors } from "../geo/actors.js";
import { proberActors } from "../prober/actors.js";
import { proberGrpcService } from "../prober/grpc.js";
import { resolverActors } from "../resolver/actors.js";
import { resolverGrpcService } from "../resolver/grpc.js";
import { type ActorDefinition, type RunningActor, startActor } from "../runtime/actor.js";
import type { Config } from "../runtime/config.js";
import { apiToken } from "../runtime/grpc-auth.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import type { AddressMeasures } from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import { pipelineTopology, type Topology } from "../runtime/topology.js";
import type { Transport } from "../runtime/transport.js";

export const roles = ["api", "resolver", "prober", "geo", "aggregator"] as const;
export type Role = (typeof roles)[number];

/** Roles whose actors exist today; the others arrive with their issues. */
export const builtRoles: readonly Role[] = ["api", "resolver", "prober", "geo", "aggregator"];

/** The roles that measure (every built one but the api): what `crawl` runs in its process. */
export const pipelineRoles: readonly Role[] = builtRoles.filter((role) => role !== "api");

/** The roles that read or write the store; the others never open it. */
export function usesStore(role: Role): boolean {
  return role === "api" || role === "aggregator";
}

/** Which services measure addresses when these roles run (what a crawl waits for). */
export function measuresOf(running: readonly Role[]): AddressMeasures {
  return { prober: running.includes("prober"), geo: running.includes("geo") };
}

/** In one process only the running roles' groups exist, so nothing waits for an absent consumer. */
export function inProcessTopology(running: readonly Role[]): Topology {
  return Object.fromEntries(
    Object.entries(pipelineTopology).map(([subject, groups]) => [
      subject,
      groups.filter((group) => running.includes(group as Role)),
    ]),
  );
}

export interface RunningRoles {
  /** The running roles' own gRPC services (GeoService for geo, ...), for serve's gRPC server. */
  readonly grpcServices: readonly GrpcService[];
  /** Stops taking work, lets what is in flight finish, writes what is batched. */
  stop(): Promise<void>;
}

export async function startRoles(
  running: readonly Role[],
  deps: { config: Config; transport: Transport; store?: Store },
): Promise<RunningRoles> {
  const store = (role: Role): Store => {
    if (!deps.store) throw new Error(`role ${role} needs the store`);
    return deps.store;
  };
  const started: RunningActor[] = [];
  const closers: (() => void | Promise<void>)[] = [];
  const grpcServices: GrpcService[] = [];
  const afterStart: (() => Promise<unknown>)[] = [];
  for (const role of running) {
    let actors: ActorDefinition<never>[] = [];
    if (role === "resolver") {
      const resolver = resolverActors(deps.config);
      actors = resolver.actors as ActorDefinition<never>[];
      grpcServices.push(resolverGrpcService(resolver.context, deps.config));
      closers.push(() => resolver.close());
    } else if (role === "prober") {
      const prober = proberActors(deps.config, {
        pps: deps.config.prober.pps,
        perDestinationPps: deps.config.prober.per_destination_pps,
      });
      actors = prober.actors as ActorDefinition<never>[];
      grpcServices.push(
        proberGrpcService(prober.prober, {
          callerBudget: deps.config.prober.caller_budget,
          tokenRequired: apiToken(deps.config) !== "",
        }),
      );
      closers.push(() => prober.close());
    } else if (role === "geo") {
      // One instance for the actor and GeoService, so both answer from the same database files.
      const geo = geoActors(deps.config);
      actors = geo.actors as ActorDefinition<never>[];
      grpcServices.push(geo.grpc);
      closers.push(() => geo.close());
    } else if (role === "aggregator") {
      const aggregator = aggregatorActors(deps.config, store(role));
      actors = aggregator.actors as ActorDefinition<never>[];
      closers.push(() => aggregator.flush());
    } else if (role === "api") {
      const manager = new CrawlManager({
        store: store(role),
        transport: deps.transport,
        dataDir: deps.config.store.data_dir,
        blocklistPath: deps.config.domain.blocklist,
        measures: measuresOf(builtRoles),
        summarise: (crawlId) => computeSummaries(store(role), crawlId),
        autoPublish: deps.config.publish.auto,
        maxDomains: deps.config.api.max_domains,
        maxRunningCrawls: deps.config.api.max_running_crawls,
        source: {
          sourceDir: deps.config.api.source_dir,
          maxBytes: deps.config.api.max_source_bytes,
          allowRanges: deps.config.api.source_allow_ranges,
          timeoutMs: deps.config.api.source_timeout * 1000,
        },
      });
      const crawls = crawlService({
        store: store(role),
        manager,
        dataDir: deps.config.store.data_dir,
        defaults: crawlOptionsFrom(deps.config, today()),
        measures: measuresOf(builtRoles),
        maxSourceBytes: deps.config.api.max_source_bytes,
        nameservers: nameserverPolicyOf(deps.config),
      });
      grpcServices.push(crawls);
      closers.push(() => manager.close());
      afterStart.push(() => manager.resumeUnfinished());
    } else {
      throw new Error(`role ${role} is not built yet`);
    }
    for (const actor of actors) started.push(await startActor(deps.transport, actor));
  }
  for (const run of afterStart) await run();
  return {
    grpcServices,
    stop: async () => {
      for (const actor of started) await actor.stop();
      for (const close of closers) await close();
    },
  };
}
