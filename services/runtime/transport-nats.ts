// The distributed mode's bus: the Transport contract on NATS JetStream, one
// interest-retention stream per subject and one durable pull consumer per
// (subject, group), all declared at connect from the topology. Each consumer
// pulls only as many messages as it has free slots, so instances add up. It does not
// decide when to give up on a message (the actor runtime does, by attempt)
// and never deletes streams or consumers: their state is the crawl's work.

import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, errors, type NatsConnection, nanos } from "@nats-io/transport-node";
import { groupsOf, type Topology } from "./topology.js";
import type { ConsumeOptions, Delivery, DeliveryHandler, Subscription, Transport } from "./transport.js";

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

const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_MAX_ACK_PENDING = 1_000;
/** Instances of one group the server lets hold their full maxInFlight each at once. */
const INSTANCES_PER_GROUP = 64;
/** Lifetime of one pull request; the client renews it, and re-pulls at once after a reconnect. */
const PULL_EXPIRES_MS = 5_000;

/** The JetStream stream holding a subject: `crawl.domains` -> `CRAWL_DOMAINS`. */
export function streamNameOf(subject: string, prefix = ""): string {
  const name = subject.replace(/[^A-Za-z0-9_-]/g, "_").toUpperCase();
  return prefix ? `${prefix.replace(/[^A-Za-z0-9_-]/g, "_").toUpperCase()}_${name}` : name;
}

export async function connectNats(options: NatsTransportOptions): Promise<NatsTransport> {
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    // A service outlives any NATS restart: keep trying, never give up.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
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

interface Route {
  readonly stream: string;
  readonly wireSubject: string;
  readonly groups: readonly string[];
}

export class NatsTransport implements Transport {
  readonly kind = "nats" as const;
  private readonly js: JetStreamClient;
  private readonly routes = new Map<string, Route>();
  private readonly capacity: number;
  private readonly duplicateWindowMs: number;
  /** Stops each consumer's pulling, for close. */
  private readonly pullers = new Set<() => Promise<void>>();
  private closed = false;
  private readonly link: Link;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    options: NatsTransportOptions,
  ) {
    this.js = jetstream(nc);
    this.link = new Link(nc);
    this.capacity = options.capacity ?? 10_000;
    this.duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
    const prefix = options.streamPrefix ?? "";
    for (const subject of Object.keys(options.topology)) {
      this.routes.set(subject, {
        stream: streamNameOf(subject, prefix),
        wireSubject: prefix ? `${prefix}.${subject}` : subject,
        groups: groupsOf(options.topology, subject),
      });
    }
  }

  /**
   * Creates what is missing and leaves what exists: a second process starting
   * must neither fail nor reset the consumers' positions. Every group exists
   * before the first publish, or interest retention would drop messages.
   */
  async declare(): Promise<void> {
    for (const route of this.routes.values()) {
      const config = {
        name: route.stream,
        subjects: [route.wireSubject],
        retention: RetentionPolicy.Interest,
        storage: StorageType.File,
        max_msgs: this.capacity,
        discard: DiscardPolicy.New,
        duplicate_window: nanos(this.duplicateWindowMs),
        num_replicas: 1,
      };
      const existing = await this.jsm.streams.info(route.stream).catch(notFoundAs(undefined));
      if (!existing) {
        await this.jsm.streams.add(config).catch(async (error: unknown) => {
          // Another process created it in between: that is fine.
          if (!(await this.jsm.streams.info(route.stream).catch(notFoundAs(undefined)))) throw error;
        });
      } else if (
        existing.config.max_msgs !== config.max_msgs ||
        existing.config.duplicate_window !== config.duplicate_window
      ) {
        await this.jsm.streams.update(route.stream, {
          max_msgs: config.max_msgs,
          duplicate_window: config.duplicate_window,
        });
      }
      for (const group of route.groups) await this.ensureConsumer(route.stream, group, {});
    }
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
        const stored = this.js.publish(route.wireSubject, data, { msgID: key });
        // A request sent just before the server went away gets no reply: do
        // not wait out the request timeout, send it again once reconnected.
        const down = this.link.down();
        const outcome = await Promise.race([stored.then(() => "stored" as const), down.promise]).finally(
          down.cancel,
        );
        if (outcome === "stored") return;
        stored.catch(() => {}); // abandoned: its timeout is expected
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
    // max_ack_pending is per durable consumer, so every instance of a group shares it: set to
    // one instance's bound it would let a second instance add nothing (and a crashed one's
    // unacknowledged messages would starve the others until ack_wait). Each instance bounds
    // itself instead, by pulling only as many messages as it has free slots (below); the
    // server's limit leaves room for INSTANCES_PER_GROUP of them and stays a memory bound.
    await this.ensureConsumer(route.stream, options.group, {
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: maxInFlight * INSTANCES_PER_GROUP,
    });
    const consumer = await this.js.consumers.get(route.stream, options.group);

    let inFlight = 0;
    let draining = false;
    const idle: (() => void)[] = [];
    let room: (() => void) | undefined;
    const release = () => {
      inFlight--;
      room?.();
      room = undefined;
      if (inFlight === 0) for (const wake of idle.splice(0)) wake();
    };
    const stopped = () => draining || this.closed;

    const hand = (message: JsMsg) => {
      if (stopped()) {
        // Arrived from a pull made before drain: give it back at once rather than after ack_wait.
        try {
          message.nak();
        } catch {
          // The connection is closing: the server redelivers after ack_wait.
        }
        return;
      }
      inFlight++;
      let settled = false;
      let released = false;
      let running = true;
      let expired = false;
      const releaseOnce = () => {
        if (released) return;
        released = true;
        clearTimeout(ackWait);
        release();
      };
      // After ack_wait the server redelivers, and a delivery its handler forgot frees its slot. One
      // whose handler still runs keeps it: freeing it would pull more work into a consumer that is
      // already too slow (the redelivered copies too), and its work in flight would grow without bound.
      const ackWait = setTimeout(() => {
        expired = true;
        if (!running) releaseOnce();
      }, ackWaitMs);
      const finished = () => {
        running = false;
        if (expired) releaseOnce();
      };
      const settle = (reply: () => void) => {
        if (settled) return;
        settled = true;
        try {
          reply();
        } catch {
          // The connection is closed: the server redelivers after ack_wait.
        }
        releaseOnce();
      };
      const delivery: Delivery = {
        subject,
        data: message.data,
        key: message.headers?.get("Nats-Msg-Id") ?? "",
        attempt: message.info.deliveryCount,
        ack: () => settle(() => message.ack()),
        nak: (delayMs: number) => settle(() => message.nak(Math.max(0, delayMs))),
        term: () => settle(() => message.term()),
      };
      // A handler that throws did not settle; retry it later, as in-process does.
      const failed = () => delivery.nak(1_000);
      try {
        const result = handler(delivery);
        if (result instanceof Promise)
          result.then(finished, () => {
            failed();
            finished();
          });
        else finished();
      } catch {
        failed();
        finished();
      }
    };

    // Pulls as many messages as there are free slots, one pull at a time: this instance never
    // holds more than maxInFlight, whatever the others of its group hold.
    let pull: ConsumerMessages | undefined;
    const refill = Math.max(1, Math.floor(maxInFlight / 4));
    const puller = (async () => {
      while (!stopped()) {
        const wait = (ms?: number) =>
          new Promise<void>((resolve) => {
            room = resolve;
            if (ms !== undefined) setTimeout(resolve, ms);
          });
        if (inFlight >= maxInFlight) {
          await wait();
          continue;
        }
        // A few free slots: wait a moment for more, so that pulls are few and large, not one a message.
        if (maxInFlight - inFlight < refill) await wait(20);
        if (stopped()) break;
        await this.link.up();
        if (stopped()) break;
        try {
          pull = await consumer.fetch({ max_messages: maxInFlight - inFlight, expires: PULL_EXPIRES_MS });
          if (stopped()) await pull.close();
          for await (const message of pull) hand(message);
        } catch {
          // A pull cut by a disconnect or a restarting server: pull again once connected.
          if (!stopped()) await sleep(100);
        } finally {
          pull = undefined;
        }
      }
    })();
    const stop = async () => {
      room?.();
      await pull?.close().catch(() => {});
    };
    this.pullers.add(stop);
    return {
      drain: async () => {
        draining = true;
        this.pullers.delete(stop);
        await stop();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          puller,
          new Promise((resolve) => (timer = setTimeout(resolve, PULL_EXPIRES_MS))),
        ]);
        clearTimeout(timer);
        if (inFlight > 0) await new Promise<void>((resolve) => idle.push(resolve));
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
    await Promise.all([...this.pullers].map((stop) => stop()));
    this.pullers.clear();
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  private route(subject: string): Route {
    const route = this.routes.get(subject);
    if (!route) throw new Error(`subject ${subject} is not in the topology`);
    return route;
  }

  /** Creates the durable consumer if absent; otherwise changes only what differs (never its position). */
  private async ensureConsumer(
    stream: string,
    group: string,
    wanted: Partial<ConsumerConfig>,
  ): Promise<void> {
    const existing = await this.jsm.consumers.info(stream, group).catch(notFoundAs(undefined));
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
        await this.jsm.consumers.add(stream, config);
        return;
      } catch (error) {
        // Another process created it in between; fall through to compare.
        if (!(await this.jsm.consumers.info(stream, group).catch(notFoundAs(undefined)))) throw error;
      }
    }
    const current = existing ?? (await this.jsm.consumers.info(stream, group));
    const changed = Object.entries(wanted).some(
      ([field, value]) => current.config[field as keyof ConsumerConfig] !== value,
    );
    if (changed) await this.jsm.consumers.update(stream, group, wanted);
  }
}

function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof JetStreamApiError && (error.code === 10059 || error.code === 10014)) return value;
    throw error;
  };
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

/** Follows the connection's status, so a publish neither waits out a lost reply nor queues into a dead socket. */
class Link {
  private connected = true;
  private wakeUp: (() => void)[] = [];
  private readonly wakeDown = new Set<() => void>();

  constructor(nc: NatsConnection) {
    void (async () => {
      // The iterator ends when the connection closes.
      for await (const status of nc.status()) {
        if (status.type === "disconnect") {
          this.connected = false;
          for (const wake of this.wakeDown) wake();
          this.wakeDown.clear();
        } else if (status.type === "reconnect") {
          this.connected = true;
          for (const wake of this.wakeUp.splice(0)) wake();
        }
      }
    })();
    // Nobody waits on a closed connection: the caller sees it is closed.
    void nc.closed().then(() => {
      for (const wake of [...this.wakeUp.splice(0), ...this.wakeDown]) wake();
      this.wakeDown.clear();
    });
  }

  /** Resolves when connected: at once, or at the next reconnect. */
  up(): Promise<void> {
    return this.connected ? Promise.resolve() : new Promise((resolve) => this.wakeUp.push(resolve));
  }

  /** Resolves at the next disconnect; cancel when no longer waiting, or the waiter stays. */
  down(): { promise: Promise<"down">; cancel: () => void } {
    let wake = () => {};
    const promise = new Promise<"down">((resolve) => {
      wake = () => resolve("down");
    });
    this.wakeDown.add(wake);
    return { promise, cancel: () => this.wakeDown.delete(wake) };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
