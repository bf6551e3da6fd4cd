// The domain actor (SPEC 2): a domain of crawl.domains becomes job rows for
// NS (with the SOA analysis), MX, WWW and NTP; each distinct host goes out on
// crawl.hosts once per crawl (a WWW host with `web` set, for the parity fetch), then the
// domain's result on crawl.results. The
// look-ups are the DNS client's, the shaping features.ts's and soa-analysis.ts's.

import { type CrawlOptions, DnsOutcome, Feature } from "../../gen/ipv6matrix/v1/common.js";
import {
  CrawlResult,
  type Dns6Chain,
  DomainTask,
  HostTask,
  type Job,
  type Soa,
} from "../../gen/ipv6matrix/v1/work.js";
import type { ActorDefinition } from "../runtime/actor.js";
import { checkHostName, tldOf } from "../runtime/domain-name.js";
import { Subjects } from "../runtime/topology.js";
import type { DnsAnswer } from "./dns-client.js";
import { canonical } from "./dns-message.js";
import type { DnsAsker } from "./dns-thread.js";
import { isNullExchange, type JobRow, mxJobs, nsJobs, prefixedHosts } from "./features.js";
import { otherRcode, toProto } from "./outcome.js";
import type { ResolverContext } from "./resolver-context.js";
import { analyseSoa, type SoaRecord } from "./soa-analysis.js";

export function domainActor(context: ResolverContext, maxInFlight: number): ActorDefinition<DomainTask> {
  return {
    name: "resolver.domain",
    service: "resolver",
    subject: Subjects.domains,
    group: "resolver",
    maxInFlight,
    decode: (data) => DomainTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, actor) {
      const checked = checkHostName(task.domain);
      const domain = checked.ok ? checked.name : task.domain;
      // The chain walk (metric dns6) runs beside the look-ups; it asks authoritative servers
      // over IPv6 itself, not the crawl's resolver.
      const withDns6 = (task.options?.metrics ?? []).includes("dns6");
      const [jobs, dns6] = await Promise.all([
        checked.ok
          ? domainJobs(domain, task.options, context.client(task.options))
          : { jobs: invalidDomainJobs(domain, task.options), soa: undefined },
        withDns6 ? dns6Of(context, task.crawlId, checked.ok ? domain : undefined) : undefined,
      ]);
      // Hosts go out before the domain's result is stored, so that a crash in
      // between redelivers the domain and the hosts are sent again, never lost.
      const webHosts = webHostsOf(jobs.jobs, task.options);
      for (const job of jobs.jobs) {
        if (job.host === "") continue;
        const web = webHosts.has(job.host);
        const send = () => {
          const hostTask = HostTask.encode({
            crawlId: task.crawlId,
            host: job.host,
            options: task.options,
            web,
          }).finish();
          return actor.publish(Subjects.hosts, hostTask, hostTaskKey(task.crawlId, job.host, web));
        };
        // A WWW host goes out with web set even when it went out before as another domain's
        // MX, NS or NTP host (resolved twice then, once for its parity fetch); the plain claim
        // too, so that a later plain mention does not send it again.
        if (web) {
          await context.hostsSent.once(task.crawlId, `${job.host} web`, send);
          await context.hostsSent.once(task.crawlId, job.host, async () => {});
        } else await context.hostsSent.once(task.crawlId, job.host, send);
      }
      const result = CrawlResult.encode({
        result: {
          $case: "domain",
          value: {
            crawlId: task.crawlId,
            domain,
            tld: tldOf(domain),
            jobs: jobs.jobs,
            soa: jobs.soa,
            dns6,
          },
        },
      }).finish();
      await actor.publish(Subjects.results, result, `domain:${task.crawlId}:${domain}`);
    },
  };
}

/** The dns6 row of a domain; a name that cannot be asked has no zone (no_domain), and nothing is sent. */
async function dns6Of(
  context: ResolverContext,
  crawlId: string,
  domain: string | undefined,
): Promise<Dns6Chain> {
  if (domain === undefined)
    return {
      ready: false,
      reason: "no_domain",
      brokenZone: "",
      minServers: 0,
      zoneServers: 0,
      cuts: [],
      cutServers: [],
      parentChildAgree: false,
      queries: 0,
    };
  const walk = await context.dns6.walk(crawlId, domain);
  return {
    ready: walk.ready,
    reason: walk.reason,
    brokenZone: walk.brokenZone,
    minServers: walk.minServers,
    zoneServers: walk.zoneServers,
    cuts: walk.cuts,
    cutServers: walk.cutServers,
    parentChildAgree: walk.parentChildAgree,
    queries: walk.queries,
  };
}

/** The WWW hosts of a domain's jobs that get the same-site parity fetch (metric web6, issue 19). */
export function webHostsOf(jobs: readonly Job[], options: CrawlOptions | undefined): Set<string> {
  if (!(options?.metrics ?? []).includes("web6")) return new Set();
  return new Set(
    jobs.filter((job) => job.type === Feature.FEATURE_WWW && job.host !== "").map((job) => job.host),
  );
}

/** The message id of a host task: a WWW host's own, so that its earlier plain send does not swallow it. */
export function hostTaskKey(crawlId: string, host: string, web: boolean): string {
  return web ? `${crawlId}:${host}:web` : `${crawlId}:${host}`;
}

/** The jobs (and SOA) of one valid domain; the look-ups run side by side. */
export async function domainJobs(
  domain: string,
  options: CrawlOptions | undefined,
  dns: DnsAsker,
): Promise<{ jobs: Job[]; soa: Soa | undefined }> {
  const features = new Set(options?.features ?? []);
  const metrics = new Set(options?.metrics ?? []);
  const withNs = features.has(Feature.FEATURE_NS);
  const [ns, soaAnswer, mx] = await Promise.all([
    withNs ? dns.query(domain, "NS") : undefined,
    withNs && metrics.has("soa") ? dns.query(domain, "SOA") : undefined,
    features.has(Feature.FEATURE_MX) ? dns.query(domain, "MX") : undefined,
  ]);
  const jobs: Job[] = [];
  const add = (rows: JobRow[]) => {
    for (const row of rows)
      jobs.push({
        type: row.type,
        domain,
        host: row.host,
        priority: row.priority,
        outcome: toProto("OK"),
        rcode: 0,
      });
  };
  // SPEC 2 and change 6: a failed look-up still gives the feature a row, with the outcome.
  const addOrFail = (type: Feature, rows: JobRow[], answer: DnsAnswer, outcome?: DnsOutcome) => {
    if (rows.length > 0) add(rows);
    else
      jobs.push({
        type,
        domain,
        host: "",
        priority: 0,
        outcome: outcome ?? toProto(answer.outcome === "OK" ? "NODATA" : answer.outcome),
        rcode: otherRcode(answer),
      });
  };
  let soa: Soa | undefined;
  if (ns) {
    const rows = nsJobs(ns.records.map((r) => canonical((r as { data?: unknown }).data)));
    addOrFail(Feature.FEATURE_NS, rows, ns);
    if (soaAnswer) soa = soaOf(domain, soaAnswer, rows);
  }
  if (mx) {
    const exchanges = mx.records.map((r) => {
      const data = (r as { data?: { exchange?: unknown; preference?: unknown } }).data;
      return { exchange: canonical(data?.exchange), preference: Number(data?.preference ?? 0) };
    });
    // RFC 7505: "MX 0 ." alone says the domain takes no mail. It is no host (no row with host
    // "."), and not NODATA either: the MX row says NULL_MX.
    const nullMx = exchanges.length > 0 && exchanges.every((e) => isNullExchange(e.exchange));
    addOrFail(Feature.FEATURE_MX, mxJobs(exchanges), mx, nullMx ? DnsOutcome.DNS_OUTCOME_NULL_MX : undefined);
  }
  if (features.has(Feature.FEATURE_WWW))
    add(prefixedHosts(Feature.FEATURE_WWW, domain, options?.wwwPrefixes ?? []));
  if (features.has(Feature.FEATURE_NTP))
    add(prefixedHosts(Feature.FEATURE_NTP, domain, options?.ntpPrefixes ?? []));
  return { jobs, soa };
}

function soaOf(domain: string, answer: DnsAnswer, nsRows: readonly JobRow[]): Soa {
  const data = (answer.records[0] as { data?: Record<string, unknown> } | undefined)?.data;
  const record: SoaRecord | undefined = data
    ? {
        mname: canonical(data["mname"]),
        rname: canonical(data["rname"]),
        serial: uint32(data["serial"]),
        refresh: uint32(data["refresh"]),
        retry: uint32(data["retry"]),
        expire: uint32(data["expire"]),
        minimum: uint32(data["minimum"]),
      }
    : undefined;
  return {
    outcome: toProto(answer.outcome),
    rcode: otherRcode(answer),
    ...analyseSoa(
      domain,
      record,
      nsRows.map((row) => row.host),
    ),
    rname: record?.rname ?? "",
    serial: record?.serial ?? 0,
    refresh: record?.refresh ?? 0,
    retry: record?.retry ?? 0,
    expire: record?.expire ?? 0,
    minimum: record?.minimum ?? 0,
  };
}

function uint32(value: unknown): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : 0;
}

/** A name that cannot be asked still gets a row per enabled feature, so the crawl counts it done. */
function invalidDomainJobs(domain: string, options: CrawlOptions | undefined): Job[] {
  const order = [Feature.FEATURE_NS, Feature.FEATURE_MX, Feature.FEATURE_WWW, Feature.FEATURE_NTP];
  const enabled = new Set(options?.features ?? []);
  return order
    .filter((type) => enabled.has(type))
    .map((type) => ({ type, domain, host: "", priority: 0, outcome: toProto("INVALID_NAME"), rcode: 0 }));
}
