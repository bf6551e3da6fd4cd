// npm run bench:aggregator [-- --domains N] [--store-url URL] [--max-memory-mb MB]: ingest rate of
// the raw tables through the aggregator's batch writer, and the time to compute
// the four summaries, for a synthetic crawl (7 jobs per domain: NS x2, MX,
// WWW x3, NTP), on chDB in a temporary folder (or a ClickHouse server), chDB capped as the default
// configuration caps it (store.max_memory_mb) unless --max-memory-mb says otherwise (0: no cap).
// Prints one line per figure; writes nothing outside its temporary folder.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BatchWriter } from "../../services/aggregator/batch-writer.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { loadConfig } from "../../services/runtime/config.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row } from "../../services/runtime/store.js";
import { openStore } from "../../services/runtime/store-open.js";

const { values } = parseArgs({
  options: {
    domains: { type: "string" },
    "store-url": { type: "string" },
    "max-memory-mb": { type: "string" },
  },
});
const maxMemoryMb = Number(values["max-memory-mb"] ?? loadConfig({ env: {} }).store.max_memory_mb);
const count = Number(values.domains ?? 1_000_000);
const tlds = ["com", "org", "net", "de", "uk", "jp"];
const crawl = "bench";
const date = "2026-11-01";
const dir = mkdtempSync(join(tmpdir(), "v6m-bench-aggregator-"));
// The process's memory when its RSS peaked, during the ingest and during the summaries; what is not
// V8's heap or buffers is chDB's (native) memory and the code.
let phase: "ingest" | "summaries" = "ingest";
const peaks = { ingest: process.memoryUsage(), summaries: process.memoryUsage() };
const sampler = setInterval(() => {
  const now = process.memoryUsage();
  if (now.rss > peaks[phase].rss) peaks[phase] = now;
}, 100);

// The synthetic rule: d<N>.<tld>; www has IPv4 unless N%10 == 9 and IPv6 when N%10 < 4; www6 and ipv6 have
// IPv6 when N%20 == 0; NTP hosts have no address; 100 NS and 50 MX providers shared by every domain.
// Domains' IPv4 addresses are 198.18.0.0/15 (17 bits, so distinct below 131072), the providers' 203.0.113.0/24.
const v4 = (n: number) => `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 0xff}.${n & 0xff}`;
const provider4 = (n: number) => `203.0.113.${n}`;
const v6 = (n: number) => `2001:db8::${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}`;

// Row builders at module level: one closure per domain each (and tsx's keepNames wrapper on every one) cost
// the bench a tenth of its time, which is not the aggregator's.
function job(domain: string, tld: string, type: string, host: string, priority: number): Row {
  return { crawl_id: crawl, date, domain, tld, type, host, priority, outcome: "OK" };
}

function host(name: string, ipv4: string[], ipv6: string[]): Row {
  return {
    crawl_id: crawl,
    date,
    host: name,
    a_outcome: ipv4.length ? "OK" : "NODATA",
    aaaa_outcome: ipv6.length ? "OK" : "NODATA",
    ipv4,
    ipv6,
    ip6_types: ipv6.length ? ["native"] : [],
    eui64: ipv6.length ? [0] : [],
    cname_chain: [],
  };
}

function address(ip: string, family: number, k: number): Row {
  return {
    crawl_id: crawl,
    date,
    ip: family === 4 ? `::ffff:${ip}` : ip,
    family,
    rdns: "",
    rdns_outcome: "NXDOMAIN",
    ping_sent: 5,
    ping_received: 5,
    ping_min: 1 + (k % 7),
    ping_avg: 2 + (k % 7),
    ping_max: 3 + (k % 7),
    ping_mdev: 0.5,
    tcp80: "open",
    tcp443: k % 3 ? "open" : "closed",
    tcp25: "not_probed",
    starttls: 0,
    trace_hops: 5 + (k % 4),
    trace_path: [],
    trace_reached: 1,
    mtu: 1500,
    not_probed_reason: "",
    prober_version: "bench",
  };
}

const countries = ["DE", "US", "JP", "FR", "GB"];

function geo(ip: string, k: number): Row {
  return {
    crawl_id: crawl,
    date,
    ip,
    country: countries[k % 5],
    city: "",
    region: "",
    latitude: 1,
    longitude: 2,
    asn: 64496 + (k % 10),
    as_org: "",
    db_version: "bench",
  };
}

/** One domain's message: its job, host, address and geo rows, table by table. */
function domainRows(n: number): { table: string; rows: Row[] }[] {
  const tld = tlds[n % tlds.length] as string;
  const domain = `d${n}.${tld}`;
  const jobs = [
    job(domain, tld, "NS", `ns1.dns${n % 100}.net`, 1),
    job(domain, tld, "NS", `ns2.dns${n % 100}.net`, 2),
    job(domain, tld, "MX", `mx.mail${n % 50}.net`, 10),
    job(domain, tld, "WWW", `www.${domain}`, 0),
    job(domain, tld, "WWW", `www6.${domain}`, 0),
    job(domain, tld, "WWW", `ipv6.${domain}`, 0),
    job(domain, tld, "NTP", `ntp.${domain}`, 0),
  ];
  const hasV4 = n % 10 !== 9;
  const hasV6 = n % 10 < 4;
  const a4 = hasV4 ? [v4(n % 131072)] : [];
  const a6 = hasV6 ? [v6(n)] : [];
  const hosts = [host(`www.${domain}`, a4, a6), host(`ntp.${domain}`, [], [])];
  const extra = n % 20 === 0 ? [v6(count + n)] : [];
  hosts.push(host(`www6.${domain}`, [], extra), host(`ipv6.${domain}`, [], extra));
  if (n < 100)
    hosts.push(
      host(`ns1.dns${n}.net`, [provider4(n)], []),
      host(`ns2.dns${n}.net`, [provider4(100 + n)], [v6(3 * count + n)]),
    );
  if (n < 50) hosts.push(host(`mx.mail${n}.net`, [provider4(200 + n)], [v6(4 * count + n)]));

  // Each address once: an IPv4 address is shared by every 131072nd domain, so the first one measures it.
  const addresses: Row[] = [];
  const geos: Row[] = [];
  if (hasV4 && n < 131072) {
    addresses.push(address(v4(n), 4, n));
    geos.push(geo(`::ffff:${v4(n)}`, n));
  }
  for (const ip of [...a6, ...extra]) {
    addresses.push(address(ip, 6, n + 1));
    geos.push(geo(ip, n));
  }
  if (n < 100)
    for (const ip of [provider4(n), provider4(100 + n)]) {
      addresses.push(address(ip, 4, n));
      geos.push(geo(`::ffff:${ip}`, n));
    }
  if (n < 100) {
    addresses.push(address(v6(3 * count + n), 6, n));
    geos.push(geo(v6(3 * count + n), n));
  }
  if (n < 50) {
    addresses.push(address(provider4(200 + n), 4, n), address(v6(4 * count + n), 6, n + 2));
    geos.push(geo(`::ffff:${provider4(200 + n)}`, n), geo(v6(4 * count + n), n));
  }
  return [
    { table: "jobs", rows: jobs },
    { table: "hosts", rows: hosts },
    { table: "addresses", rows: addresses },
    { table: "geo", rows: geos },
  ];
}

const store = await openStore({ url: values["store-url"], dataDir: join(dir, "data"), maxMemoryMb });
try {
  await migrate(store);
  await saveCrawl(store, {
    crawl_id: crawl,
    date,
    state: "running",
    options: JSON.stringify({ wwwPrefixes: ["www", "www6", "ipv6"], ntpPrefixes: ["ntp"] }),
    source: "bench",
    domains: count,
    rejected: 0,
    started_at: `${date} 00:00:00`,
    finished_at: null,
    published: 0,
    error: "",
  });
  // Batches of 250,000 rows cost a fifth less CPU a row than 100,000 (fewer parts to write and merge).
  // Messages in flight must hold more rows than a batch, or every batch waits for the timer:
  // 50,000 domains are about 680,000 rows, a batch filling while two are inserted.
  const writer = new BatchWriter(store, { maxRows: 250_000 });
  const maxInFlight = 50_000;
  const written = new Map<string, number>();
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  // As the actor does: a bounded number of messages in flight, each acknowledged when written,
  // the next one taken as soon as the oldest is done.
  const inFlight: Promise<void>[] = [];
  let oldest = 0;
  for (let n = 0; n < count; n++) {
    const batch = domainRows(n);
    for (const part of batch) written.set(part.table, (written.get(part.table) ?? 0) + part.rows.length);
    inFlight.push(writer.write(batch));
    if (inFlight.length - oldest >= maxInFlight) {
      await inFlight[oldest];
      oldest += 1;
      if (oldest === maxInFlight / 2) {
        inFlight.splice(0, oldest);
        oldest = 0;
      }
    }
  }
  await writer.flush();
  await Promise.all(inFlight);
  const ingestSeconds = (performance.now() - started) / 1000;
  const ingestCpu = process.cpuUsage(cpuStarted);
  phase = "summaries";
  peaks.summaries = process.memoryUsage();
  const summaryStarted = performance.now();
  await computeSummaries(store, crawl);
  const summarySeconds = (performance.now() - summaryStarted) / 1000;
  // Complete: every row written is in its table, and every domain in the summaries.
  const tables = [...written.keys()];
  const counted = await store.query<{ table: string; n: number }>(
    `${tables.map((table) => `SELECT '${table}' AS table, count() AS n FROM ${table} WHERE crawl_id = 'bench'`).join(" UNION ALL ")}`,
  );
  const [summarised] = await store.query<{ n: number }>(
    "SELECT count() AS n FROM domains WHERE crawl_id = 'bench'",
  );
  const found = new Map(counted.map(({ table, n }) => [table, n]));
  const missing = tables.filter((table) => found.get(table) !== written.get(table));
  if (written.get("jobs") !== count * 7 || missing.length > 0 || summarised?.n !== count)
    throw new Error(
      `bench: wrote ${JSON.stringify(Object.fromEntries(written))} rows for ${count} domains, ` +
        `found ${JSON.stringify(Object.fromEntries(found))} and ${summarised?.n} summarised domains`,
    );
  const rows = [...written.values()].reduce((sum, n) => sum + n, 0);
  console.log(`store: ${store.kind}${store.kind === "chdb" ? `, store.max_memory_mb ${maxMemoryMb}` : ""}`);
  console.log(`domains: ${count}`);
  console.log(
    `rows ingested: ${rows} (${tables.map((table) => `${table} ${written.get(table)}`).join(", ")})`,
  );
  console.log(`ingest: ${ingestSeconds.toFixed(1)} s, ${Math.round(rows / ingestSeconds)} rows/s`);
  // CPU time of every thread (JS and chDB's): what the ingest costs whatever else the machine runs.
  console.log(
    `ingest CPU: ${((ingestCpu.user + ingestCpu.system) / 1e6).toFixed(1)} s, ${((ingestCpu.user + ingestCpu.system) / rows).toFixed(2)} µs a row`,
  );
  console.log(`summaries (all four): ${summarySeconds.toFixed(1)} s`);
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  for (const [name, peak] of Object.entries(peaks))
    console.log(
      `peak RSS, ${name}: ${mb(peak.rss)} MB (V8 heap ${mb(peak.heapTotal)} MB, buffers ${mb(peak.arrayBuffers)} MB, ` +
        `chDB and code ${mb(peak.rss - peak.heapTotal - peak.arrayBuffers)} MB)`,
    );
  if (store.kind === "chdb") {
    // As a user computes them again: `ipv6matrix summarise` in a process of its own, whose peak
    // RSS is the summaries' alone (the figures above include what chDB kept from the ingest).
    await store.close();
    const timeFile = join(dir, "summarise.time");
    const cli = resolve(import.meta.dirname, "../../bin/ipv6matrix.mjs");
    const sets = [`store.data_dir=${join(dir, "data")}`, `store.max_memory_mb=${maxMemoryMb}`];
    const started = performance.now();
    const run = spawnSync(
      "/usr/bin/time",
      [
        "-o",
        timeFile,
        "-f",
        "%M %U %S",
        process.execPath,
        cli,
        "summarise",
        ...sets.flatMap((x) => ["--set", x]),
        crawl,
      ],
      { encoding: "utf8", env: { ...process.env, IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn" } },
    );
    if (run.status !== 0)
      throw new Error(`ipv6matrix summarise failed (${run.status}): ${run.stderr.slice(-2000)}`);
    const [kb, user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    console.log(
      `ipv6matrix summarise (own process): ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
        `CPU ${(user! + sys!).toFixed(1)} s, peak RSS ${Math.round(kb! / 1024)} MB`,
    );
  }
} finally {
  clearInterval(sampler);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
