// The NATS mode's crawl for the whole-crawl benchmark (crawl.ts --mode nats), run by it inside the
// lab's vantage namespace: nats-server, a ClickHouse HTTP endpoint on chDB over the bench's data
// folder (as the distributed tests store), then the aggregator, geo, the api and the given number
// of resolvers and probers, each `ipv6matrix serve <role>` as a process of its own. Submits the
// domains once every service serves, waits for the crawl to complete, stops everything cleanly
// (the data folder is then the embedded store's, for crawl.ts's checks) and writes one JSON:
// seconds from submit to completed, the crawl id, and the peak RSS and CPU of every process.
// Every 5 s it logs the consumers' backlog, in flight and redelivered counts to stderr, and each
// prober's web actor (handlers running, handled, failed); a service that exits fails the run, and
// so do 15 minutes without progress (nothing delivered anew, acknowledged, inserted or handled),
// with every consumer's state, nats-server's slow consumers and log, each service's tail, and what
// each service's Node.js report says it holds open (or that its event loop is blocked).
// Not a test and not on its own: crawl.ts holds the lab lock and reads the result.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { migrate } from "../../services/runtime/migrate.js";
import { routesOf } from "../../services/runtime/nats-streams.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
import { pipelineTopology } from "../../services/runtime/topology.js";
import { runCommand } from "../support/command.js";
import { type NatsServer, startNatsServer } from "../support/nats-server.js";
import { nodeReport, reportOptions } from "../support/node-report.js";
import { ServiceProcess } from "../support/service-process.js";
import { type ProcessFigures, sampleProcesses } from "./crawl-sampler.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/ipv6matrix.mjs");
const { values } = parseArgs({
  options: {
    domains: { type: "string" },
    "data-dir": { type: "string" },
    config: { type: "string" },
    instances: { type: "string", default: "resolver=1,prober=1" },
    result: { type: "string" },
  },
});
for (const name of ["domains", "data-dir", "config", "result"] as const)
  if (!values[name]) throw new Error(`crawl-nats.ts: --${name} is required`);

/** `resolver=2,prober=2` -> how many processes of each role; the others run once. */
function parseInstances(text: string): Record<string, number> {
  const counts: Record<string, number> = { aggregator: 1, geo: 1, api: 1, resolver: 1, prober: 1 };
  for (const part of text.split(",").filter(Boolean)) {
    const m = /^(resolver|prober|geo)=(\d+)$/.exec(part.trim());
    if (!m || Number(m[2]) < 1)
      throw new Error(`--instances: role=N for resolver, prober or geo (N >= 1), not '${part}'`);
    counts[m[1]!] = Number(m[2]);
  }
  return counts;
}
const counts = parseInstances(values.instances!);
/** No change in the watch's figures for this long: stuck, not slow (a web task is let go after 8 min in progress, back 2 min later). */
const STALL_MS = 15 * 60_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const note = (text: string) => process.stderr.write(`crawl-nats: ${text}\n`);

/** The ClickHouse endpoint over the bench's own data folder, kept after it stops. */
async function startEndpoint(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "test/support/clickhouse-http-server.ts"), dataDir],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port) return { url: `http://default:@127.0.0.1:${port}/default`, child };
  }
  throw new Error("the ClickHouse endpoint exited before it listened");
}

/** Descendants of this process by pid, named by what they run (resolver-1, nats-server, ...). */
function descendants(names: Map<number, string>): Record<string, number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone in between
    }
  }
  const found: Record<string, number> = {};
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent)
      if (mine.has(ppid) && !mine.has(pid)) {
        mine.add(pid);
        grew = true;
      }
  }
  for (const pid of mine) {
    if (pid === process.pid) continue;
    let name = names.get(pid);
    if (!name) {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const serve = cmd.indexOf("serve");
      const what =
        serve >= 0
          ? cmd[serve + 1]!
          : cmd.some((a) => a.endsWith("nats-server"))
            ? "nats-server"
            : cmd.some((a) => a.includes("clickhouse-http-server"))
              ? "clickhouse endpoint"
              : undefined;
      if (!what) continue;
      const same = [...names.values()].filter((n) => n === what || n.startsWith(`${what}-`)).length;
      name = counts[what] && counts[what] > 1 ? `${what}-${same + 1}` : what;
      names.set(pid, name);
    }
    found[name] = pid;
  }
  return found;
}

const dataDir = values["data-dir"]!;
const names = new Map<number, string>();
const sampler = sampleProcesses(() => descendants(names), 500);
let nats: NatsServer | undefined;
let endpoint: { url: string; child: ChildProcess } | undefined;
const services: ServiceProcess[] = [];
try {
  [nats, endpoint] = await Promise.all([startNatsServer(), startEndpoint(dataDir)]);
  const store = await openClickHouseStore(endpoint.url);
  await migrate(store);
  // Where the services write a Node.js report when the stall report asks (SIGUSR2).
  const reports = join(dataDir, "..", "reports");
  mkdirSync(reports, { recursive: true });
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} ${reportOptions(reports)}`.trim(),
    IPV6MATRIX_CONFIG: values.config!,
    IPV6MATRIX_NATS_SERVERS: nats.url,
    IPV6MATRIX_STORE_URL: endpoint.url,
    IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
    // ServiceProcess turns the dns6 walk off for tests in the root namespace; this crawl is in the
    // lab's vantage and walks from the lab's root (the config's resolver.root_hints).
    IPV6MATRIX_METRICS_DNS6: "true",
    // On, as in embedded mode. It was off while a 20,000-domain run stalled with it: a pull of
    // 10,000 results went past what nats-server queues for a connection, which dropped them as a
    // slow consumer's, again at every redelivery (nats-consumer.ts now pulls 1,000 at most).
    IPV6MATRIX_METRICS_WEB6: "true",
  };
  for (const role of ["aggregator", "geo", "api", "resolver", "prober"])
    for (let i = 0; i < counts[role]!; i++)
      services.push(
        await ServiceProcess.start(role, `${role}-${i + 1}`, {
          ...env,
          IPV6MATRIX_STORE_DATA_DIR: join(dataDir, `..`, `serve-${role}-${i + 1}`),
        }),
      );
  for (const service of services)
    for (let i = 0; (await service.metrics()) === undefined; i++) {
      if (!service.running || i > 240) throw new Error(`${service.name} did not start\n${service.tail()}`);
      await sleep(250);
    }
  const api = services.find((s) => s.role === "api")!;

  // The consumers' state, to see what holds the crawl up (backlog, in flight, redeliveries).
  const nc = await connect({ servers: nats.url, name: "bench-watch" });
  const jsm = await jetstreamManager(nc);
  const routes = [...routesOf(pipelineTopology, "").values()];
  /** Progress only: messages newly delivered or acknowledged, inserts, web tasks handled (not redeliveries). */
  let progress = "";
  const watch = async () => {
    const parts: string[] = [];
    const moved: (number | string)[] = [];
    for (const route of routes)
      for (const group of route.groups) {
        const info = await jsm.consumers.info(route.stream, group).catch(() => undefined);
        if (info) moved.push(info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending);
        if (info && (info.num_pending || info.num_ack_pending || info.num_redelivered))
          parts.push(
            `${route.stream}/${group} pending ${info.num_pending} acking ${info.num_ack_pending} redelivered ${info.num_redelivered}`,
          );
      }
    // The aggregator's inserts so far: how many, and the seconds they took together.
    const text = (await services.find((s) => s.role === "aggregator")!.metrics()) ?? "";
    let inserts = 0;
    let insertSeconds = 0;
    for (const m of text.matchAll(/^ipv6matrix_store_insert_seconds_(count|sum)\{[^}]*\} (\S+)$/gm))
      if (m[1] === "count") inserts += Number(m[2]);
      else insertSeconds += Number(m[2]);
    parts.push(`inserts ${inserts} taking ${insertSeconds.toFixed(1)} s`);
    moved.push(inserts);
    // Each prober's web actor: handlers running, handled and failed so far.
    for (const prober of services.filter((s) => s.role === "prober")) {
      const figures = ((await prober.metrics()) ?? "").matchAll(
        /^ipv6matrix_actor_(in_flight|handled_total|failed_total|dead_letters_total)\{actor="prober\.web"[^}]*\} (\S+)$/gm,
      );
      const web = [...figures].map((m) => `${m[1]} ${m[2]}`).join(" ");
      parts.push(`${prober.name} web ${web}`);
      moved.push(/handled_total (\S+)/.exec(web)?.[1] ?? "");
    }
    progress = moved.join(",");
    return parts.join("; ");
  };

  /** Where every consumer stands (waiting pulls, last delivered and acknowledged) and each service's last words. */
  const stallReport = async () => {
    const lines: string[] = [];
    for (const route of routes)
      for (const group of route.groups) {
        const info = await jsm.consumers.info(route.stream, group).catch(() => undefined);
        if (info)
          lines.push(
            `${route.stream}/${group}: pending ${info.num_pending} acking ${info.num_ack_pending} redelivered ${info.num_redelivered} waiting pulls ${info.num_waiting} delivered ${info.delivered.stream_seq} acknowledged to ${info.ack_floor.stream_seq}`,
          );
      }
    // A server that no longer answers must not hide the stall behind its own fetch error.
    const varz = (await fetch(`${nats!.monitor}/varz`)
      .then((response) => response.json())
      .catch(() => ({}))) as { slow_consumers?: number };
    lines.push(`nats-server: slow consumers ${varz.slow_consumers ?? "?"}; its log: ${nats!.tail()}`);
    for (const [pid, name] of names)
      if (name !== "nats-server" && name !== "clickhouse endpoint")
        lines.push(`${name} ${await nodeReport(pid, reports)}`);
    return [...lines, ...services.map((s) => s.tail())].join("\n");
  };

  const started = Date.now();
  const submitted = await runCommand(process.execPath, [bin, "submit", "--api", api.grpc, values.domains!], {
    cwd: root,
    env,
  });
  if (submitted.code !== 0) throw new Error(`submit: ${submitted.stderr}`);
  const crawlId = submitted.stdout.trim();
  let last = 0;
  let lastState = "";
  let changed = Date.now();
  for (;;) {
    const [row] = await store.query<{ state: string }>(
      "SELECT state FROM crawls FINAL WHERE crawl_id = {c:String}",
      { c: crawlId },
    );
    if (row?.state === "completed") break;
    if (row?.state === "failed" || row?.state === "cancelled")
      throw new Error(`crawl ${crawlId} ${row.state}\n${services.map((s) => s.tail()).join("\n")}`);
    // A service that exited leaves its work to the others or to nobody: say so, rather than wait.
    const gone = services.filter((s) => !s.running);
    if (gone.length > 0)
      throw new Error(
        `${gone.map((s) => s.name).join(", ")} exited during crawl ${crawlId}\n${gone.map((s) => s.tail()).join("\n")}`,
      );
    if (Date.now() - last >= 5000) {
      last = Date.now();
      note(`${((last - started) / 1000).toFixed(0)} s: ${await watch()}`);
      if (progress !== lastState) [lastState, changed] = [progress, last];
      // Nothing delivered anew, acknowledged, inserted or handled for longer than a held message
      // can take to come back (in progress up to four ack_waits, then one more): the crawl is
      // stuck. Redeliveries are no progress: a stuck consumer's messages go round and round.
      else if (last - changed > STALL_MS) throw new Error(`crawl ${crawlId} stalled: ${await stallReport()}`);
    }
    await sleep(500);
  }
  const seconds = (Date.now() - started) / 1000;
  note(`completed in ${seconds.toFixed(1)} s; ${await watch()}`);
  // Which process is which, for the profiles crawl.ts --profile asks of every one (named by pid).
  note(`pids ${JSON.stringify(Object.fromEntries([...names].map(([pid, name]) => [name, pid])))}`);
  const [done] = await store.query<{ n: string }>(
    "SELECT uniqExact(domain) AS n FROM jobs WHERE crawl_id = {c:String}",
    { c: crawlId },
  );
  await nc.close();
  await store.close();
  await Promise.all(services.map((s) => s.stop()));
  const processes: Record<string, ProcessFigures> = sampler.stop();
  writeFileSync(
    values.result!,
    JSON.stringify({ crawlId, seconds, startedAt: started, domainsDone: Number(done?.n ?? -1), processes }),
  );
} finally {
  sampler.stop();
  await Promise.all(services.map((s) => s.stop()));
  if (endpoint) {
    const exited = new Promise((done) => endpoint!.child.once("exit", done));
    endpoint.child.kill("SIGTERM");
    await exited;
  }
  await nats?.stop();
}
