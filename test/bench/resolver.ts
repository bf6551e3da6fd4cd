// `npm run bench:resolver`: the resolver against the lab's synthetic
// authoritative server (test/lab/scale/dns-server.ts) on loopback. Three runs,
// each in its own child process so that its peak memory is its own:
//   client  - the DNS client alone: A and AAAA of www.d<N>.<tld> for every N;
//   crawl   - the resolver's actors on the in-process transport, a whole crawl of
//             d0..d<count-1> (NS, SOA, MX, WWW, NTP, hosts, PTR), results counted;
//   massdns - the same names as `client`, by massdns (--massdns PATH or $MASSDNS).
// Checks every run's counts against test/lab/scale/rule.ts totals. Loopback only.
// Options: --count 100000 --in-flight 256 --concurrency 64,256,128 (domains,hosts,addresses actors)
//          --heap-mb N --server-workers 1 --runs client,crawl,massdns --massdns PATH --transport-dedup
//          --profile DIR --set resolver.dns_thread=false (configuration of the crawl run)

import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import { CrawlResult, DomainTask } from "../../gen/ipv6matrix/v1/work.js";
import { crawlOptionsFrom } from "../../services/api/crawl-options.js";
import { resolverActors } from "../../services/resolver/actors.js";
import { DnsClient } from "../../services/resolver/dns-client.js";
import { startActor } from "../../services/runtime/actor.js";
import { loadConfig } from "../../services/runtime/config.js";
import { Subjects } from "../../services/runtime/topology.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";
import { DEFAULT_TLDS, domainName, totals, type World } from "../lab/scale/rule.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "100000" },
    // Loopback answers in microseconds: 256 in flight already saturate the server, and more
    // overflow its socket's default 208 KB receive buffer in bursts (drops, then timeouts).
    "in-flight": { type: "string", default: "256" },
    // V8 old-space limit of the resolver's process in MB (--max-old-space-size); default: V8's.
    "heap-mb": { type: "string" },
    "server-workers": { type: "string", default: "1" },
    runs: { type: "string", default: "client,crawl,massdns" },
    // domains,hosts,addresses actor concurrency; default: config/default.yaml's.
    concurrency: { type: "string", default: "64,256,128" },
    // Keep the in-process transport's default de-duplication window (200,000 keys).
    "transport-dedup": { type: "boolean", default: false },
    massdns: { type: "string", default: process.env["MASSDNS"] ?? "/tmp/massdns/bin/massdns" },
    // Configuration for the crawl run, as `ipv6matrix --set` (e.g. resolver.dns_thread=false).
    set: { type: "string", multiple: true },
    // Writes each run's V8 CPU profile (.cpuprofile, for Chrome DevTools) into this folder.
    profile: { type: "string" },
    // Internal: a child runs one phase against a running server.
    phase: { type: "string" },
    server: { type: "string" },
  },
});
const count = Number(values.count);
const inFlight = Number(values["in-flight"]);
const world: World = { count, tlds: DEFAULT_TLDS };
const expected = totals(world);
const root = resolve(import.meta.dirname, "../..");

interface Figures {
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

function client(server: { host: string; port: number }, timeoutMs = 2000): DnsClient {
  return new DnsClient({ servers: [server], timeoutMs, retries: 2, maxInFlight: inFlight });
}

/** A and AAAA of www.d<N> for every N, with the in-flight cap as the only bound. */
async function runClient(server: { host: string; port: number }): Promise<Figures> {
  const dns = client(server);
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
    run: "client",
    questions: dns.stats.questions,
    seconds,
    qps: dns.stats.questions / seconds,
    peakInFlight: peaks.peakInFlight,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    timeouts: dns.stats.timeouts,
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
async function runCrawl(server: { host: string; port: number }): Promise<Figures> {
  const config = loadConfig({
    env: {},
    sets: [
      `resolver.nameservers=${server.host}:${server.port}`,
      `resolver.max_in_flight=${inFlight}`,
      "resolver.timeout=2",
      "resolver.retries=2",
      ...(values.set ?? []),
      ...(values.concurrency
        ? values.concurrency
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
    dedupKeys: values["transport-dedup"] ? 200_000 : 1,
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
    run: "crawl",
    questions: dns.stats.questions,
    seconds,
    qps: dns.stats.questions / seconds,
    peakInFlight: peaks.peakInFlight,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    timeouts: dns.stats.timeouts,
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
function runMassdns(server: { host: string; port: number }, binary: string): Figures {
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

function freeUdpPort(): Promise<number> {
  return new Promise((done) => {
    const socket = createSocket("udp4");
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => done(port));
    });
  });
}

async function startServer(port: number) {
  const dir = mkdtempSync(join(tmpdir(), "v6m-bench-dns-"));
  const ready = join(dir, "ready");
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "test/lab/scale/dns-server.ts"),
      "--address",
      "127.0.0.1",
      "--port",
      String(port),
    ].concat([
      "--count",
      String(count),
      "--workers",
      String(values["server-workers"]),
      "--ready-file",
      ready,
    ]),
    { stdio: ["ignore", "ignore", "inherit"], cwd: root },
  );
  for (let i = 0; i < 300 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(ready)) throw new Error("the synthetic DNS server did not start");
  return {
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function report(f: Figures): void {
  const bad = Object.entries(f.checks).filter(([, [got, want]]) => got !== want);
  process.stdout.write(
    `${f.run.padEnd(8)} ${f.questions} questions in ${f.seconds.toFixed(1)} s = ${Math.round(f.qps)} q/s; ` +
      `peak in flight ${f.peakInFlight}; peak RSS ${Math.round(f.peakRssMb)} MB; ${f.timeouts} queries retried; ` +
      (f.cpuUs
        ? `CPU ${f.cpuUs.process.toFixed(1)} µs/question (main thread ${f.cpuUs.main.toFixed(1)}); `
        : "") +
      (bad.length === 0
        ? "counts match the rule's totals\n"
        : `MISMATCH ${bad.map(([k, [g, w]]) => `${k} ${g} != ${w}`).join(", ")}\n`),
  );
}

if (values.phase) {
  const [host, port] = values.server!.split(":") as [string, string];
  const server = { host, port: Number(port) };
  const figures = values.phase === "client" ? await runClient(server) : await runCrawl(server);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
} else {
  const port = await freeUdpPort();
  const server = await startServer(port);
  let failed = false;
  try {
    process.stdout.write(
      `resolver bench: ${count} domains, in flight ${inFlight}, actors ${values.concurrency}, ` +
        `heap ${values["heap-mb"] ?? "V8 default"}, server 127.0.0.1:${port} (${values["server-workers"]} worker), ` +
        `${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}\n`,
    );
    for (const run of values.runs!.split(",")) {
      if (run === "massdns") {
        if (!existsSync(values.massdns!)) {
          process.stdout.write(`massdns  skipped: no binary at ${values.massdns} (--massdns PATH)\n`);
          continue;
        }
        const f = runMassdns({ host: "127.0.0.1", port }, values.massdns!);
        report(f);
        continue;
      }
      const heap = values["heap-mb"] ? [`--max-old-space-size=${values["heap-mb"]}`] : [];
      if (values.profile) heap.push("--cpu-prof", `--cpu-prof-dir=${resolve(values.profile)}`);
      const passed = [
        "--count",
        String(count),
        "--in-flight",
        String(inFlight),
        "--concurrency",
        values.concurrency!,
      ];
      if (values["transport-dedup"]) passed.push("--transport-dedup");
      for (const setting of values.set ?? []) passed.push("--set", setting);
      const child = spawnSync(
        process.execPath,
        [
          ...heap,
          "--import",
          "tsx",
          import.meta.filename,
          "--phase",
          run,
          "--server",
          `127.0.0.1:${port}`,
          ...passed,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], cwd: root },
      );
      if (child.status !== 0) throw new Error(`${run} run failed (exit ${child.status})`);
      const f = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Figures;
      report(f);
      if (Object.values(f.checks).some(([got, want]) => got !== want)) failed = true;
    }
  } finally {
    await server.stop();
  }
  process.exit(failed ? 1 : 0);
}
