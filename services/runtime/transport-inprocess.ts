// The in-process transport: the single-process mode's bus. Same contract as
// JetStream (groups, bounded in-flight, ack/nak/term, redelivery after
// ack-wait, publish-side back-pressure, de-duplication by key) so the actors
// cannot tell them apart. Nothing survives the process; resuming a crawl is
// the store's job (see docs/decisions).

import { groupsOf, type Topology } from "./topology.js";
import type { ConsumeOptions, Delivery, DeliveryHandler, Subscription, Transport } from "./transport.js";

interface Entry {
  readonly data: Uint8Array;
  readonly key: string;
  attempt: number;
}

interface Consumer {
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly ackWaitMs: number;
  inFlight: number;
  draining: boolean;
  idle: (() => void)[];
  /** Deliveries handed out, oldest first, settled ones dropped lazily (see sweepAckWait). */
  readonly handedOut: Queue<InProcessDelivery>;
}

class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  /** Keeps, in order, the items for which `keep` is true. */
  retain(keep: (item: T) => boolean): void {
    const kept: (T | undefined)[] = [];
    for (let i = this.head; i < this.items.length; i++) if (keep(this.items[i]!)) kept.push(this.items[i]);
    this.items = kept;
    this.head = 0;
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class Group {
  readonly ready = new Queue<Entry>();
  /** Handed out, or waiting for a nak delay to pass. */
  unsettled = 0;
  readonly consumers: Consumer[] = [];
  private next = 0;

  get pending(): number {
    return this.ready.length + this.unsettled;
  }

  /** The next consumer with room, round robin. */
  pick(): Consumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[(this.next + i) % this.consumers.length]!;
      if (!consumer.draining && consumer.inFlight < consumer.maxInFlight) {
        this.next = (this.next + i + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }
}

/**
 * The last `limit` keys of a subject, for de-duplication. A ring array names
 * the oldest key in O(1): evicting through a Set's iterator cost 25 µs a
 * publish once the Set was full (docs/performance.md, Resolver).
 */
class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly ring: (string | undefined)[];
  private head = 0;
  constructor(limit: number) {
    this.ring = new Array(Math.max(1, limit));
  }
  /** false when the key is already there. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    const oldest = this.ring[this.head];
    if (oldest !== undefined) this.keys.delete(oldest);
    this.ring[this.head] = key;
    this.head = (this.head + 1) % this.ring.length;
    this.keys.add(key);
    return true;
  }
}

export interface InProcessOptions {
  readonly topology: Topology;
  /** Messages a group may hold unacknowledged before publish waits. */
  readonly capacity?: number;
  /** Keys remembered for de-duplication, per subject. */
  readonly dedupKeys?: number;
}

export class InProcessTransport implements Transport {
  readonly kind = "inprocess" as const;
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly seen = new Map<string, RecentKeys>();
  private readonly capacity: number;
  private readonly dedupKeys: number;
  private readonly spaceWaiters = new Map<string, (() => void)[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: InProcessOptions) {
    this.capacity = options.capacity ?? 10_000;
    // 20,000 keys a subject: about a second of a crawl's messages, which covers a redelivered
    // task publishing again. 200,000 were about 100 MB of live heap over the subjects (key strings
    // and their set entries), which V8 tripled; the resolver's registries, not this window, keep
    // each host and address to once a crawl (docs/performance.md, Whole crawl).
    this.dedupKeys = options.dedupKeys ?? 20_000;
    for (const subject of Object.keys(options.topology)) {
      const groups = new Map<string, Group>();
      for (const name of groupsOf(options.topology, subject)) groups.set(name, new Group());
      this.groups.set(subject, groups);
      this.seen.set(subject, new RecentKeys(this.dedupKeys));
    }
  }

  async publish(subject: string, data: Uint8Array, key: string): Promise<void> {
    const groups = this.subjectGroups(subject);
    const seen = this.seen.get(subject)!;
    while (this.full(groups)) {
      if (this.closed) throw new Error("transport closed");
      await new Promise<void>((resolve) => this.waitForSpace(subject, resolve));
    }
    if (!seen.add(key)) return;
    for (const group of groups.values()) {
      group.ready.push({ data, key, attempt: 1 });
      this.dispatch(subject, group);
    }
  }

  async consume(subject: string, options: ConsumeOptions, handler: DeliveryHandler): Promise<Subscription> {
    const group = this.subjectGroups(subject).get(options.group);
    if (!group) throw new Error(`group ${options.group} does not consume ${subject}`);
    const consumer: Consumer = {
      handler,
      maxInFlight: Math.max(1, options.maxInFlight),
      ackWaitMs: options.ackWaitMs ?? 30_000,
      inFlight: 0,
      draining: false,
      idle: [],
      handedOut: new Queue<InProcessDelivery>(),
    };
    group.consumers.push(consumer);
    this.dispatch(subject, group);
    return {
      drain: async () => {
        consumer.draining = true;
        if (consumer.inFlight > 0) await new Promise<void>((resolve) => consumer.idle.push(resolve));
        group.consumers.splice(group.consumers.indexOf(consumer), 1);
      },
    };
  }

  async pending(subject: string): Promise<number> {
    let most = 0;
    for (const group of this.subjectGroups(subject).values()) most = Math.max(most, group.pending);
    return most;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiters of this.spaceWaiters.values()) for (const wake of waiters.splice(0)) wake();
  }

  private subjectGroups(subject: string): Map<string, Group> {
    const groups = this.groups.get(subject);
    if (!groups) throw new Error(`subject ${subject} is not in the topology`);
    return groups;
  }

  private full(groups: Map<string, Group>): boolean {
    for (const group of groups.values()) if (group.pending >= this.capacity) return true;
    return false;
  }

  private waitForSpace(subject: string, wake: () => void): void {
    const waiters = this.spaceWaiters.get(subject) ?? [];
    this.spaceWaiters.set(subject, waiters);
    waiters.push(wake);
  }

  private wakePublishers(subject: string): void {
    const waiters = this.spaceWaiters.get(subject);
    if (waiters?.length) for (const wake of waiters.splice(0)) wake();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private dispatch(subject: string, group: Group): void {
    while (!this.closed && group.ready.length > 0) {
      const consumer = group.pick();
      if (!consumer) return;
      const entry = group.ready.shift()!;
      group.unsettled++;
      consumer.inFlight++;
      const delivery = new InProcessDelivery(this, subject, group, consumer, entry);
      consumer.handedOut.push(delivery);
      this.watchAckWait();
      queueMicrotask(() => delivery.run());
    }
  }

  /** Called by a delivery once, when it is acked, termed, nakked or its ack wait ran out. */
  settled(delivery: InProcessDelivery, requeueAfterMs: number | undefined): void {
    const { subject, group, consumer, entry } = delivery;
    consumer.inFlight--;
    if (consumer.draining && consumer.inFlight === 0) for (const wake of consumer.idle.splice(0)) wake();
    if (requeueAfterMs === undefined) {
      group.unsettled--;
      this.wakePublishers(subject);
    } else {
      entry.attempt++;
      this.later(requeueAfterMs, () => {
        group.unsettled--;
        group.ready.push(entry);
        this.dispatch(subject, group);
      });
    }
    this.dispatch(subject, group);
  }

  /**
   * Like JetStream's ack_wait: a delivery nobody settles comes back. A consumer's
   * deliveries are handed out in deadline order, so one sweep a tick of the
   * shortest ack wait finds them all, instead of a timer per delivery.
   */
  private watchAckWait(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweepAckWait(), 100);
    this.sweeper.unref();
    this.timers.add(this.sweeper);
  }

  private sweepAckWait(): void {
    const now = performance.now();
    for (const groups of this.groups.values())
      for (const group of groups.values())
        for (const consumer of group.consumers) {
          const handedOut = consumer.handedOut;
          for (let first = handedOut.peek(); first; first = handedOut.peek()) {
            if (!first.isSettled && first.deadline > now) break;
            handedOut.shift();
            if (!first.isSettled) first.settle(0);
          }
          // A slow delivery at the head keeps the settled ones behind it: drop them.
          if (handedOut.length > 2 * consumer.inFlight + 1024) handedOut.retain((d) => !d.isSettled);
        }
  }
}

/** One message handed to one consumer; its methods settle it once (later calls do nothing). */
class InProcessDelivery implements Delivery {
  readonly data: Uint8Array;
  readonly key: string;
  readonly attempt: number;
  readonly deadline: number;
  isSettled = false;

  constructor(
    private readonly transport: InProcessTransport,
    readonly subject: string,
    readonly group: Group,
    readonly consumer: Consumer,
    readonly entry: Entry,
  ) {
    this.data = entry.data;
    this.key = entry.key;
    this.attempt = entry.attempt;
    this.deadline = performance.now() + consumer.ackWaitMs;
  }

  run(): void {
    try {
      const result = this.consumer.handler(this);
      if (result instanceof Promise) result.catch(() => this.settle(1000));
    } catch {
      this.settle(1000);
    }
  }

  ack(): void {
    this.settle(undefined);
  }
  term(): void {
    this.settle(undefined);
  }
  nak(delayMs: number): void {
    this.settle(Math.max(0, delayMs));
  }

  settle(requeueAfterMs: number | undefined): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.transport.settled(this, requeueAfterMs);
  }
}
