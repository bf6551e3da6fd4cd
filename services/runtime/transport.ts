// The message bus behind every actor: publish to a subject, consume it in a
// group. Two implementations (in-process and NATS JetStream) pass one
// conformance suite (test/conformance/transport.test.ts). Knows nothing of
// protobuf or actors; payloads are bytes.

/** One message handed to a consumer. Exactly one of ack, nak or term must be called. */
export interface Delivery {
  readonly subject: string;
  readonly data: Uint8Array;
  /** The publisher's de-duplication key (NATS message id). */
  readonly key: string;
  /** 1 on first delivery, then 2, 3, ... on redelivery. */
  readonly attempt: number;
  /** Done: never deliver again. */
  ack(): void;
  /** Failed for now: deliver again after delayMs. */
  nak(delayMs: number): void;
  /** Failed for good: never deliver again (the caller records a dead letter first). */
  term(): void;
}

export interface ConsumeOptions {
  /** Consumers sharing a group share the work; each group sees every message. */
  readonly group: string;
  /**
   * Deliveries handed to this consumer and not yet settled, at most. Per consumer, not per
   * group: two instances of a service hold up to twice as many (on NATS each pulls only what
   * it has room for; the durable consumer's max_ack_pending is set well above one instance's).
   */
  readonly maxInFlight: number;
  /**
   * A delivery not settled within this is redelivered (JetStream ack_wait). On NATS, one whose
   * handler still runs in a live instance is reported in progress and not redelivered (decision 017).
   */
  readonly ackWaitMs?: number;
}

export type DeliveryHandler = (delivery: Delivery) => void | Promise<void>;

export interface Subscription {
  /** Stops taking new deliveries; resolves when those handed out are settled. */
  drain(): Promise<void>;
}

export interface Transport {
  readonly kind: "inprocess" | "nats";
  /**
   * Publishes once per key: a second publish with the same key within the
   * de-duplication window is dropped. Resolves when the message is stored;
   * waits while the subject is full (back-pressure, never an unbounded queue).
   */
  publish(subject: string, data: Uint8Array, key: string): Promise<void>;
  consume(subject: string, options: ConsumeOptions, handler: DeliveryHandler): Promise<Subscription>;
  /** Messages stored on a subject and not yet acknowledged by every group. */
  pending(subject: string): Promise<number>;
  close(): Promise<void>;
}
