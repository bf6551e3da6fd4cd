// Prometheus metrics of every actor and service, on one registry, served on
// telemetry.listen (/metrics). Metric names follow Prometheus conventions.

import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "ipv6matrix_" });

export const actorMetrics = {
  handled: new Counter({
    name: "ipv6matrix_actor_handled_total",
    help: "Messages an actor handled and acknowledged.",
    labelNames: ["actor"],
    registers: [registry],
  }),
  failed: new Counter({
    name: "ipv6matrix_actor_failed_total",
    help: "Handler failures (each retry counts).",
    labelNames: ["actor"],
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: "ipv6matrix_actor_dead_letters_total",
    help: "Messages given up on after the last attempt, with a dead-letter record.",
    labelNames: ["actor"],
    registers: [registry],
  }),
  inFlight: new Gauge({
    name: "ipv6matrix_actor_in_flight",
    help: "Messages being handled now.",
    labelNames: ["actor"],
    registers: [registry],
  }),
  mailbox: new Gauge({
    name: "ipv6matrix_actor_mailbox_depth",
    help: "Messages waiting for the actor (stored, not yet acknowledged).",
    labelNames: ["actor"],
    registers: [registry],
  }),
  latency: new Histogram({
    name: "ipv6matrix_actor_latency_seconds",
    help: "Time from delivery to acknowledgement.",
    labelNames: ["actor"],
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [registry],
  }),
};

export const storeMetrics = {
  insertSeconds: new Histogram({
    name: "ipv6matrix_store_insert_seconds",
    help: "Time one batch insert into the store took, by table and outcome (ok, error).",
    labelNames: ["table", "outcome"],
    buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [registry],
  }),
};

/** Serves /metrics; resolves with the server once it listens. */
export async function serveMetrics(host: string, port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end("not found: try /metrics\n");
      return;
    }
    response.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return server;
}
