// The prober's actor: consumes crawl.ips (group prober), measures each distinct address once
// (SPEC 4) and publishes CrawlResult{address} on crawl.results with key
// address:<crawl>:<ip>. No measurement logic here: see prober.ts and the modules it names.

import { Gauge } from "prom-client";
import { AddressTask, CrawlResult, WebTask } from "../../gen/ipv6matrix/v1/work.js";
import type { ActorDefinition } from "../runtime/actor.js";
import type { Config } from "../runtime/config.js";
import { logger } from "../runtime/log.js";
import { registry } from "../runtime/metrics.js";
import { PROBER_METRICS } from "../runtime/progress.js";
import { Subjects } from "../runtime/topology.js";
import { Prober, type ProberExtras, proberOptionsFrom } from "./prober.js";
import { WebProber, webOptionsFrom } from "./web/web-prober.js";

export interface ProberService {
  readonly actors: ActorDefinition<AddressTask | WebTask>[];
  /** The same prober, for ProberService.Probe (grpc.ts). */
  readonly prober: Prober;
  close(): void;
}

const running = new Set<Prober>();

// What the shared raw sockets saw, over every prober of the process: packets sent, replies,
// timeouts, and the bad input that was counted and ignored (garbage, unmatched, wrong source).
new Gauge({
  name: "ipv6matrix_prober_icmp_events",
  help: "ICMP events of the prober's raw sockets since start, by event (sent, replies, garbage, unmatched, ...).",
  labelNames: ["event"],
  registers: [registry],
  collect() {
    this.reset();
    for (const prober of running)
      for (const [event, count] of Object.entries(prober.echoCounts())) this.inc({ event }, count);
  },
});

export function proberActors(config: Config, extras: ProberExtras = {}): ProberService {
  const prober = new Prober(proberOptionsFrom(config, extras), logger({ service: "prober" }));
  running.add(prober);
  const addressActor: ActorDefinition<AddressTask> = {
    name: "prober.address",
    service: "prober",
    subject: Subjects.ips,
    group: "prober",
    maxInFlight: config.concurrency.addresses,
    // A stalling SMTP server alone holds an address for tcp.smtpTimeout; leave room beyond it.
    ackWaitMs: Math.max(
      30_000,
      (config.tcp.smtpTimeout + config.trace.timeout * 4 + config.ping.timeout) * 2000,
    ),
    decode: (data) => AddressTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, context) {
      // A resumed crawl's address whose row is stored already (crawl-runner.ts): measured once.
      if (task.missing.length > 0 && !task.missing.includes("addresses")) return;
      // An address sent for geo or its PTR alone: nothing of the prober's is asked, so no row.
      const metrics = task.options?.metrics;
      if (metrics !== undefined && !metrics.some((metric) => PROBER_METRICS.includes(metric))) return;
      const measured = await prober.probe(task.ip, task.crawlId, task.options);
      // The address as the resolver spelt it, so the row joins its host's addresses.
      const address = { ...measured, ip: task.ip, family: task.family || measured.family };
      const result = CrawlResult.encode({ result: { $case: "address", value: address } }).finish();
      await context.publish(Subjects.results, result, `address:${task.crawlId}:${task.ip}`);
    },
  };
  // crawl.web (issue 19): the same-site parity of a WWW host, one row per scheme, keyed
  // web:<crawl>:<host>:<scheme>. Only addresses the prober itself may probe are fetched.
  const web = new WebProber(webOptionsFrom(config), (ip) => prober.refusal(ip));
  const webActor: ActorDefinition<WebTask> = {
    name: "prober.web",
    service: "prober",
    subject: Subjects.web,
    group: "prober",
    maxInFlight: config.web.concurrency,
    // Both schemes on both families, each tried twice within web.timeout, queued behind the slots.
    ackWaitMs: Math.max(30_000, config.web.timeout * 4 * 1000 * 2),
    decode: (data) => WebTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, context) {
      for (const row of await web.measure(task)) {
        const result = CrawlResult.encode({ result: { $case: "web", value: row } }).finish();
        await context.publish(Subjects.results, result, `web:${task.crawlId}:${task.host}:${row.scheme}`);
      }
    },
  };
  return {
    actors: [
      addressActor as ActorDefinition<AddressTask | WebTask>,
      webActor as ActorDefinition<AddressTask | WebTask>,
    ],
    prober,
    close: () => {
      running.delete(prober);
      prober.close();
    },
  };
}
