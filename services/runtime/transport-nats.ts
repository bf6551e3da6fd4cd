// The distributed mode's bus: the Transport contract on NATS JetStream. Publishing is
// here; the streams and durable consumers it uses are declared at connect from the
// topology (nats-streams.ts), and each consume() is a NatsConsumer (nats-consumer.ts)
// that pulls only as many messages as it has free slots, so instances add up. It does
// not decide when to give up on a message (the actor runtime does, by attempt) and never
// deletes streams or consumers: their state is the crawl's work.

import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { NatsConsumer } from "./nats-consumer.js";
import { Link } from "./nats-link.js";
import { JetStreamPublisher } from "./nats-publisher.js";
import { configureGroup, DEFAULT_ACK_WAIT_MS, declareRoutes, type Route, routesOf } from "./nats-streams.js";
import type { Topology } from "./topology.js";
import type { ConsumeOptions, DeliveryHandler, Subscription, Transport } from "./transport.js";

export { streamNameOf } from "./nats-streams.js";

export interface NatsTransportOptions {
  readonly servers: string[];
  readonly topology: Topology;
  /** Prefixes stream names and wire subjects, so tests or crawls can share one server in isolation. */
  readonly streamPrefix?: string;
  /** Messages a stream holds (every group's unacknowledged ones) before publish waits. */
  readonly capacity?: number;
  /** How long a publish key is remembered for de-duplication (JetStream duplicate_window). */
  readonly duplicateWindowMs?: number;
  /** Connection name, shown by the server's monitoring. */
  readonly name?: string;
}

// JetStream API error codes the transport waits out instead of surfacing.
const STREAM_FULL = 10077; // "maximum messages exceeded" with discard new: back-pressure
const JETSTREAM_UNAVAILABLE = 10008; // "JetStream system temporarily unavailable" while a server recovers

export async function connectNats(options: NatsTransportOptions): Promise<NatsTransport> {
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    // A service outlives any NATS restart: keep trying, never give up.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // Without it every request (each publish waits for the stream's ack) builds two Error objects
    // with stack traces before it is sent, in case it times out: a fifth of the client's CPU a
    // message (issue 17). A timeout still says which subject; only the caller's stack is missing.
    noAsyncTraces: true,
  });
  try {
    const jsm = await jetstreamManager(nc);
    const transport = new NatsTransport(nc, jsm, options);
    await transport.declare();
    return transport;
  } catch (error) {
    await nc.close();
    throw error;
  }
}

export class NatsTransport implements Transport {
  readonly kind = "nats" as const;
  private readonly js: JetStreamClient;
  private readonly publisher: JetStreamPublisher;
  private readonly routes: Map<string, Route>;
  private readonly capacity: number;
  private readonly duplicateWindowMs: number;
  /** Consumers not yet drained, stopped by close. */
  private readonly consumers = new Set<NatsConsumer>();
  private closed = false;
  private readonly link: Link;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    options: NatsTransportOptions,
  ) {
    this.js = jetstream(nc);
    this.link = new Link(nc);
    this.publisher = new JetStreamPublisher(nc);
    // A publish waiting for its answer when the connection drops does not wait out the timeout.
    this.link.onDown(() => this.publisher.fail(new errors.ConnectionError("disconnected from nats-server")));
    this.capacity = options.capacity ?? 10_000;
    this.duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
    this.routes = routesOf(options.topology, options.streamPrefix ?? "");
  }

  /** Creates the streams and consumers that are missing (nats-streams.ts). */
  async declare(): Promise<void> {
    await declareRoutes(this.jsm, this.routes.values(), {
      capacity: this.capacity,
      duplicateWindowMs: this.duplicateWindowMs,
    });
  }

  async publish(subject: string, data: Uint8Array, key: string): Promise<void> {
    const route = this.route(subject);
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error(`transport closed while publishing ${key} to ${subject}`);
      // A request queued while disconnected went unanswered after the
      // reconnect (nats.js 3.4 against 2.9): send only on a live connection.
      await this.link.up();
      try {
        // The key as Nats-Msg-Id: a retry of a publish that was stored but
        // not acknowledged (a lost reply, a restart) is dropped as a duplicate.
        // A publish sent just before the server went away gets no answer: it fails at the
        // disconnect (see the constructor) and goes again once reconnected.
        await this.publisher.publish(route.wireSubject, data, key);
        return;
      } catch (error) {
        if (!waitable(error)) throw error;
        await sleep(Math.min(500, 10 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  async consume(subject: string, options: ConsumeOptions, handler: DeliveryHandler): Promise<Subscription> {
    const route = this.route(subject);
    if (!route.groups.includes(options.group))
      throw new Error(`group ${options.group} does not consume ${subject}`);
    const maxInFlight = Math.max(1, options.maxInFlight);
    const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    await configureGroup(this.jsm, route.stream, options.group, { ackWaitMs, maxInFlight });
    const consumer = new NatsConsumer({
      consumer: await this.js.consumers.get(route.stream, options.group),
      subject,
      link: this.link,
      maxInFlight,
      ackWaitMs,
      handler,
    });
    if (this.closed) await consumer.stop();
    else this.consumers.add(consumer);
    return {
      drain: async () => {
        this.consumers.delete(consumer);
        await consumer.drain();
      },
    };
  }

  /**
   * The slowest group's backlog, as in-process. Eventually consistent: the
   * server updates a consumer's num_pending just after acknowledging a publish.
   */
  async pending(subject: string): Promise<number> {
    const route = this.route(subject);
    let most = 0;
    for (const group of route.groups) {
      const info = await this.jsm.consumers.info(route.stream, group);
      most = Math.max(most, info.num_pending + info.num_ack_pending);
    }
    return most;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    for (const consumer of this.consumers) consumer.abandon();
    this.consumers.clear();
    if (!this.nc.isClosed()) await this.nc.drain();
    this.publisher.close();
  }

  private route(subject: string): Route {
    const route = this.routes.get(subject);
    if (!route) throw new Error(`subject ${subject} is not in the topology`);
    return route;
  }
}

/** Errors that pass: a full stream (back-pressure) or a server that is away or recovering. */
function waitable(error: unknown): boolean {
  if (error instanceof JetStreamApiError)
    return error.code === STREAM_FULL || error.code === JETSTREAM_UNAVAILABLE;
  return (
    error instanceof errors.TimeoutError ||
    error instanceof errors.RequestError ||
    error instanceof errors.NoRespondersError ||
    error instanceof errors.ConnectionError ||
    // No responders to the JetStream API (the package does not export the class): the server is (re)starting.
    (error instanceof Error && error.name === "JetStreamNotEnabled")
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
