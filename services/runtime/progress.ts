// A crawl's progress, read from the store: the store is the ledger, so the
// figures are the same whichever process asks, and survive any restart.
// Domains: those with job rows out of those submitted; hosts: resolved out of
// the distinct hosts the jobs name; addresses: measured out of the distinct
// first valid addresses the hosts have (measured by every service that measures
// them: prober, geo, and the resolver's PTR when the crawl asks it, of the
// address and of every router on its path); web: the WWW hosts with a valid IPv6
// address whose same-site parity rows (http and https) are stored, when the crawl
// asks it (metrics.web6) and a prober runs. Dead letters count as failed. How
// fast each stage moves, and the time left at that pace, is computed here too
// (ProgressRates), once for the api's WatchCrawl and the embedded command.

import type { Store } from "./store.js";

/**
 * SQL: the first valid address of a hosts row's `addresses` array (IPv6-typed, IPv4 as mapped), or
 * NULL: what is measured of a host (SPEC 3, 4), here and in the summaries' host view. `valid` runs parallel to it (migration 005; rows from before it read as all valid).
 */
export function firstValid(addresses: "ipv4" | "ipv6", valid: "valid4" | "valid6"): string {
  return `if(indexOf(${valid}, 1) > 0, toIPv6(${addresses}[indexOf(${valid}, 1)]), NULL)`;
}

export interface StageCount {
  readonly stage: "domains" | "hosts" | "addresses" | "web";
  readonly total: number;
  readonly done: number;
  readonly failed: number;
}

/** Which services measure each address in this deployment; an address is done when every one of them has. */
export interface AddressMeasures {
  readonly prober: boolean;
  readonly geo: boolean;
  /** The crawl asks the PTR of every address (metrics.reverse): the resolver's reverse row counts too. */
  readonly reverse?: boolean;
  /** The crawl asks the same-site parity of its WWW hosts (metrics.web6) and a prober runs: the web stage counts. */
  readonly web?: boolean;
}

/** The metrics the prober measures of an address (crawl.ips); web6 is apart (crawl.web). */
export const PROBER_METRICS: readonly string[] = ["ping", "path", "tcp80", "tcp443", "tcp25", "tls", "ntp"];

/**
 * What an address of a crawl asking `metrics` waits for, in a deployment running `deployment`:
 * a service takes part only when the crawl asks a metric of its own, so a crawl that measures
 * nothing of its addresses (DNS only) stores no address or geo row for them (issue 17).
 */
export function crawlMeasures(deployment: AddressMeasures, metrics: readonly string[]): AddressMeasures {
  return {
    prober: deployment.prober && metrics.some((metric) => PROBER_METRICS.includes(metric)),
    geo: deployment.geo && metrics.includes("geoip"),
    reverse: metrics.includes("reverse"),
    web: deployment.prober && metrics.includes("web6"),
  };
}

/** Whether any service measures the addresses of a crawl asking `metrics`: else none goes out on crawl.ips. */
export function measuresAddresses(metrics: readonly string[]): boolean {
  const all: AddressMeasures = { prober: true, geo: true };
  return addressTables(crawlMeasures(all, metrics)).length > 0;
}

/**
 * SQL: the WWW hosts of the crawl with a valid IPv6 address (each gets a WebTask), and those
 * whose web_parity rows are all stored (both schemes). Parameter {crawl:String}.
 */
export const webHostsSql = `
  SELECT host FROM (
    SELECT host, 1 AS bit FROM hosts WHERE crawl_id = {crawl:String} AND has(valid6, 1)
    UNION ALL SELECT host, 2 FROM jobs WHERE crawl_id = {crawl:String} AND type = 'WWW')
  GROUP BY host HAVING groupBitOr(bit) = 3`;
export const webHostsDoneSql = `
  SELECT host FROM web_parity WHERE crawl_id = {crawl:String} GROUP BY host HAVING uniqExact(scheme) = 2`;

/** The tables an address needs a row in to be measured, in this deployment and crawl. */
export function addressTables(options: AddressMeasures): string[] {
  return [
    ...(options.prober ? ["addresses"] : []),
    ...(options.geo ? ["geo"] : []),
    ...(options.reverse ? ["reverse"] : []),
  ];
}

/**
 * The routers on this crawl's stored paths that have no PTR row yet (as IPv6, IPv4 mapped): an
 * address waits for its routers' names when the crawl asks names, and resume asks them again.
 * Parameter {crawl:String}.
 */
export const unnamedRoutersSql = `
  SELECT DISTINCT a.ip AS address, toIPv6(hop) AS router FROM addresses AS a ARRAY JOIN a.trace_path AS hop
  WHERE a.crawl_id = {crawl:String} AND (isIPv4String(hop) OR isIPv6String(hop))
    AND toIPv6(hop) NOT IN (SELECT ip FROM reverse WHERE crawl_id = {crawl:String})`;

/**
 * SQL: a dead letter's message id without a recovery round's mark (`#<token>`, api/crawl-recovery.ts),
 * so that a task is one task however often it was sent.
 */
export const unmarkedKeySql = "replaceRegexpOne(key, '#.*$', '')";

/**
 * SQL: how many distinct values of `key` the rows of `from` have, by a GROUP BY. uniqExact or an
 * IN set would hold every value at once: at 295,000 domains of a million-domain crawl (2.46M
 * hosts) one progress read needed 996 MB and failed on the embedded store's 768 MB cap; a GROUP
 * BY spills to the data folder past PROGRESS_SETTINGS' bound, and runs in the table's order
 * where `key` leads it (docs/performance.md, "A million domains").
 */
function distinct(key: string, from: string): string {
  return `(SELECT count() FROM (SELECT ${key} FROM ${from} GROUP BY ${key}))`;
}

/** What a progress read may hold before its GROUP BYs spill, and in-order aggregation on the tables' keys. */
export const PROGRESS_SETTINGS =
  "SETTINGS max_bytes_before_external_group_by = 67108864, optimize_aggregation_in_order = 1";

export async function readProgress(
  store: Store,
  crawlId: string,
  submitted: number,
  options: AddressMeasures,
): Promise<StageCount[]> {
  const params = { crawl: crawlId };
  const ofCrawl = (table: string) => `${table} WHERE crawl_id = {crawl:String}`;
  const [counts] = await store.query<{ domains: number; hosts_total: number; hosts_done: number }>(
    `SELECT
      ${distinct("domain", ofCrawl("jobs"))} AS domains,
      ${distinct("host", `${ofCrawl("jobs")} AND host != ''`)} AS hosts_total,
      ${distinct("host", ofCrawl("hosts"))} AS hosts_done
    ${PROGRESS_SETTINGS}`,
    params,
  );
  const failed = await store.query<{ subject: string; n: number }>(
    `SELECT subject, uniqExact(${unmarkedKeySql}) AS n FROM dead_letters WHERE crawl_id = {crawl:String} GROUP BY subject`,
    params,
  );
  const failedOn = (subject: string) => failed.find((row) => row.subject === subject)?.n ?? 0;
  const stages: StageCount[] = [
    { stage: "domains", total: submitted, done: counts?.domains ?? 0, failed: failedOn("crawl.domains") },
    {
      stage: "hosts",
      total: counts?.hosts_total ?? 0,
      done: counts?.hosts_done ?? 0,
      failed: failedOn("crawl.hosts"),
    },
  ];
  const tables = addressTables(options);
  if (tables.length > 0) {
    // Measured: a row in every table (each sets its bit), and no router on its path unnamed (bit
    // 2^n, which keeps it from the count).
    const rows = [
      ...tables.map((table, i) => `SELECT ip, ${2 ** i} AS bit FROM ${ofCrawl(table)}`),
      ...(tables.includes("addresses") && tables.includes("reverse")
        ? [`SELECT address AS ip, ${2 ** tables.length} AS bit FROM (${unnamedRoutersSql})`]
        : []),
    ].join(" UNION ALL ");
    const [addresses] = await store.query<{ total: number; done: number }>(
      `SELECT
        ${distinct(
          "ip",
          `(SELECT ${firstValid("ipv4", "valid4")} AS ip FROM ${ofCrawl("hosts")} AND has(valid4, 1)
            UNION ALL SELECT ${firstValid("ipv6", "valid6")} AS ip FROM ${ofCrawl("hosts")} AND has(valid6, 1))`,
        )} AS total,
        (SELECT count() FROM (SELECT ip FROM (${rows}) GROUP BY ip HAVING groupBitOr(bit) = ${2 ** tables.length - 1})) AS done
      ${PROGRESS_SETTINGS}`,
      params,
    );
    stages.push({
      stage: "addresses",
      total: addresses?.total ?? 0,
      done: addresses?.done ?? 0,
      failed: failedOn("crawl.ips"),
    });
  }
  if (options.web) {
    const [web] = await store.query<{ total: number; done: number }>(
      `SELECT (SELECT count() FROM (${webHostsSql})) AS total, (SELECT count() FROM (${webHostsDoneSql})) AS done
      ${PROGRESS_SETTINGS}`,
      params,
    );
    stages.push({
      stage: "web",
      total: web?.total ?? 0,
      done: web?.done ?? 0,
      failed: failedOn("crawl.web"),
    });
  }
  return stages;
}

/**
 * How long to wait after a progress read that took `tookMs` before the next one: at least
 * `everyMs`, and POLL_COST_FACTOR times the read's own time. Each read scans the crawl's rows, so
 * its cost grows with the crawl; read back to back, a 100k-domain crawl spent a growing share of
 * the store's time counting itself (issue 17: 8.6 ms of CPU a domain at 20k, 13.4 at 100k). Paced
 * by their cost, reads take at most an eleventh of the store's time at any size, and the end of a
 * crawl is seen at most ten reads' time late. A factor of 4 (a fifth) still cost a million-domain
 * crawl 14 % of its pace, with reads of 10 s; ten reads late is under 2 min of a 2 h crawl.
 */
export function pauseAfterRead(tookMs: number, everyMs: number): number {
  return Math.max(everyMs, POLL_COST_FACTOR * tookMs);
}
const POLL_COST_FACTOR = 10;

/** Every stage has settled each of its pieces of work, and the domains are all in. */
export function isDrained(stages: readonly StageCount[]): boolean {
  return stages.every((stage) => stage.done + stage.failed >= stage.total);
}

/** A stage's count with how fast it moves, as WatchCrawl sends it and the command shows it. */
export interface StageProgress extends StageCount {
  /** Pieces settled (done or failed) per second over the last samples. */
  readonly ratePerSecond: number;
  /** Seconds left at that rate: 0 when the stage is done, undefined while nothing has moved and work is left. */
  readonly etaSeconds: number | undefined;
}

interface Sample {
  readonly at: number;
  readonly settled: number;
}

/** Rate over a window of samples (per second) and the seconds left at that rate. Pure. */
export function rateAndEta(
  samples: readonly Sample[],
  total: number,
): { rate: number; eta: number | undefined } {
  const first = samples[0];
  const last = samples.at(-1);
  const left = Math.max(0, total - (last?.settled ?? 0));
  // A finished stage has nothing left, whatever its rate; else the time is known once it moved.
  if (!first || !last || last.at <= first.at) return { rate: 0, eta: left === 0 ? 0 : undefined };
  const rate = (Math.max(0, last.settled - first.settled) * 1000) / (last.at - first.at);
  return { rate, eta: rate > 0 ? left / rate : left === 0 ? 0 : undefined };
}

/** One follower's view of a crawl's pace: each stage's last `window` samples. */
export class ProgressRates {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly window = 10) {}

  /** Adds a reading taken at `now` (ms) and returns every stage with its rate and ETA. */
  add(stages: readonly StageCount[], now: number): StageProgress[] {
    return stages.map((stage) => {
      const samples = this.samples.get(stage.stage) ?? [];
      samples.push({ at: now, settled: stage.done + stage.failed });
      while (samples.length > this.window) samples.shift();
      this.samples.set(stage.stage, samples);
      const { rate, eta } = rateAndEta(samples, stage.total);
      return { ...stage, ratePerSecond: rate, etaSeconds: eta };
    });
  }
}
