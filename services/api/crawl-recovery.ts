// A crawl's lost work, found in the store and sent again. Work is lost two ways: a process that
// held tasks was killed (a crawl resumed by a new runner sends again what the old one's pipeline
// dropped), and the bus itself forgot tasks (nats-server 2.9.10, killed, came back without the
// messages a consumer instance held when it died with it: decision 018). The store is the
// ledger: what has no row and no dead letter is sent again. When to look is crawl-runner.ts's.

import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import { AddressTask, DomainTask, HostTask, WebTask } from "../../gen/ipv6matrix/v1/work.js";
import type { DomainLine } from "../runtime/domain-file.js";
import {
  type AddressMeasures,
  addressTables,
  crawlMeasures,
  firstValid,
  unmarkedKeySql,
  webHostsDoneSql,
  webHostsSql,
} from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import { Subjects } from "../runtime/topology.js";
import type { Transport } from "../runtime/transport.js";

export interface CrawlPipeline {
  readonly store: Store;
  readonly transport: Transport;
  readonly options: CrawlOptions;
  /** Which services measure addresses in this deployment (prober, geo). */
  readonly measures: AddressMeasures;
}

/**
 * How a task sent again is told from its first send. Every task goes out under a message id
 * (`<crawl>:<name>`), and the bus drops a second message with the same id within its duplicate
 * window: a task it lost would be dropped again. Sent again in a recovery round, it carries the
 * round's mark, `#<token>`; on resume the plain id is kept, so that what the old runner's pipeline
 * still holds and what is sent now are one message.
 */
export type Resend = { readonly mark: "" } | { readonly mark: `#${string}` };

/** The name a message id stands for: the id without its crawl prefix, recovery mark or `:web`. */
const keyNameSql = `replaceRegexpOne(${unmarkedKeySql}, '^[^:]*:', '')`;

/** SQL: the names of a crawl's tasks on `subject` that were given up on (dead letters). Parameter {crawl:String}. */
function deadNamesSql(subject: string): string {
  return `SELECT replaceRegexpOne(${keyNameSql}, ':web$', '') AS name FROM dead_letters
    WHERE crawl_id = {crawl:String} AND subject = '${subject}'`;
}

/** The names of a crawl's tasks on `subject` that were given up on. */
async function deadNames(store: Store, crawlId: string, subject: string): Promise<Set<string>> {
  const rows = await store.query<{ name: string }>(`SELECT DISTINCT name FROM (${deadNamesSql(subject)})`, {
    crawl: crawlId,
  });
  return new Set(rows.map((row) => row.name));
}

/** Domains of a crawl that already have their job rows: they are not sent again. */
export async function domainsDone(store: Store, crawlId: string): Promise<Set<string>> {
  const rows = await store.query<{ domain: string }>(
    "SELECT DISTINCT domain FROM jobs WHERE crawl_id = {crawl:String}",
    { crawl: crawlId },
  );
  return new Set(rows.map((row) => row.domain));
}

/** Sends again the domains of `domains` with neither job rows nor a dead letter; returns how many. */
export async function resendDomains(
  run: CrawlPipeline,
  crawlId: string,
  domains: AsyncIterable<DomainLine>,
  resend: Resend,
): Promise<number> {
  const done = await domainsDone(run.store, crawlId);
  for (const name of await deadNames(run.store, crawlId, Subjects.domains)) done.add(name);
  let sent = 0;
  for await (const line of domains) {
    if (done.has(line.domain)) continue;
    const task = DomainTask.encode({ crawlId, domain: line.domain, line: line.line, options: run.options });
    await run.transport.publish(Subjects.domains, task.finish(), `${crawlId}:${line.domain}${resend.mark}`);
    sent++;
  }
  return sent;
}

/**
 * The lost work past the domains: the hosts the stored jobs name without a host row, the measured
 * addresses of the stored hosts without their rows (prober, geo, PTR), and the WWW hosts without
 * their parity rows; none that was dead-lettered. An address goes out again naming the rows it
 * misses, so the actors whose row is stored skip it: a result is written once (results are
 * idempotent all the same).
 */
export async function resendMissing(
  run: CrawlPipeline,
  crawlId: string,
  resend: Resend,
): Promise<{ hosts: number; addresses: number; web: number }> {
  const { store, transport, options } = run;
  const measured = addressTables(measuresOf(run));
  // Every table whose row an address waits for, as the progress counts it: an address measured
  // by the prober and geo but whose PTR task died is sent again too. Read once, before anything
  // goes out, so the claims and the sends below are of one view of the store.
  const addresses = measured.length > 0 ? await storedAddresses(store, crawlId, measured) : [];
  if (resend.mark === "") {
    // On resume: an address shared by a stored host and a host resolved again below would go out
    // again from the host actor as a new task (its registry died with the process) and be measured
    // twice. Every address measured in full is claimed first under the message id the host actor
    // uses, as a task every actor skips (it names no table of theirs), so that second send is
    // dropped. A recovery round has no such claims to make: the host actor's sends of this crawl
    // are still in the bus's duplicate window, or long measured.
    for (const address of addresses) {
      if (address.missing.length === 0) await publishAddress(run, crawlId, address, [STORED_IN_FULL], "");
    }
  }
  const hosts = await store.query<{ host: string; www: number }>(
    `SELECT host, max(type = 'WWW') AS www FROM jobs WHERE crawl_id = {crawl:String} AND host != ''
       AND host NOT IN (SELECT host FROM hosts WHERE crawl_id = {crawl:String})
       AND host NOT IN (${deadNamesSql(Subjects.hosts)}) GROUP BY host`,
    { crawl: crawlId },
  );
  // A WWW host goes out with web set, under its own message id, as the domain actor sends it.
  const webOn = options.metrics.includes("web6");
  for (const { host, www } of hosts) {
    const web = webOn && Number(www) === 1;
    await transport.publish(
      Subjects.hosts,
      HostTask.encode({ crawlId, host, options, web }).finish(),
      `${crawlId}:${host}${web ? ":web" : ""}${resend.mark}`,
    );
  }
  const web = await resendWeb(run, crawlId, resend);
  // Each with the tables it still misses, so that what is stored is not measured and written again.
  const dead = await deadNames(store, crawlId, Subjects.ips);
  const unfinished = addresses.filter((address) => address.missing.length > 0 && !dead.has(address.ip));
  for (const address of unfinished) await publishAddress(run, crawlId, address, address.missing, resend.mark);
  return { hosts: hosts.length, addresses: unfinished.length, web };
}

/** The `missing` of a claim: a table no actor writes, so every actor skips the task (work.proto). */
const STORED_IN_FULL = "none";

type StoredAddress = {
  readonly ip: string;
  readonly family: number;
  /** The measured tables without this address's row; empty when it is measured in full. */
  readonly missing: string[];
};

/** The first valid address of each family of the crawl's stored hosts (SPEC 4), each with the measured tables that lack its row. */
async function storedAddresses(store: Store, crawlId: string, measured: string[]): Promise<StoredAddress[]> {
  const missing = measured.map(
    (table) => `if(ip NOT IN (SELECT ip FROM ${table} WHERE crawl_id = {crawl:String}), '${table}', '')`,
  );
  return store.query<StoredAddress>(
    `SELECT DISTINCT replaceRegexpOne(toString(ip), '^::ffff:', '') AS ip, family,
       arrayFilter(t -> t != '', [${missing.join(", ")}]) AS missing FROM (
       SELECT ${firstValid("ipv4", "valid4")} AS ip, 4 AS family FROM hosts WHERE crawl_id = {crawl:String} AND has(valid4, 1)
       UNION ALL SELECT ${firstValid("ipv6", "valid6")} AS ip, 6 AS family FROM hosts WHERE crawl_id = {crawl:String} AND has(valid6, 1))`,
    { crawl: crawlId },
  );
}

/** An address task under the message id the host actor sends it with (plus a recovery round's mark). */
async function publishAddress(
  run: CrawlPipeline,
  crawlId: string,
  { ip, family }: StoredAddress,
  missing: string[],
  mark: Resend["mark"],
): Promise<void> {
  const task = AddressTask.encode({
    crawlId,
    ip,
    family: family === 6 ? Family.FAMILY_IPV6 : Family.FAMILY_IPV4,
    options: run.options,
    missing,
  });
  await run.transport.publish(Subjects.ips, task.finish(), `${crawlId}:${ip}${mark}`);
}

/**
 * Issue 19: the stored WWW hosts with a valid IPv6 address whose parity rows are not all stored
 * (their WebTask was lost), sent again to the prober from their host rows, naming the schemes
 * still missing.
 */
async function resendWeb(run: CrawlPipeline, crawlId: string, resend: Resend): Promise<number> {
  const { store, transport, options } = run;
  if (!measuresOf(run).web) return 0;
  const hosts = await store.query<{ host: string; ip4: string | null; ip6: string | null }>(
    `SELECT host, any(ip4) AS ip4, any(ip6) AS ip6 FROM (
       SELECT host, if(has(valid4, 1), replaceRegexpOne(toString(${firstValid("ipv4", "valid4")}), '^::ffff:', ''), '') AS ip4,
         toString(${firstValid("ipv6", "valid6")}) AS ip6
       FROM hosts WHERE crawl_id = {crawl:String} AND host IN (${webHostsSql})
         AND host NOT IN (${webHostsDoneSql}) AND host NOT IN (${deadNamesSql(Subjects.web)}))
     GROUP BY host`,
    { crawl: crawlId },
  );
  const stored = await store.query<{ host: string; schemes: string[] }>(
    "SELECT host, groupUniqArray(scheme) AS schemes FROM web_parity WHERE crawl_id = {crawl:String} GROUP BY host",
    { crawl: crawlId },
  );
  const storedSchemes = new Map(stored.map((row) => [row.host, row.schemes]));
  let sent = 0;
  for (const { host, ip4, ip6 } of hosts) {
    if (!ip6) continue;
    // Only the schemes whose row is missing: a stored row is not fetched, nor written, twice.
    const schemes = ["http", "https"].filter((scheme) => !storedSchemes.get(host)?.includes(scheme));
    const task = WebTask.encode({ crawlId, host, ip4: ip4 ?? "", ip6, options, schemes }).finish();
    await transport.publish(Subjects.web, task, `${crawlId}:${host}${resend.mark}`);
    sent++;
  }
  return sent;
}

/**
 * Whether nothing waits on the bus, queued or held by an actor, for any crawl. A bus that cannot
 * say (nats-server restarting) is not idle: it is away, and what it holds comes back with it.
 */
export async function busIsIdle(transport: Transport): Promise<boolean> {
  try {
    for (const subject of Object.values(Subjects)) if ((await transport.pending(subject)) > 0) return false;
    return true;
  } catch {
    return false;
  }
}

/** What an address of this crawl waits for in this deployment. */
export function measuresOf(run: CrawlPipeline): AddressMeasures {
  return crawlMeasures(run.measures, run.options.metrics);
}
