// The composition root: which actors each role runs, on a given transport and
// store. `crawl` starts every role in one process; `serve <role>` one of them.
// Roles not built yet are named so, not silently skipped.

import { aggregatorActors } from "../aggregator/actors.js";
import { geoActors } from "../geo/actors.js";
import { resolverActors } from "../resolver/actors.js";
import { type ActorDefinition, type RunningActor, startActor } from "../runtime/actor.js";
import type { Config } from "../runtime/config.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import type { AddressMeasures } from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import { pipelineTopology, type Topology } from "../runtime/topology.js";
import type { Transport } from "../runtime/transport.js";

export const roles = ["api", "resolver", "prober", "geo", "aggregator"] as const;
export type Role = (typeof roles)[number];

/** Roles whose actors exist today; the others arrive with their issues. */
export const builtRoles: readonly Role[] = ["resolver", "geo", "aggregator"];

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
  deps: { config: Config; transport: Transport; store: Store },
): Promise<RunningRoles> {
  const started: RunningActor[] = [];
  const closers: (() => void | Promise<void>)[] = [];
  const grpcServices: GrpcService[] = [];
  for (const role of running) {
    let actors: ActorDefinition<never>[] = [];
    if (role === "resolver") {
      const resolver = resolverActors(deps.config);
      actors = resolver.actors as ActorDefinition<never>[];
      closers.push(() => resolver.close());
    } else if (role === "geo") {
      // One instance for the actor and GeoService, so both answer from the same database files.
      const geo = geoActors(deps.config);
      actors = geo.actors as ActorDefinition<never>[];
      grpcServices.push(geo.grpc);
      closers.push(() => geo.close());
    } else if (role === "aggregator") {
      const aggregator = aggregatorActors(deps.config, deps.store);
      actors = aggregator.actors as ActorDefinition<never>[];
      closers.push(() => aggregator.flush());
    } else if (role !== "api") {
      throw new Error(`role ${role} is not built yet`);
    }
    for (const actor of actors) started.push(await startActor(deps.transport, actor));
  }
  return {
    grpcServices,
    stop: async () => {
      for (const actor of started) await actor.stop();
      for (const close of closers) await close();
    },
  };
}
