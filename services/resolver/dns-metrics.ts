// The DNS client's Prometheus metrics, on the shared registry: questions by
// outcome, answers dropped and why, SERVFAIL / REFUSED answers passed over for
// another server's, TCP fallbacks, questions in flight.
// The per-question counts are plain numbers handed to prom-client when the
// metrics are read: prom-client hashes a child's labels on every increment,
// which cost the DNS thread about 4 % of its time.

import { Counter, Gauge } from "prom-client";
import { registry } from "../runtime/metrics.js";

/** A counter child for a hot path. */
export interface HotCounter {
  inc(): void;
}

const flushers = new Map<string, (() => void)[]>();

function flush(name: string): void {
  for (const flushOne of flushers.get(name) ?? []) flushOne();
}

/** `counter{label=value}`, counted in a number until the next read of the metrics. */
function hot(counter: Counter<string>, name: string, label: string, value: string): HotCounter {
  let count = 0;
  const list = flushers.get(name) ?? [];
  flushers.set(name, list);
  list.push(() => {
    if (count === 0) return;
    counter.inc({ [label]: value }, count);
    count = 0;
  });
  return {
    inc() {
      count++;
    },
  };
}

let queriesInFlight = 0;
/** Queries in flight on DNS threads, as each last reported (see dns-thread.ts). */
const inFlightElsewhere = new Map<object, number>();

const QUESTIONS = "ipv6matrix_dns_questions_total";
const SENT = "ipv6matrix_dns_queries_sent_total";
const PASSED_OVER = "ipv6matrix_dns_answers_passed_over_total";

export const dnsMetrics = {
  questions: new Counter({
    name: QUESTIONS,
    help: "Questions answered or given up on, by outcome (one per question, retries included in it).",
    labelNames: ["outcome"],
    registers: [registry],
    collect: () => flush(QUESTIONS),
  }),
  sent: new Counter({
    name: SENT,
    help: "Queries sent (UDP and TCP; a retry is another query).",
    labelNames: ["transport"],
    registers: [registry],
    collect: () => flush(SENT),
  }),
  passedOver: new Counter({
    name: PASSED_OVER,
    help: "SERVFAIL or REFUSED answers of one name server after which another configured server was asked.",
    labelNames: ["rcode"],
    registers: [registry],
    collect: () => flush(PASSED_OVER),
  }),
  dropped: new Counter({
    name: "ipv6matrix_dns_answers_dropped_total",
    help: "Answers not accepted: short, unknown id, wrong source, wrong question, malformed.",
    labelNames: ["why"],
    registers: [registry],
  }),
  inFlight: new Gauge({
    name: "ipv6matrix_dns_queries_in_flight",
    help: "Queries sent and not yet answered or timed out.",
    registers: [registry],
    collect() {
      let total = queriesInFlight;
      for (const n of inFlightElsewhere.values()) total += n;
      this.set(total);
    },
  }),
};

/** Questions answered or given up on, for one outcome. */
export function questionsCounter(outcome: string): HotCounter {
  return hot(dnsMetrics.questions, QUESTIONS, "outcome", outcome);
}

/** SERVFAIL / REFUSED answers passed over for another server's. */
export function passedOverCounter(rcode: string): HotCounter {
  return hot(dnsMetrics.passedOver, PASSED_OVER, "rcode", rcode);
}

/** Queries sent over one transport ("udp", "tcp"). */
export function sentCounter(transport: string): HotCounter {
  return hot(dnsMetrics.sent, SENT, "transport", transport);
}

/** One more, or one fewer, query in flight (read into the gauge when the metrics are). */
export function queryInFlight(delta: 1 | -1): void {
  queriesInFlight += delta;
}

/** The queries in flight of a DNS thread (`thread` names it; 0 when it is gone). */
export function reportThreadInFlight(thread: object, n: number): void {
  if (n === 0) inFlightElsewhere.delete(thread);
  else inFlightElsewhere.set(thread, n);
}
