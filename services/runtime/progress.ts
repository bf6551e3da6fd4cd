// A crawl's progress, read from the store: the store is the ledger, so the
// figures are the same whichever process asks, and survive any restart.
// Domains: those with job rows out of those submitted; hosts: resolved out of
// the distinct hosts the jobs name; addresses: measured out of the distinct
// first addresses the hosts have (measured by every service that measures
// them: prober, geo, and the resolver's PTR when the crawl asks it, of the
// address and of every router on its path). Dead letters count as failed.

import type { Store } from "./store.js";

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

/**
 * The routers on this crawl's stored paths that have no PTR row yet (as IPv6, IPv4 mapped): an
 * address waits for its routers' names when the crawl asks names, and resume asks them again.
 * Parameter {crawl:String}.
 */
export const unnamedRoutersSql = `
  SELECT DISTINCT a.ip AS address, toIPv6(hop) AS router FROM addresses AS a ARRAY JOIN a.trace_path AS hop
  WHERE a.crawl_id = {crawl:String} AND (isIPv4String(hop) OR isIPv6String(hop))
    AND toIPv6(hop) NOT IN (SELECT ip FROM reverse WHERE crawl_id = {crawl:String})`;

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
      ...(tables.includes("addresses") && tables.includes("reverse")
        ? [`ip NOT IN (SELECT address FROM (${unnamedRoutersSql}))`]
        : []),
    ].join(" AND ");
    const [addresses] = await store.query<{ total: number; done: number }>(
      `SELECT
        (SELECT uniqExact(ip) FROM (
          SELECT toIPv6(ipv4[1]) AS ip FROM hosts WHERE crawl_id = {crawl:String} AND length(ipv4) > 0
          UNION ALL SELECT ipv6[1] AS ip FROM hosts WHERE crawl_id = {crawl:String} AND length(ipv6) > 0)) AS total,
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
