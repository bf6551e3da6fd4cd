// Runs the prober on the addresses given, inside whatever network namespace it was started
// in (`ip netns exec v6m-vantage node --import tsx test/prober/run-prober.ts ...`), and prints
// one JSON line per AddressResult, then one line of totals. Confined to the ranges given with
// --confine, so a slip in a target list cannot send a packet off the lab.
// Usage: run-prober.ts [--config FILE] [--set key=value]... --confine CIDR,... [--pps N]
//        [--per-destination-pps N] [--concurrency N] [--ramp-ms N] [--smtp-threads N] [--quiet]
//        [--targets FILE | IP...]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { AddressResult } from "../../gen/ipv6matrix/v1/work.js";
import { Prober, proberOptionsFrom } from "../../services/prober/prober.js";
import { loadConfig } from "../../services/runtime/config.js";
import { logger } from "../../services/runtime/log.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: "string" },
    set: { type: "string", multiple: true },
    confine: { type: "string" },
    pps: { type: "string" },
    "per-destination-pps": { type: "string" },
    concurrency: { type: "string" },
    targets: { type: "string" },
    quiet: { type: "boolean" },
    "ramp-ms": { type: "string" },
    "smtp-threads": { type: "string" },
  },
});
if (!values.confine) throw new Error("run-prober: --confine CIDR,... is required");
const config = loadConfig({ file: values.config, sets: values.set ?? [] });
const prober = new Prober(
  {
    ...proberOptionsFrom(config, {
      pps: values.pps ? Number(values.pps) : undefined,
      perDestinationPps: values["per-destination-pps"] ? Number(values["per-destination-pps"]) : undefined,
      smtpThreads: values["smtp-threads"] ? Number(values["smtp-threads"]) : undefined,
    }),
    confineTo: values.confine.split(","),
  },
  logger({ service: "prober" }),
);
const targets = values.targets
  ? readFileSync(values.targets, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
  : positionals;
const concurrency = Number(values.concurrency ?? 256);
const started = performance.now();
let next = 0;
let probed = 0;
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
const lines: string[] = [];
// How the measurements came out, so a benchmark can tell speed bought with wrong answers.
const tally: Record<string, number> = {};
const count = (key: string) => {
  tally[key] = (tally[key] ?? 0) + 1;
};
async function worker(): Promise<void> {
  while (next < targets.length) {
    const ip = targets[next++]!;
    const result = await prober.probe(ip, "lab");
    probed++;
    count(`ping_received=${result.ping?.received ?? "-"}`);
    for (const port of ["tcp80", "tcp443", "tcp25"] as const) count(`${port}=${result[port]}`);
    count(`starttls=${result.starttls}`);
    count(`hops=${result.trace?.hops ?? "-"}`);
    count(`mtu=${result.trace?.mtu ?? "-"}`);
    count(`ntp=${result.ntp ? result.ntp.failure || `stratum ${result.ntp.stratum}` : "-"}`);
    if (!values.quiet) lines.push(JSON.stringify(AddressResult.toJSON(result)));
    if (lines.length >= 100) process.stdout.write(`${lines.splice(0).join("\n")}\n`);
  }
}
// Workers start spread over the ramp, so the first round does not arrive as one burst of SYNs
// that overflows the servers' accept queues (a lab artefact, not a measurement).
const workers = Math.min(concurrency, targets.length);
const rampMs = Number(values["ramp-ms"] ?? 0);
await Promise.all(
  Array.from({ length: workers }, (_, i) =>
    new Promise((resolve) => setTimeout(resolve, (rampMs * i) / workers)).then(worker),
  ),
);
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
/** CPU time of every thread (main and SMTP threads) since start, user and system. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
const counts = prober.echoCounts();
prober.close();
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(
  `${JSON.stringify({ totals: { addresses: probed, seconds, echo: counts, tally, peakRssBytes: peakRss, maxRssKb: process.resourceUsage().maxRSS, cpuSeconds: cpuSeconds() } })}\n`,
);
