// The resolver service's actors, as `crawl` (one process) and `serve resolver`
// both start them: domains -> jobs and hosts (domain-actor.ts), hosts ->
// addresses (host-actor.ts), addresses and routers -> PTR names (reverse.ts).
// This file only composes them around one shared ResolverContext.

import type { ActorDefinition } from "../runtime/actor.js";
import type { Config, Endpoint } from "../runtime/config.js";
import { domainActor } from "./domain-actor.js";
import { hostActor } from "./host-actor.js";
import { ResolverContext } from "./resolver-context.js";
import { addressReverseActor, routerReverseActor } from "./reverse.js";

export { systemNameservers } from "./resolver-context.js";

export interface ResolverService {
  readonly actors: ActorDefinition<never>[];
  /** Shared with the gRPC service (grpc.ts), so both use the same clients. */
  readonly context: ResolverContext;
  close(): void;
}

export function resolverActors(config: Config, systemServers?: () => Endpoint[]): ResolverService {
  const context = new ResolverContext(config, systemServers);
  const actors = [
    domainActor(context, config.concurrency.domains),
    hostActor(context, config.concurrency.hosts),
    addressReverseActor(context, config.concurrency.addresses),
    routerReverseActor(context, config.concurrency.addresses),
  ] as unknown as ActorDefinition<never>[];
  return { actors, context, close: () => context.close() };
}
