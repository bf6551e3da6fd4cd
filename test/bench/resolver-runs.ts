// The three runs of `npm run bench:resolver` (resolver.ts), each in a process of its own: the DNS
// client alone, a whole crawl through the resolver's actors on the in-process transport, and
// massdns over the same names; each returns its figures and its counts beside the rule's totals.
// Nothing here starts the DNS server or reads the command line.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import { CrawlResult, DomainTask } from "../../gen/ipv6matrix/v1/work.js";
import { crawlOptionsFrom } from "../../services/api/crawl-options.js";
import { resolverActors } from "../../services/resolver/actors.js";
import { DnsClient } from "../../services/resolver/dns-client.js";
import type { DnsAsker } from "../../services/resolver/dns-thread.js";
import { startActor } from "../../services/runtime/actor.js";
import { loadConfig } from "../../services/runtime/config.js";
import { Subjects } from "../../services/runtime/topology.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";
import { domainName, type totals, type World } from "../lab/scale/rule.js";

/** What every run is asked: the domains d0..d<count-1> of `world`, and how hard to push. */
export interface ResolverBench {
  readonly count: number;
  readonly inFlight: number;
  readonly world: World;
  /** The rule's totals for `world` (test/lab/scale/rule.ts), which each run's counts must match. */
  readonly expected: ReturnType<typeof totals>;
  /** domains,hosts,addresses actor concurrency of the crawl run; unset: config/default.yaml's. */
  readonly concurrency?: string;
  /** Configuration of the crawl run, as `ipv6matrix --set`. */
  readonly set: readonly string[];
  /** Keep the in-process transport's default de-duplication window in the crawl run. */
  readonly transportDedup: boolean;
}

type Server = { host: string; port: number };

export interface Figures {
  run: string;
  questions: number;
  seconds: number;
  qps: number;
  peakInFlight: number;
  peakRssMb: number;
  /** Queries that timed out and were asked again (loss on loopback under load); the checks show none was lost. */
  timeouts: number;
  /** CPU per question, in µs: the whole process (every thread), and the main thread alone. */
  cpuUs?: { process: number; main: number };
  checks: Record<string, [number, number]>;
}

/** Peak in-flight and the questions-per-second series, sampled while a run goes. */
function sampler(read: () => { questions: number; inFlight: number }) {
  let peak = 0;
  let best = 0;
  let last = read().questions;
  const timer = setInterval(() => {
    const now = read();
    peak = Math.max(peak, now.inFlight);
    best = Math.max(best, now.questions - last);
    last = now.questions;
  }, 1000);
  const fast = setInterval(() => {
    peak = Math.max(peak, read().inFlight);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      clearInterval(fast);
      return { peakInFlight: peak, bestSecond: best };
    },
  };
}

/** What a run through the resolver's DNS client measured, read from the client when it ends. */
function clientFigures(run: string, dns: DnsAsker, seconds: number, peakInFlight: number) {
  return {
    run,
    questions: dns.stats.questions,
    seconds,
    qps: dns.stats.questions / seconds,
    peakInFlight,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    timeouts: dns.stats.timeouts,
  };
}

/** A and AAAA of www.d<N> for every N, with the in-flight cap as the only bound. */
export async function runClient(bench: ResolverBench, server: Server): Promise<Figures> {
  const { count, inFlight, world, expected } = bench;
  const dns = new DnsClient({ servers: [server], timeoutMs: 2000, retries: 2, maxInFlight: inFlight });
  const got = { a: 0, aaaa: 0, failed: 0 };
  const watch = sampler(() => ({ questions: dns.stats.questions, inFlight: dns.inFlight }));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const name = `www.${domainName(world, next++)}`;
      const [a, aaaa] = await Promise.all([dns.query(name, "A"), dns.query(name, "AAAA")]);
      if (a.outcome === "OK") got.a++;
      if (aaaa.outcome === "OK") got.aaaa++;
      if (a.outcome === "TIMEOUT" || aaaa.outcome === "TIMEOUT") got.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.ceil(inFlight / 2) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const peaks = watch.stop();
  dns.close();
  return {
    ...clientFigures("client", dns, seconds, peaks.peakInFlight),
    checks: {
      "www A": [got.a, expected.wwwA],
      "www AAAA": [got.aaaa, expected.wwwAAAA],
      "timed out for good": [got.failed, 0],
    },
  };
}

/** CPU time of this process's main thread (its task's utime + stime), in ms; 10 ms resolution. */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of proc(5), counted after the command name: utime, stime in clock ticks (100 Hz).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A whole crawl through the resolver's actors; crawl.results are counted, not stored. */
export async function runCrawl(bench: ResolverBench, server: Server): Promise<Figures> {
  const { count, inFlight, world, expected } = bench;
  const config = loadConfig({
    env: {},
    sets: [
      `resolver.nameservers=${server.host}:${server.port}`,
      `resolver.max_in_flight=${inFlight}`,
      "resolver.timeout=2",
      "resolver.retries=2",
      ...bench.set,
      ...(bench.concurrency
        ? bench.concurrency
            .split(",")
            .map((c, i) => `concurrency.${["domains", "hosts", "addresses"][i]}=${c}`)
        : []),
    ],
  });
  const options = { ...crawlOptionsFrom(config, "2026-01-01"), metrics: ["soa", "reverse", "ip6Type"] };
  const topology = {
    [Subjects.domains]: ["resolver"],
    [Subjects.hosts]: ["resolver"],
    [Subjects.ips]: ["resolver", "sink"],
    [Subjects.reverse]: ["resolver"],
    [Subjects.results]: ["sink"],
    [Subjects.deadLetters]: ["sink"],
  };
  // The transport's de-duplication window is kept to one key: evicting the oldest
  // of 200,000 keys costs it ~25 us a publish (Set iteration over deleted
  // entries), which would measure the transport, not the resolver. The
  // resolver's own registries keep every host, address and PTR to once per
  // crawl; the counts below would show a duplicate.
  const transport = new InProcessTransport({
    topology,
    capacity: 10_000,
    dedupKeys: bench.transportDedup ? 200_000 : 1,
  });
  const resolver = resolverActors(config, () => []);
  const running = await Promise.all(resolver.actors.map((actor) => startActor(transport, actor)));
  const seen = { domains: 0, hosts: 0, reverse: 0, ptr: 0, ips: 0, dead: 0, mx: 0, nsInHouse: 0, wwwAAAA: 0 };
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const sink = { group: "sink", maxInFlight: 10_000 };
  await transport.consume(Subjects.results, sink, (delivery) => {
    const result = CrawlResult.decode(delivery.data).result;
    if (result?.$case === "domain") {
      seen.domains++;
      for (const job of result.value.jobs) if (job.type === 2 && job.host !== "") seen.mx++;
      if (result.value.soa?.primaryInHouse) seen.nsInHouse++;
    } else if (result?.$case === "host") {
      seen.hosts++;
      if (
        /^www\.d\d+\./.test(result.value.host) &&
        result.value.addresses.some((a) => a.family === Family.FAMILY_IPV6)
      )
        seen.wwwAAAA++;
    } else if (result?.$case === "reverse") {
      seen.reverse++;
      if (result.value.name !== "") seen.ptr++;
    }
    delivery.ack();
    if (
      seen.domains === count &&
      seen.hosts === resolver.context.hostsSent.size("bench") &&
      seen.reverse === seen.ips
    )
      finished();
  });
  await transport.consume(Subjects.ips, sink, (delivery) => {
    seen.ips++;
    delivery.ack();
  });
  await transport.consume(Subjects.deadLetters, sink, (delivery) => {
    seen.dead++;
    delivery.ack();
  });
  const dns = resolver.context.client(options);
  const watch = sampler(() => ({ questions: dns.stats.questions, inFlight: dns.inFlight }));
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  for (let n = 0; n < count; n++) {
    const task = DomainTask.encode({
      crawlId: "bench",
      domain: domainName(world, n),
      line: n + 1,
      options,
    }).finish();
    await transport.publish(Subjects.domains, task, `bench:${n}`);
  }
  // A stalled crawl fails the bench instead of hanging it.
  let lastSeen = "";
  const watchdog = setInterval(() => {
    const now = JSON.stringify(seen);
    if (now === lastSeen) {
      process.stderr.write(
        `crawl stalled: ${now}, hosts sent ${resolver.context.hostsSent.size("bench")}, ` +
          `DNS ${JSON.stringify(dns.stats)}, in flight ${dns.inFlight}, waiting ${(dns as unknown as { waiting?: Map<number, unknown> }).waiting?.size}\n`,
      );
      process.exit(1);
    }
    lastSeen = now;
  }, 30_000);
  await done;
  clearInterval(watchdog);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainBusyMs = mainThreadCpuMs() - mainStart;
  const peaks = watch.stop();
  for (const actor of running) await actor.stop();
  resolver.close();
  await transport.close();
  // Distinct hosts: 7 prefixed names per domain (5 WWW, 2 NTP), 2 NS per in-house domain, the
  // MX host where there is one, and the 200 shared provider name servers.
  const hosts = count * 7 + expected.nsInHouse * 2 + expected.mx + expected.providers * 2;
  return {
    ...clientFigures("crawl", dns, seconds, peaks.peakInFlight),
    cpuUs: {
      process: (cpu.user + cpu.system) / dns.stats.questions,
      main: (mainBusyMs * 1000) / dns.stats.questions,
    },
    checks: {
      domains: [seen.domains, count],
      hosts: [seen.hosts, hosts],
      "MX rows": [seen.mx, expected.mx],
      "NS in-house": [seen.nsInHouse, expected.nsInHouse],
      "www with AAAA": [seen.wwwAAAA, expected.wwwAAAA],
      "PTR asked = addresses": [seen.reverse, seen.ips],
      "dead letters": [seen.dead, 0],
    },
  };
}

/** massdns over the same names and types; its JSON lines are counted. */
export function runMassdns(bench: ResolverBench, server: Server, binary: string): Figures {
  const { count, inFlight, world, expected } = bench;
  const dir = mkdtempSync(join(tmpdir(), "v6m-bench-"));
  try {
    const names = Array.from({ length: count }, (_, n) => `www.${domainName(world, n)}`).join("\n");
    writeFileSync(join(dir, "names.txt"), `${names}\n`);
    writeFileSync(join(dir, "resolvers.txt"), `${server.host}:${server.port}\n`);
    const args = ["-r", join(dir, "resolvers.txt"), "-t", "A", "-t", "AAAA", "-s", String(inFlight)];
    args.push(
      "-o",
      "J",
      "-w",
      join(dir, "out.json"),
      "--status-format",
      "json",
      "-q",
      join(dir, "names.txt"),
    );
    const started = performance.now();
    const out = spawnSync("/usr/bin/time", ["-f", "%M", binary, ...args], { encoding: "utf8" });
    const seconds = (performance.now() - started) / 1000;
    if (out.status !== 0) throw new Error(`massdns failed: ${out.stderr}`);
    const lines = readFileSync(join(dir, "out.json"), "utf8").trim().split("\n");
    let a = 0;
    let aaaa = 0;
    for (const line of lines) {
      const reply = JSON.parse(line) as { type: string; data?: { answers?: { type: string }[] } };
      const answers = reply.data?.answers ?? [];
      if (reply.type === "A" && answers.some((r) => r.type === "A")) a++;
      if (reply.type === "AAAA" && answers.some((r) => r.type === "AAAA")) aaaa++;
    }
    const maxRssKb = Number(out.stderr.trim().split("\n").at(-1));
    return {
      run: "massdns",
      questions: lines.length,
      seconds,
      qps: (2 * count) / seconds,
      peakInFlight: inFlight,
      peakRssMb: maxRssKb / 1024,
      timeouts: 0,
      checks: {
        "www A": [a, expected.wwwA],
        "www AAAA": [aaaa, expected.wwwAAAA],
        answered: [lines.length, 2 * count],
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
