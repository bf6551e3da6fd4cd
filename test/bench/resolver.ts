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
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TLDS, totals, type World } from "../lab/scale/rule.js";
import { type Figures, type ResolverBench, runClient, runCrawl, runMassdns } from "./resolver-runs.js";

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
const bench: ResolverBench = {
  count,
  inFlight,
  world,
  expected,
  concurrency: values.concurrency,
  set: values.set ?? [],
  transportDedup: values["transport-dedup"] ?? false,
};

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
  const figures = values.phase === "client" ? await runClient(bench, server) : await runCrawl(bench, server);
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
        const f = runMassdns(bench, { host: "127.0.0.1", port }, values.massdns!);
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
