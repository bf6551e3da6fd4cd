// The JetStream objects behind the NATS transport: one interest-retention stream per
// subject and one durable pull consumer per (subject, group), created from the topology
// and configured for a group's consumers. Setup only: publishing and consuming are
// transport-nats.ts and nats-consumer.ts; nothing here ever deletes a stream or consumer
// (their state is the crawl's work).

import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { groupsOf, type Topology } from "./topology.js";

export const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_MAX_ACK_PENDING = 1_000;
/** Instances of one group the server lets hold their full maxInFlight each at once. */
const INSTANCES_PER_GROUP = 64;

/** Where a subject lives on the server. */
export interface Route {
  readonly stream: string;
  readonly wireSubject: string;
  readonly groups: readonly string[];
}

export interface StreamLimits {
  /** Messages a stream holds (every group's unacknowledged ones) before publish waits. */
  readonly capacity: number;
  /** How long a publish key is remembered for de-duplication (JetStream duplicate_window). */
  readonly duplicateWindowMs: number;
}

/** The JetStream stream holding a subject: `crawl.domains` -> `CRAWL_DOMAINS`. */
export function streamNameOf(subject: string, prefix = ""): string {
  const name = subject.replace(/[^A-Za-z0-9_-]/g, "_").toUpperCase();
  return prefix ? `${prefix.replace(/[^A-Za-z0-9_-]/g, "_").toUpperCase()}_${name}` : name;
}

/** Every subject of the topology with its stream, its subject on the wire and its groups. */
export function routesOf(topology: Topology, prefix: string): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const subject of Object.keys(topology)) {
    routes.set(subject, {
      stream: streamNameOf(subject, prefix),
      wireSubject: prefix ? `${prefix}.${subject}` : subject,
      groups: groupsOf(topology, subject),
    });
  }
  return routes;
}

/**
 * Creates what is missing and leaves what exists: a second process starting
 * must neither fail nor reset the consumers' positions. Every group exists
 * before the first publish, or interest retention would drop messages.
 */
export async function declareRoutes(
  jsm: JetStreamManager,
  routes: Iterable<Route>,
  limits: StreamLimits,
): Promise<void> {
  for (const route of routes) {
    const config = {
      name: route.stream,
      subjects: [route.wireSubject],
      retention: RetentionPolicy.Interest,
      storage: StorageType.File,
      max_msgs: limits.capacity,
      discard: DiscardPolicy.New,
      duplicate_window: nanos(limits.duplicateWindowMs),
      num_replicas: 1,
    };
    const existing = await jsm.streams.info(route.stream).catch(notFoundAs(undefined));
    if (!existing) {
      await jsm.streams.add(config).catch(async (error: unknown) => {
        // Another process created it in between: that is fine.
        if (!(await jsm.streams.info(route.stream).catch(notFoundAs(undefined)))) throw error;
      });
    } else if (
      existing.config.max_msgs !== config.max_msgs ||
      existing.config.duplicate_window !== config.duplicate_window
    ) {
      await jsm.streams.update(route.stream, {
        max_msgs: config.max_msgs,
        duplicate_window: config.duplicate_window,
      });
    }
    for (const group of route.groups) await ensureConsumer(jsm, route.stream, group, {});
  }
}

/**
 * Sets a group's ack_wait and its server-side bound before one of its instances consumes.
 * max_ack_pending is per durable consumer, so every instance of a group shares it: set to
 * one instance's bound it would let a second instance add nothing (and a crashed one's
 * unacknowledged messages would starve the others until ack_wait). Each instance bounds
 * itself instead, by pulling only as many messages as it has free slots (nats-consumer.ts);
 * the server's limit leaves room for INSTANCES_PER_GROUP of them and stays a memory bound
 * (decision 017).
 */
export async function configureGroup(
  jsm: JetStreamManager,
  stream: string,
  group: string,
  options: { readonly ackWaitMs: number; readonly maxInFlight: number },
): Promise<void> {
  // Only ever raised: instances of one group configured with different maxInFlight would
  // otherwise set it in turn, and the smaller value would hold back the larger's instances.
  const existing = await jsm.consumers.info(stream, group).catch(notFoundAs(undefined));
  await ensureConsumer(jsm, stream, group, {
    ack_wait: nanos(options.ackWaitMs),
    max_ack_pending: Math.max(
      options.maxInFlight * INSTANCES_PER_GROUP,
      existing?.config.max_ack_pending ?? 0,
    ),
  });
}

/** Creates the durable consumer if absent; otherwise changes only what differs (never its position). */
async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  group: string,
  wanted: Partial<ConsumerConfig>,
): Promise<void> {
  const existing = await jsm.consumers.info(stream, group).catch(notFoundAs(undefined));
  if (!existing) {
    const config: Partial<ConsumerConfig> = {
      durable_name: group,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(DEFAULT_ACK_WAIT_MS),
      max_ack_pending: DEFAULT_MAX_ACK_PENDING,
      // The actor runtime gives up by attempt count, never the server.
      max_deliver: -1,
      ...wanted,
    };
    try {
      await jsm.consumers.add(stream, config);
      return;
    } catch (error) {
      // Another process created it in between; fall through to compare.
      if (!(await jsm.consumers.info(stream, group).catch(notFoundAs(undefined)))) throw error;
    }
  }
  const current = existing ?? (await jsm.consumers.info(stream, group));
  const changed = Object.entries(wanted).some(
    ([field, value]) => current.config[field as keyof ConsumerConfig] !== value,
  );
  if (changed) await jsm.consumers.update(stream, group, wanted);
}

/** Stream not found (10059) or consumer not found (10014) read as `value`; any other error passes. */
function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof JetStreamApiError && (error.code === 10059 || error.code === 10014)) return value;
    throw error;
  };
}
