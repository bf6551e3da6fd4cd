// A crawl's progress, read from the store: the store is the ledger, so the
// figures are the same whichever process asks, and survive any restart.
// Domains: those with job rows out of those submitted; hosts: resolved out of
// the distinct hosts the jobs name; addresses: measured out of the distinct
// first valid addresses the hosts have (measured by every service that measures
// them: prober, geo, and the resolver's PTR when the crawl asks it). Dead
// letters count as failed.

import type { Store } from "./store.js";

/**
 * SQL: the first valid address of a hosts row's `addresses` array (IPv6-typed, IPv4 as mapped), or
 * NULL: what is measured of a host (SPEC 3, 4), here and in the summaries' host view. `valid` runs parallel to it (migration 005; rows from before it read as all valid).
 */
export function firstValid(addresses: "ipv4" | "ipv6", valid: "valid4" | "valid6"): string {
  return `if(indexOf(${valid}, 1) > 0, toIPv6(${addresses}[indexOf(${valid}, 1)]), NULL)`;
}

export interface StageCount {
  readonly stage: "domains" | "hosts" | "addresses";
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
}

/** The tables an address needs a row in to be measured, in this deployment and crawl. */
export function addressTables(options: AddressMeasures): string[] {
  return [
    ...(options.prober ? ["addresses"] : []),
    ...(options.geo ? ["geo"] : []),
    ...(options.reverse ? ["reverse"] : []),
  ];
}

export async function readProgress(
  store: Store,
  crawlId: string,
  submitted: number,
  options: AddressMeasures,
): Promise<StageCount[]> {
  const params = { crawl: crawlId };
  const [counts] = await store.query<{ domains: number; hosts_total: number; hosts_done: number }>(
    `SELECT
      (SELECT uniqExact(domain) FROM jobs WHERE crawl_id = {crawl:String}) AS domains,
      (SELECT uniqExact(host) FROM jobs WHERE crawl_id = {crawl:String} AND host != '') AS hosts_total,
      (SELECT uniqExact(host) FROM hosts WHERE crawl_id = {crawl:String}) AS hosts_done`,
    params,
  );
  const failed = await store.query<{ subject: string; n: number }>(
    "SELECT subject, uniqExact(key) AS n FROM dead_letters WHERE crawl_id = {crawl:String} GROUP BY subject",
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
    // Measured: in the first table and in every other one.
    const measured = [
      `SELECT uniqExact(ip) FROM ${tables[0]} WHERE crawl_id = {crawl:String}`,
      ...tables.slice(1).map((table) => `ip IN (SELECT ip FROM ${table} WHERE crawl_id = {crawl:String})`),
    ].join(" AND ");
    const [addresses] = await store.query<{ total: number; done: number }>(
      `SELECT
        (SELECT uniqExact(ip) FROM (
          SELECT ${firstValid("ipv4", "valid4")} AS ip FROM hosts WHERE crawl_id = {crawl:String} AND has(valid4, 1)
          UNION ALL SELECT ${firstValid("ipv6", "valid6")} AS ip FROM hosts WHERE crawl_id = {crawl:String} AND has(valid6, 1))) AS total,
        (${measured}) AS done`,
      params,
    );
    stages.push({
      stage: "addresses",
      total: addresses?.total ?? 0,
      done: addresses?.done ?? 0,
      failed: failedOn("crawl.ips"),
    });
  }
  return stages;
}

/** Every stage has settled each of its pieces of work, and the domains are all in. */
export function isDrained(stages: readonly StageCount[]): boolean {
  return stages.every((stage) => stage.done + stage.failed >= stage.total);
}
