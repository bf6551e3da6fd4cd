// The DNS client's Prometheus metrics, on the shared registry: questions by
// outcome, answers dropped and why, TCP fallbacks, questions in flight.

import { Counter, Gauge } from "prom-client";
import { registry } from "../runtime/metrics.js";

export const dnsMetrics = {
  questions: new Counter({
    name: "ipv6matrix_dns_questions_total",
    help: "Questions answered or given up on, by outcome (one per question, retries included in it).",
    labelNames: ["outcome"],
    registers: [registry],
  }),
  sent: new Counter({
    name: "ipv6matrix_dns_queries_sent_total",
    help: "Queries sent (UDP and TCP; a retry is another query).",
    labelNames: ["transport"],
    registers: [registry],
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
  }),
};
