// Run inside the fault lab's vantage namespace by fault-nats.test.ts (not on
// its own): nats-server, a ClickHouse endpoint (behind a gate that can make it
// unavailable), the api, two resolvers, two probers, geo and the aggregator,
// each a process of its own, crawl the scale lab's synthetic domains twice.
// The first crawl is left alone; during the second, at seeded random moments,
// resolvers and probers are killed with SIGKILL while they hold work and are
// started again, nats-server is killed and started again on its store, and
// the store is made unavailable for a while. Both crawls must complete with
// the same totals, no row twice, and what the lab's rule says they hold.
// V6M_FAULT_SEED replays a run's moments.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { migrate } from "../../services/runtime/migrate.js";
import { readProgress } from "../../services/runtime/progress.js";
import type { Store } from "../../services/runtime/store.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
import { pipelineTopology, Subjects } from "../../services/runtime/topology.js";
import { connectNats, type NatsTransport } from "../../services/runtime/transport-nats.js";
import { DEFAULT_TLDS, domainName } from "../lab/scale/rule.js";
import { type ClickHouseHttp, startClickHouseHttp } from "../support/clickhouse-http.js";
import { runCommand } from "../support/command.js";
import { type NatsServer, startNatsServer } from "../support/nats-server.js";
import { ServiceProcess } from "../support/service-process.js";
import { startTcpGate, type TcpGate } from "../support/tcp-gate.js";
import { expectedCrawl } from "./fault-nats-expected.js";
import { type CrawlTotals, checkExpected, crawlTotals, duplicatesIn } from "./fault-nats-totals.js";

const COUNT = Number(process.env.V6M_FAULT_DOMAINS ?? 10_000);
const SEED = Number(process.env.V6M_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** How long the store stays unavailable. A minute in the issue; 20 s here to keep the test within its budget. */
const STORE_OUTAGE_MS = Number(process.env.V6M_FAULT_STORE_OUTAGE_MS ?? 20_000);
/**
 * How long a crawl may show no progress at all (no stage count and no queue moves) before the test
 * gives up. No deadline on the whole: a busy machine only makes the crawl slower (issue 17 saw
 * stretches of 20 to 40 s without progress); a crawl that stops moving fails.
 */
const STALL_MS = Number(process.env.V6M_FAULT_STALL_MS ?? 120_000);
const WWW_PREFIXES = ["www"];
const NTP_PREFIXES: string[] = []; // NTP is off: see the configuration below
const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

// What the crawl asks and how hard: NS, MX and www hosts, one echo per address, a short
// traceroute, TCP 80 and 443 (SMTP and TLS, the lab listener's dearest work, are off), so that two
// crawls of 10k domains fit in a few minutes on two cores; the prober's ranges are the lab's only.
const config = `
features:
  NTP: false
resolver:
  nameservers: ["192.0.2.129"]
  timeout: 1
  retries: 3
  max_in_flight: 256
WWW:
  prefixes: [${WWW_PREFIXES.join(", ")}]
metrics:
  tcp25: false
  tls: false
ping:
  count: 1
  timeout: 2
tcp:
  # A SYN lost to the lab listener's full accept queue is sent again after 1 s, then 3 s.
  timeout: 5
  smtpTimeout: 5
trace:
  max_ttl: 3
  timeout: 1
prober:
  allow_ranges: [198.18.0.0/15, "2001:db8:5ca0::/44"]
  pps: 20000
concurrency:
  domains: 64
  hosts: 256
  addresses: 128
`;

/** mulberry32: a small seeded generator, so a failing run's moments can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const note = (text: string) => process.stdout.write(`# ${text}\n`);

/** Fails, through `fail`, when the state it is given has not changed for STALL_MS. */
function stallWatch(fail: (message: string) => never): (what: string, state: string) => void {
  let last: string | undefined;
  let since = Date.now();
  return (what, state) => {
    if (state !== last) {
      last = state;
      since = Date.now();
    } else if (Date.now() - since > STALL_MS) {
      fail(`${what}: no progress for ${STALL_MS / 1000} s, still at ${state}`);
    }
  };
}

describe(`crawls of ${COUNT} synthetic domains, undisturbed and under faults (seed ${SEED})`, () => {
  let nats: NatsServer;
  let clickhouse: ClickHouseHttp;
  let gate: TcpGate;
  let store: Store;
  let bus: NatsTransport;
  let dir: string;
  const services: ServiceProcess[] = [];
  const crawls: { id: string; ms: number; totals: CrawlTotals; reverseAtCompletion: number }[] = [];
  const expected = expectedCrawl(COUNT, { www: WWW_PREFIXES, ntp: NTP_PREFIXES });
  const logs = () => services.map((s) => s.tail()).join("\n");

  before(async () => {
    note(`seed ${SEED} (V6M_FAULT_SEED=${SEED} replays it)`);
    [nats, clickhouse] = await Promise.all([startNatsServer(), startClickHouseHttp()]);
    const endpoint = new URL(clickhouse.url);
    gate = await startTcpGate({ host: endpoint.hostname, port: Number(endpoint.port) });
    const gated = new URL(clickhouse.url);
    gated.port = String(gate.port);
    dir = mkdtempSync(join(tmpdir(), "v6m-fault-"));
    writeFileSync(join(dir, "config.yaml"), config);
    const names: string[] = [];
    for (let n = 0; n < COUNT; n++) names.push(domainName({ count: COUNT, tlds: DEFAULT_TLDS }, n));
    writeFileSync(join(dir, "domains.txt"), `${names.join("\n")}\n`);
    store = await openClickHouseStore(clickhouse.url);
    await migrate(store);
    bus = await connectNats({ servers: [nats.url], topology: pipelineTopology, name: "fault-test" });
    const env = {
      ...process.env,
      IPV6MATRIX_CONFIG: join(dir, "config.yaml"),
      IPV6MATRIX_NATS_SERVERS: nats.url,
      IPV6MATRIX_STORE_URL: gated.toString(),
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
    };
    const roles = ["aggregator", "geo", "prober", "prober", "resolver", "resolver", "api"];
    for (const [i, role] of roles.entries())
      services.push(
        await ServiceProcess.start(role, `${role}-${i}`, {
          ...env,
          IPV6MATRIX_STORE_DATA_DIR: join(dir, `${role}-${i}`),
        }),
      );
    // Every service serves /metrics once its actors run: start the clock on a ready pipeline.
    for (const service of services) {
      for (let i = 0; (await service.metrics()) === undefined; i++) {
        if (!service.running || i > 240) assert.fail(`${service.name} did not start\n${service.tail()}`);
        await sleep(500);
      }
    }
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await bus?.close();
    await store?.close();
    await gate?.close();
    // Under a heavy load the endpoint may take more than the fixture's 5 s to finish what the
    // stopped services left queued, and is killed: nothing of the test depends on that.
    await clickhouse
      ?.stop()
      .catch((error: Error) => note(`clickhouse endpoint: ${error.message.slice(0, 200)}`));
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = () => services.find((s) => s.role === "api")!;
  const of = (role: string) => services.filter((s) => s.role === role);

  async function submit(): Promise<string> {
    const args = [bin, "submit", "--api", api().grpc, join(dir, "domains.txt")];
    for (let i = 0; ; i++) {
      const submitted = await runCommand(process.execPath, args, { cwd: repo });
      if (submitted.code === 0) return submitted.stdout.trim();
      // The api may still be starting.
      if (i >= 120 || !/UNAVAILABLE|No connection/.test(submitted.stderr))
        assert.fail(`submit: ${submitted.stderr}\n${logs()}`);
      await sleep(500);
    }
  }

  async function state(crawlId: string): Promise<string> {
    const rows = await store.query<{ state: string }>(
      "SELECT state FROM crawls FINAL WHERE crawl_id = {crawl:String}",
      { crawl: crawlId },
    );
    return rows[0]?.state ?? "";
  }

  async function reverseRows(crawlId: string): Promise<number> {
    const [row] = await store.query<{ n: string }>(
      "SELECT count() AS n FROM reverse FINAL WHERE crawl_id = {crawl:String}",
      { crawl: crawlId },
    );
    return Number(row?.n);
  }

  /** What the crawl has done and what waits on the bus: progress is any change in it. */
  async function snapshot(crawlId: string): Promise<string> {
    // Every stage the api waits for before it calls the crawl completed, the web stage too (metrics.web6
    // is on here): without it a crawl held up by its WWW hosts' parity fetches looked like one where
    // nothing moved, with every stage shown done (issue 17: "150 hosts short" once in CI).
    const stages = await readProgress(store, crawlId, COUNT, {
      prober: true,
      geo: true,
      reverse: true,
      web: true,
    });
    const shown = stages.map((s) => `${s.stage} ${s.done}+${s.failed}/${s.total}`).join(", ");
    const queued: string[] = [];
    for (const subject of Object.values(Subjects))
      queued.push(`${subject.replace("crawl.", "")} ${await bus.pending(subject).catch(() => "?")}`);
    return `${shown}; queued ${queued.join(", ")}`;
  }

  /**
   * Waits for the crawl to complete, then for every subject to be empty (work the crawl does not
   * wait for), failing only when either stops moving for STALL_MS.
   */
  async function finish(crawlId: string, started: number): Promise<void> {
    const stalled = stallWatch((message) => assert.fail(`crawl ${crawlId}: ${message}\n${logs()}`));
    for (let tick = 0; ; tick++) {
      if (tick % 5 === 0) {
        const now = await snapshot(crawlId);
        if (tick % 15 === 0) note(`${((Date.now() - started) / 1000).toFixed(0)} s: ${now}`);
        stalled("running", now);
      }
      const now = await state(crawlId);
      if (now === "completed") break;
      if (now === "failed" || now === "cancelled") assert.fail(`crawl ${crawlId} ${now}\n${logs()}`);
      await sleep(1000);
    }
    const ms = Date.now() - started;
    const reverseAtCompletion = await reverseRows(crawlId);
    for (let quiet = 0; quiet < 2; ) {
      let pending = 0;
      for (const subject of Object.values(Subjects)) pending += await bus.pending(subject);
      quiet = pending === 0 ? quiet + 1 : 0;
      stalled("settling", `${pending} messages pending`);
      await sleep(1000);
    }
    crawls.push({ id: crawlId, ms, totals: await crawlTotals(store, crawlId), reverseAtCompletion });
    note(`crawl ${crawlId} completed in ${ms} ms, with ${reverseAtCompletion} PTR rows in at that moment`);
    // Completion waits for every address's PTR (the crawl asks them), so none arrives after it.
    assert.equal(
      await reverseRows(crawlId),
      reverseAtCompletion,
      "PTR rows arrived after the crawl completed",
    );
  }

  it("an undisturbed crawl completes", async () => {
    const started = Date.now();
    const crawlId = await submit();
    await finish(crawlId, started);
  });

  it("a crawl under faults completes", async () => {
    const rand = random(SEED);
    const between = (low: number, high: number) => low + rand() * (high - low);
    // Every moment and victim is drawn here, before anything runs, so that a seed always gives the
    // same schedule. A moment is a share of the domains done (not a time: the machine's speed varies).
    const plan = [
      { kind: "resolver", at: between(0.05, 0.35), down: between(200, 3000), index: Math.floor(rand() * 2) },
      { kind: "resolver", at: between(0.35, 0.7), down: between(200, 3000), index: Math.floor(rand() * 2) },
      { kind: "prober", at: between(0.1, 0.45), down: between(200, 3000), index: Math.floor(rand() * 2) },
      { kind: "prober", at: between(0.45, 0.8), down: between(200, 3000), index: Math.floor(rand() * 2) },
      { kind: "nats-server", at: between(0.2, 0.7), down: between(200, 3000), index: 0 },
      { kind: "store", at: between(0.1, 0.6), down: STORE_OUTAGE_MS, index: 0 },
    ] as const;
    const started = Date.now();
    const crawlId = await submit();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    let done = 0;
    const progress = async () => {
      const [row] = await store.query<{ n: string }>(
        "SELECT uniqExact(domain) AS n FROM jobs WHERE crawl_id = {crawl:String}",
        { crawl: crawlId },
      );
      done = Number(row?.n) / COUNT;
      return done;
    };
    const reach = async (share: number) => {
      const stalled = stallWatch((message) => assert.fail(`crawl ${crawlId}: ${message}\n${logs()}`));
      while ((await progress()) < share) {
        stalled(`waiting for ${(share * 100).toFixed(0)} % of the domains`, `${(done * 100).toFixed(1)} %`);
        await sleep(1000);
      }
    };

    const hit = async (fault: (typeof plan)[number]) => {
      await reach(fault.at);
      const wasRunning = (await state(crawlId)) === "running";
      const when = `${elapsed()} (${(done * 100).toFixed(0)} % of the domains)`;
      if (fault.kind === "nats-server") {
        note(`${when}: SIGKILL nats-server; back in ${fault.down.toFixed(0)} ms`);
        await nats.restart({ downMs: fault.down });
        return { victim: fault.kind, held: -1, wasRunning };
      }
      if (fault.kind === "store") {
        note(`${when}: store unavailable for ${fault.down} ms`);
        await gate.shut();
        await sleep(fault.down);
        await gate.open();
        return { victim: fault.kind, held: -1, wasRunning };
      }
      const victim = of(fault.kind)[fault.index]!;
      // Killed while it holds work: wait (a while) for it to be busy.
      let held = await victim.inFlight();
      for (let i = 0; held === 0 && i < 40; i++) {
        await sleep(250);
        held = await victim.inFlight();
      }
      await victim.kill();
      note(`${when}: SIGKILL ${victim.name} holding ${held}; back in ${fault.down.toFixed(0)} ms`);
      await sleep(fault.down);
      victim.restart();
      return { victim: victim.name, held, wasRunning };
    };

    const faults = await Promise.all(plan.map(hit));
    await finish(crawlId, started);
    for (const fault of faults) assert.ok(fault.wasRunning, `${fault.victim} was hit after the crawl ended`);
    assert.ok(
      faults.some((fault) => fault.victim.startsWith("prober") && fault.held > 0),
      "no prober was killed while holding work",
    );
  });

  it("gives the same totals, with no row twice", () => {
    const [undisturbed, disturbed] = crawls;
    assert.ok(undisturbed && disturbed, "both crawls ran");
    note(`totals ${JSON.stringify(undisturbed.totals)}`);
    assert.deepEqual(duplicatesIn(undisturbed.totals), []);
    assert.deepEqual(duplicatesIn(disturbed.totals), []);
    assert.deepEqual(disturbed.totals, undisturbed.totals);
  });

  it("stores what the lab's rule says, in both crawls", async () => {
    note(`expected ${JSON.stringify(expected)}`);
    for (const crawl of crawls) {
      const wrong = await checkExpected(store, crawl.id, expected);
      if (wrong.length > 0) {
        // Which rows are missing, for whoever reads the failure.
        const lost = await store.query<{ ip: string; rows: string }>(
          `SELECT toString(ip) AS ip, arrayStringConcat(arrayFilter(x -> x != '', [
             if(ip IN (SELECT ip FROM geo WHERE crawl_id = {crawl:String}), 'geo', ''),
             if(ip IN (SELECT ip FROM reverse WHERE crawl_id = {crawl:String}), 'reverse', '')]), ',') AS rows
           FROM addresses FINAL WHERE crawl_id = {crawl:String}
             AND (ip NOT IN (SELECT ip FROM geo WHERE crawl_id = {crawl:String})
               OR ip NOT IN (SELECT ip FROM reverse WHERE crawl_id = {crawl:String})) LIMIT 20`,
          { crawl: crawl.id },
        );
        note(`${crawl.id}: addresses without all their rows: ${JSON.stringify(lost)}`);
        note(logs().replaceAll("\n", "\n# "));
      }
      assert.deepEqual(wrong, [], crawl.id);
    }
  });

  it("every address of the lab answers ping and its ports 80 and 443, in both crawls", async () => {
    for (const crawl of crawls) {
      const [row] = await store.query<Record<string, string>>(
        `SELECT countIf(ping_received = 0) AS silent, countIf(tcp80 != 'open') AS closed80,
           countIf(tcp443 != 'open') AS closed443,
           countIf(not_probed_reason != '') AS notProbed
         FROM addresses FINAL WHERE crawl_id = {crawl:String}`,
        { crawl: crawl.id },
      );
      assert.deepEqual(
        Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)])),
        { silent: 0, closed80: 0, closed443: 0, notProbed: 0 },
        crawl.id,
      );
    }
  });
});
