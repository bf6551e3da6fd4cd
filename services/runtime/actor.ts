// Actors: a handler bound to a subject, one message at a time per delivery,
// at most maxInFlight at once. A message is acknowledged only after the
// handler (and so everything it published) finished; a failure is retried
// with backoff, and after the last attempt a dead letter says why. Knows
// nothing of what the messages mean.

import { DeadLetter } from "../../gen/ipv6matrix/v1/work.js";
import { type Logger, logger } from "./log.js";
import { actorMetrics } from "./metrics.js";
import { Subjects } from "./topology.js";
import type { Delivery, Subscription, Transport } from "./transport.js";

/** A failure that no retry can mend (bad input): dead-lettered at once. */
export class PermanentError extends Error {
  override name = "PermanentError";
}

export interface ActorContext {
  readonly attempt: number;
  readonly log: Logger;
  /** Publishes bytes; resolves once stored (so the ack that follows is safe). */
  publish(subject: string, data: Uint8Array, key: string): Promise<void>;
}

export interface ActorDefinition<In> {
  readonly name: string;
  readonly service: string;
  readonly subject: string;
  /** The consumer group; instances of one service share it. */
  readonly group: string;
  readonly maxInFlight: number;
  readonly maxAttempts?: number;
  readonly ackWaitMs?: number;
  decode(data: Uint8Array): In;
  crawlOf(message: In): string;
  handle(message: In, context: ActorContext): Promise<void>;
}

export interface RunningActor {
  readonly name: string;
  stop(): Promise<void>;
}

/** Backoff before attempt n+1: 200 ms doubling, at most 30 s, with jitter. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(30_000, 200 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export async function startActor<In>(
  transport: Transport,
  definition: ActorDefinition<In>,
): Promise<RunningActor> {
  const log = logger({ service: definition.service, actor: definition.name });
  const maxAttempts = definition.maxAttempts ?? 5;
  const labels = { actor: definition.name };
  // Label children looked up once: prom-client hashes a labels object on every call otherwise.
  const inFlight = actorMetrics.inFlight.labels(labels);
  const handled = actorMetrics.handled.labels(labels);
  const failed = actorMetrics.failed.labels(labels);
  const deadLetters = actorMetrics.deadLetters.labels(labels);
  const latency = actorMetrics.latency.labels(labels);
  // Every series exists from the start, so a dashboard shows 0 rather than nothing.
  inFlight.set(0);
  handled.inc(0);
  failed.inc(0);
  deadLetters.inc(0);
  const publish = (subject: string, data: Uint8Array, key: string) => transport.publish(subject, data, key);

  const deadLetter = async (delivery: Delivery, crawlId: string, reason: string) => {
    const letter = DeadLetter.encode({
      crawlId,
      subject: delivery.subject,
      key: delivery.key,
      actor: definition.name,
      reason,
      attempts: delivery.attempt,
      payload: Buffer.from(delivery.data),
    }).finish();
    await transport.publish(Subjects.deadLetters, letter, `dead:${definition.name}:${delivery.key}`);
    deadLetters.inc();
    log.error({ crawl: crawlId, key: delivery.key, attempts: delivery.attempt, reason }, "dead letter");
  };

  const handle = async (delivery: Delivery) => {
    const started = performance.now();
    inFlight.inc();
    let crawlId = "";
    try {
      let message: In;
      try {
        message = definition.decode(delivery.data);
        crawlId = definition.crawlOf(message);
      } catch (error) {
        throw new PermanentError(`cannot decode the message: ${(error as Error).message}`);
      }
      await definition.handle(message, {
        // Read when a handler asks: on NATS it is parsed from the message's reply subject.
        get attempt() {
          return delivery.attempt;
        },
        log,
        publish,
      });
      delivery.ack();
      handled.inc();
    } catch (error) {
      failed.inc();
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (error instanceof PermanentError || delivery.attempt >= maxAttempts) {
        try {
          await deadLetter(delivery, crawlId, reason);
          delivery.term();
        } catch (letterError) {
          // Without its dead letter the message must not vanish: try again later.
          log.error(
            { key: delivery.key, error: String(letterError) },
            "cannot record dead letter; will retry",
          );
          delivery.nak(retryDelayMs(delivery.attempt));
        }
      } else {
        log.warn(
          { crawl: crawlId, key: delivery.key, attempt: delivery.attempt, reason },
          "handler failed; will retry",
        );
        delivery.nak(retryDelayMs(delivery.attempt));
      }
    } finally {
      inFlight.dec();
      latency.observe((performance.now() - started) / 1000);
    }
  };

  const subscription: Subscription = await transport.consume(
    definition.subject,
    { group: definition.group, maxInFlight: definition.maxInFlight, ackWaitMs: definition.ackWaitMs },
    handle,
  );
  const depth = setInterval(() => {
    transport.pending(definition.subject).then(
      (n) => actorMetrics.mailbox.set(labels, n),
      () => {},
    );
  }, 2000);
  depth.unref();
  log.debug({ subject: definition.subject, group: definition.group }, "actor started");
  return {
    name: definition.name,
    stop: async () => {
      clearInterval(depth);
      await subscription.drain();
    },
  };
}
