// One instance's share of a durable JetStream pull consumer, in the steps a message goes
// through: fetch (pull as many as there are free slots), dispatch (hand it to the handler),
// reply (ack, nak or term, once), in progress (working, while its handler runs), redelivery
// (ack_wait, for what a gone instance held) and stop (drain). Declaring the
// consumer is nats-streams.ts; when to give up on a message and record a dead letter is the
// actor runtime's (it calls term), never the server's.

import type { Consumer, ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import { logger } from "./log.js";
import type { Link } from "./nats-link.js";
import { sendSoon } from "./nats-publisher.js";
import type { Delivery, DeliveryHandler, Subscription } from "./transport.js";

/** Lifetime of one pull request; the client renews it, and re-pulls at once after a reconnect. */
const PULL_EXPIRES_MS = 5_000;
/**
 * The most messages one pull may bring. nats-server keeps at most 64 MB (max_pending) waiting to
 * be written to a connection; past that it calls the client a slow consumer and drops what does
 * not fit, and those messages come back only after ack_wait. A pull of 10,000 results of a few KB,
 * answered in one burst to an aggregator whose loop was busy encoding rows, went past it: the
 * messages dropped were redelivered to the next such pull and dropped again (issue 17, the NATS
 * crawl's stall with web6 on). A pull cannot be bounded in bytes here: nats.js takes max_bytes
 * only without max_messages, and nats-server 2.9.10 never answers such a pull. A thousand messages
 * of up to 8 KB, for each of the few consumers a connection carries, stays well under it.
 */
const PULL_MAX_MESSAGES = 1_000;
/** A handler that throws did not settle: retried after this, as in-process does. */
const RETRY_THROWN_MS = 1_000;

export interface NatsConsumerOptions {
  readonly consumer: Consumer;
  readonly subject: string;
  readonly link: Link;
  readonly maxInFlight: number;
  readonly ackWaitMs: number;
  readonly handler: DeliveryHandler;
}

/** How long a handler may report itself in progress before its message is let go to redelivery: four ack_waits, a minute at least. */
const MAX_HOLD = 4;
const MIN_HOLD_MS = 60_000;

/** Fetch, dispatch, reply, redelivery and stop for one consume() call. */
export class NatsConsumer implements Subscription {
  private readonly slots: Slots;
  private readonly fetcher: Fetcher;
  private stopping = false;
  /** Messages whose handler still runs here: when each came, and when the server last heard of it (see heartbeat). */
  private readonly working = new Map<JsMsg, { delivered: number; reported: number }>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: NatsConsumerOptions) {
    // Redelivery after ack_wait is for an instance that died or lost its connection. A live one
    // whose handler is slow (an aggregator waiting on a busy store, a prober's long probe) says
    // so, and the server restarts the message's ack_wait: without it the copy redelivered went
    // to another instance (or back to this one) and the work was done twice, making a slow
    // store slower still (issue 17: ~300 redelivered results a 5k crawl under load).
    // Only messages held about a whole period since they were delivered or last reported: most are
    // acknowledged well within ack_wait and cost nothing; the others are reported before two
    // periods (two thirds of ack_wait) have passed.
    // A handler held past maxHold is taken for stuck (a publish whose reply was lost
    // with a restarted server, say): it is no longer reported, so the server redelivers the
    // message and a handler elsewhere does the work, rather than nobody ever.
    const period = Math.max(100, Math.floor(options.ackWaitMs / 3));
    const maxHold = Math.max(options.ackWaitMs * MAX_HOLD, MIN_HOLD_MS);
    this.heartbeat = setInterval(() => {
      const now = performance.now();
      for (const [message, held] of this.working) {
        if (now - held.delivered >= maxHold) this.working.delete(message);
        else if (now - held.reported >= period * 0.9) {
          send(() => message.working());
          held.reported = now;
        }
      }
    }, period);
    this.heartbeat.unref();
    this.slots = new Slots(Math.max(1, options.maxInFlight));
    this.fetcher = new Fetcher(options.consumer, this.slots, options.link, {
      subject: options.subject,
      stopped: () => this.stopping,
      hand: (message) => this.dispatch(message),
    });
  }

  /** Stop: takes nothing new, ends the pull under way; what is held stays held. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.fetcher.interrupt();
  }

  /** The connection is closing: nothing held here can be acknowledged any more, so stop saying it is in progress. */
  abandon(): void {
    clearInterval(this.heartbeat);
  }

  /** Stop, then wait for the pulling to end (a pull's lifetime at most) and for every held message to be settled. */
  async drain(): Promise<void> {
    await this.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.fetcher.done,
      new Promise((resolve) => (timer = setTimeout(resolve, PULL_EXPIRES_MS))),
    ]);
    clearTimeout(timer);
    await this.slots.idle();
    clearInterval(this.heartbeat);
  }

  /** Dispatch: one fetched message to the handler, holding a slot until it is released. */
  private dispatch(message: JsMsg): void {
    if (this.stopping) {
      // Arrived from a pull made before the stop: give it back at once rather than after ack_wait.
      send(() => message.nak());
      return;
    }
    const release = this.slots.take();
    const ackWait = expiry(this.options.ackWaitMs);
    const reply = new Reply(() => {
      ackWait.cancel();
      release();
    });
    const delivery = deliveryOf(this.options.subject, message, reply);
    const finished = runHandler(this.options.handler, delivery);
    // In progress: while its handler runs here, the message is no one else's to redeliver.
    const now = performance.now();
    this.working.set(message, { delivered: now, reported: now });
    void finished.then(() => this.working.delete(message));
    // Redelivery: after ack_wait the server sends the message again (to any instance), and a
    // delivery its handler left unsettled frees its slot. One whose handler still runs keeps it:
    // freeing it would pull more work into a consumer that is already too slow (the redelivered
    // copies too), and its work in flight would grow without bound.
    void Promise.all([ackWait.expired, finished]).then(release);
  }
}

/** This instance's bound: a slot per message held, from dispatch until its reply (or ack_wait). */
class Slots {
  private held = 0;
  private roomWaiter: (() => void) | undefined;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  get free(): number {
    return this.size - this.held;
  }

  /** Takes a slot; the function returned gives it back, once however often it is called. */
  take(): () => void {
    this.held++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.held--;
      this.wake();
      if (this.held === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }

  /** Resolves when a slot is given back or wake() is called, or after ms when given. */
  room(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      this.roomWaiter = resolve;
      if (ms !== undefined) setTimeout(resolve, ms);
    });
  }

  wake(): void {
    this.roomWaiter?.();
    this.roomWaiter = undefined;
  }

  /** Resolves when no slot is held. */
  idle(): Promise<void> {
    return this.held === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * Fetch: pulls as many messages as there are free slots, one pull at a time, so this instance
 * never holds more than its slots, whatever the others of its group hold.
 */
class Fetcher {
  readonly done: Promise<void>;
  private pull: ConsumerMessages | undefined;
  private readonly reported = new Set<string>();
  /** Fewer free slots than this: wait a moment for more, so that pulls are few and large, not one a message. */
  private readonly refill: number;

  constructor(
    private readonly consumer: Consumer,
    private readonly slots: Slots,
    private readonly link: Link,
    private readonly to: { subject: string; stopped(): boolean; hand(message: JsMsg): void },
  ) {
    this.refill = Math.max(1, Math.floor(slots.size / 4));
    this.done = this.run();
  }

  /** Logs a failed pull the first time its message is seen (a few dozen kinds at most). */
  private report(error: unknown): void {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (this.reported.has(text) || this.reported.size >= 32) return;
    this.reported.add(text);
    logger({ service: "transport" }).warn(
      { subject: this.to.subject, error: text },
      "a pull failed; pulling again",
    );
  }

  /** Ends the pull under way and wakes a loop waiting for room. */
  async interrupt(): Promise<void> {
    this.slots.wake();
    await this.pull?.close().catch(() => {});
  }

  private async run(): Promise<void> {
    while (!this.to.stopped()) {
      if (this.slots.free <= 0) {
        await this.slots.room();
        continue;
      }
      if (this.slots.free < this.refill) await this.slots.room(20);
      if (this.to.stopped()) break;
      await this.link.up();
      if (this.to.stopped()) break;
      try {
        this.pull = await this.consumer.fetch({
          max_messages: Math.min(this.slots.free, PULL_MAX_MESSAGES),
          expires: PULL_EXPIRES_MS,
        });
        if (this.to.stopped()) await this.pull.close();
        for await (const message of this.pull) this.to.hand(message);
      } catch (error) {
        // A pull cut by a disconnect or a restarting server: pull again once connected. Said once
        // for each kind of failure, so that one that never ends (a pull the client refuses) shows.
        if (!this.to.stopped()) {
          this.report(error);
          await sleep(100);
        }
      } finally {
        this.pull = undefined;
      }
    }
  }
}

/** Reply: the one ack, nak or term a message gets, then its slot is released; later calls do nothing. */
class Reply {
  private sent = false;

  constructor(private readonly release: () => void) {}

  send(reply: () => void): void {
    if (this.sent) return;
    this.sent = true;
    send(reply);
    this.release();
  }
}

/**
 * Sent with the others of this turn of the event loop (one write for them all). A reply that cannot
 * go out (the connection is closed) is left to the server: it redelivers after ack_wait.
 */
function send(reply: () => void): void {
  sendSoon(reply);
}

function deliveryOf(subject: string, message: JsMsg, reply: Reply): Delivery {
  return {
    subject,
    data: message.data,
    // Read when asked (on a failure, mostly): decoding the headers and the reply subject of every
    // message was a few percent of the aggregator's CPU (issue 17).
    get key() {
      return message.headers?.get("Nats-Msg-Id") ?? "";
    },
    get attempt() {
      return message.info.deliveryCount;
    },
    ack: () => reply.send(() => message.ack()),
    nak: (delayMs: number) => reply.send(() => message.nak(Math.max(0, delayMs))),
    term: () => reply.send(() => message.term()),
  };
}

/** Runs the handler; resolves when it has returned. One that throws is retried later. */
async function runHandler(handler: DeliveryHandler, delivery: Delivery): Promise<void> {
  try {
    await handler(delivery);
  } catch {
    delivery.nak(RETRY_THROWN_MS);
  }
}

/** ack_wait for one held message; cancelled by its reply, after which it never expires. */
function expiry(ms: number): { expired: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { expired, cancel: () => clearTimeout(timer) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
