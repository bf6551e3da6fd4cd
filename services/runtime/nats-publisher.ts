// Publishes a message to JetStream and waits for the stream's acknowledgement (PubAck), with
// less work a message than the client's js.publish, which is most of the NATS mode's cost per
// message (issue 17): that builds Error objects and a timer, a deferred and a Promise.race per
// request, and a TextDecoder per answer. Here: one reply subscription for every publish, a map
// of the publishes waiting, and one sweep a second for those whose answer is overdue.
// Retrying, back-pressure and reconnects are the transport's (transport-nats.ts), not this.

import { JetStreamApiError } from "@nats-io/jetstream";
import { createInbox, errors, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";

/** How long a publish waits for its PubAck before it fails with a TimeoutError (the client's default). */
const ANSWER_TIMEOUT_MS = 5_000;

interface Waiting {
  readonly subject: string;
  readonly deadline: number;
  resolve(): void;
  reject(error: Error): void;
}

const decoder = new TextDecoder();

/** Sends queued in this turn of the event loop, run together (see sendSoon). */
let queued: (() => void)[] = [];

/**
 * Runs `send` (a publish or an acknowledgement through the client) at the end of this turn of the
 * event loop, with every other one queued in it. The client writes to its socket once per
 * microtask checkpoint that has something to send, and each handler finishes in a checkpoint of
 * its own: one write system call a message, then the largest part of a message's cost. Sent
 * together, a turn's messages go out in one write. A send that throws (a closed connection) is
 * given `failed`, or ignored.
 */
export function sendSoon(send: () => void, failed?: (error: Error) => void): void {
  if (queued.length === 0) setImmediate(sendQueued);
  queued.push(failed ? () => guarded(send, failed) : send);
}

function guarded(send: () => void, failed: (error: Error) => void): void {
  try {
    send();
  } catch (error) {
    failed(error as Error);
  }
}

function sendQueued(): void {
  const sends = queued;
  queued = [];
  for (const send of sends) {
    try {
      send();
    } catch {
      // A reply that cannot go out (the connection is closed) is left to the server: redelivered after ack_wait.
    }
  }
}

export class JetStreamPublisher {
  private readonly inbox: string;
  private next = 0;
  /** By reply token, in the order sent: the sweep stops at the first not yet overdue. */
  private readonly waiting = new Map<string, Waiting>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = ANSWER_TIMEOUT_MS,
  ) {
    this.inbox = `${createInbox()}.`;
    // The client subscribes it again after a reconnect, as it does its own request inbox.
    nc.subscribe(`${this.inbox}*`, {
      callback: (error, msg) => {
        // An error of the subscription itself (a permission): the publishes waiting time out.
        if (!error) this.answer(msg);
      },
    });
    this.sweep = setInterval(() => this.expire(), Math.min(1000, timeoutMs));
    this.sweep.unref();
  }

  /**
   * Resolves when the stream has stored the message, or already held one with the same id within
   * its duplicate window; rejects with the stream's JetStreamApiError (a full stream: 10077), a
   * NoRespondersError (no stream or no JetStream yet) or a TimeoutError (no answer).
   */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    const token = (this.next++).toString(36);
    const header = headers();
    header.set("Nats-Msg-Id", msgId);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(token, { subject, deadline: performance.now() + this.timeoutMs, resolve, reject });
      sendSoon(
        () => this.nc.publish(subject, data, { reply: this.inbox + token, headers: header }),
        (error) => {
          this.waiting.delete(token);
          reject(error);
        },
      );
    });
  }

  /** Fails every publish waiting for its answer (the connection dropped: none will come). */
  fail(error: Error): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const publish of waiting) publish.reject(error);
  }

  /** Fails every publish still waiting (the connection is closing). */
  close(): void {
    clearInterval(this.sweep);
    this.fail(new errors.TimeoutError());
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length);
    const waiting = this.waiting.get(token);
    if (!waiting) return; // overdue and already failed
    this.waiting.delete(token);
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      waiting.reject(new errors.NoRespondersError(waiting.subject));
      return;
    }
    let ack: { stream?: string; error?: { code: number; err_code: number; description: string } };
    try {
      ack = JSON.parse(decoder.decode(msg.data));
    } catch {
      waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} with no JSON`));
      return;
    }
    if (ack.error) waiting.reject(new JetStreamApiError(ack.error));
    else if (!ack.stream)
      waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} with no stream`));
    else waiting.resolve();
  }

  private expire(): void {
    const now = performance.now();
    for (const [token, waiting] of this.waiting) {
      if (waiting.deadline > now) break;
      this.waiting.delete(token);
      waiting.reject(new errors.TimeoutError());
    }
  }
}
