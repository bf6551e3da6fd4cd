// The resolver's actors: a domain actor turns a domain into jobs (SPEC 2) and
// a host actor turns each distinct host into addresses (SPEC 3). They consume
// crawl.domains and crawl.hosts and publish on crawl.hosts, crawl.ips and
// crawl.results. No DNS logic here: see dns-client.ts, features.ts,
// soa-analysis.ts and ip6-type.ts.

import { readFileSync } from "node:fs";
import { type CrawlOptions, Family, Feature } from "../../gen/ipv6matrix/v1/common.js";
import {
  AddressTask,
  CrawlResult,
  DomainTask,
  type HostAddress,
  HostTask,
  type Job,
  type Soa,
} from "../../gen/ipv6matrix/v1/work.js";
import type { ActorDefinition } from "../runtime/actor.js";
import { type Config, type Endpoint, parseEndpoint } from "../runtime/config.js";
import { tldOf } from "../runtime/domain-name.js";
import { Subjects } from "../runtime/topology.js";
import { DnsClient } from "./dns-client.js";
import { type JobRow, mxJobs, nsJobs, prefixedHosts } from "./features.js";
import { classifyIpv6, loadPrefixTable } from "./ip6-type.js";
import { toProto } from "./outcome.js";
import { analyseSoa } from "./soa-analysis.js";

/** Which hosts and addresses a crawl has already sent on; each is sent once per crawl. */
class SeenRegistry {
  private readonly crawls = new Map<string, Set<string>>();
  has(crawl: string, name: string): boolean {
    return this.crawls.get(crawl)?.has(name) ?? false;
  }
  add(crawl: string, name: string): void {
    const seen = this.crawls.get(crawl) ?? new Set<string>();
    this.crawls.set(crawl, seen);
    seen.add(name);
  }
}

/** The name servers of /etc/resolv.conf, used when none are configured. */
export function systemNameservers(path = "/etc/resolv.conf"): Endpoint[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((addr): addr is string => addr !== undefined)
    .map((addr) => parseEndpoint(addr.includes(":") ? `[${addr}]` : addr, 53))
    .filter((endpoint): endpoint is Endpoint => endpoint !== null);
}

export interface ResolverService {
  readonly actors: ActorDefinition<DomainTask | HostTask>[];
  close(): void;
}

export function resolverActors(config: Config): ResolverService {
  const prefixTable = loadPrefixTable(config.geoip.v6prefix);
  const clients = new Map<string, DnsClient>();
  const client = (options: CrawlOptions | undefined) => {
    const named = (options?.nameservers ?? [])
      .map((ns) => parseEndpoint(ns, 53))
      .filter((e): e is Endpoint => !!e);
    const servers =
      named.length > 0
        ? named
        : config.resolver.nameservers.length > 0
          ? config.resolver.nameservers
          : systemNameservers();
    const key = servers.map((s) => `${s.host}:${s.port}`).join(",");
    let dns = clients.get(key);
    if (!dns) {
      dns = new DnsClient({
        servers,
        timeoutMs: config.resolver.timeout * 1000,
        retries: config.resolver.retries,
        maxInFlight: config.resolver.max_in_flight,
      });
      clients.set(key, dns);
    }
    return dns;
  };
  const hostsSent = new SeenRegistry();
  const addressesSent = new SeenRegistry();

  const domainActor: ActorDefinition<DomainTask> = {
    name: "resolver.domain",
    service: "resolver",
    subject: Subjects.domains,
    group: "resolver",
    maxInFlight: config.concurrency.domains,
    decode: (data) => DomainTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, context) {
      const options = task.options;
      const features = new Set(options?.features ?? []);
      const metrics = new Set(options?.metrics ?? []);
      const dns = client(options);
      const jobs: Job[] = [];
      const add = (rows: JobRow[]) => {
        for (const row of rows)
          jobs.push({
            type: row.type,
            domain: task.domain,
            host: row.host,
            priority: row.priority,
            outcome: toProto("OK"),
          });
      };
      const failed = (type: Feature, outcome: ReturnType<typeof toProto>) =>
        jobs.push({ type, domain: task.domain, host: "", priority: 0, outcome });

      let soa: Soa | undefined;
      if (features.has(Feature.FEATURE_NS)) {
        const [ns, soaAnswer] = await Promise.all([
          dns.query(task.domain, "NS"),
          metrics.has("soa") ? dns.query(task.domain, "SOA") : undefined,
        ]);
        const names = ns.records.map((r) => String((r as { data: unknown }).data));
        const rows = nsJobs(names);
        if (rows.length > 0) add(rows);
        else failed(Feature.FEATURE_NS, toProto(ns.outcome === "OK" ? "NODATA" : ns.outcome));
        if (soaAnswer) {
          const record = soaAnswer.records[0] as { data?: Record<string, unknown> } | undefined;
          const data = record?.data;
          const analysis = analyseSoa(
            task.domain,
            data
              ? {
                  mname: String(data["mname"]),
                  rname: String(data["rname"]),
                  serial: Number(data["serial"]),
                  refresh: Number(data["refresh"]),
                  retry: Number(data["retry"]),
                  expire: Number(data["expire"]),
                  minimum: Number(data["minimum"]),
                }
              : undefined,
            rows.map((row) => row.host),
          );
          soa = {
            outcome: toProto(soaAnswer.outcome),
            ...analysis,
            rname: data ? String(data["rname"]) : "",
            serial: data ? Number(data["serial"]) : 0,
            refresh: data ? Number(data["refresh"]) : 0,
            retry: data ? Number(data["retry"]) : 0,
            expire: data ? Number(data["expire"]) : 0,
            minimum: data ? Number(data["minimum"]) : 0,
          };
        }
      }
      if (features.has(Feature.FEATURE_MX)) {
        const mx = await dns.query(task.domain, "MX");
        const rows = mxJobs(
          mx.records.map((r) => (r as { data: { exchange: string; preference: number } }).data),
        );
        if (rows.length > 0) add(rows);
        else failed(Feature.FEATURE_MX, toProto(mx.outcome === "OK" ? "NODATA" : mx.outcome));
      }
      if (features.has(Feature.FEATURE_WWW))
        add(prefixedHosts(Feature.FEATURE_WWW, task.domain, options?.wwwPrefixes ?? []));
      if (features.has(Feature.FEATURE_NTP))
        add(prefixedHosts(Feature.FEATURE_NTP, task.domain, options?.ntpPrefixes ?? []));

      // Hosts go out before the domain's result is stored, so that a crash in
      // between redelivers the domain and the hosts are sent again, never lost.
      for (const job of jobs) {
        if (job.host === "" || hostsSent.has(task.crawlId, job.host)) continue;
        const hostTask = HostTask.encode({ crawlId: task.crawlId, host: job.host, options }).finish();
        await context.publish(Subjects.hosts, hostTask, `${task.crawlId}:${job.host}`);
        hostsSent.add(task.crawlId, job.host);
      }
      const result = CrawlResult.encode({
        result: {
          $case: "domain",
          value: { crawlId: task.crawlId, domain: task.domain, tld: tldOf(task.domain), jobs, soa },
        },
      }).finish();
      await context.publish(Subjects.results, result, `domain:${task.crawlId}:${task.domain}`);
    },
  };

  const hostActor: ActorDefinition<HostTask> = {
    name: "resolver.host",
    service: "resolver",
    subject: Subjects.hosts,
    group: "resolver",
    maxInFlight: config.concurrency.hosts,
    decode: (data) => HostTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, context) {
      const dns = client(task.options);
      const [a, aaaa] = await Promise.all([dns.query(task.host, "A"), dns.query(task.host, "AAAA")]);
      const classify = (task.options?.metrics ?? []).includes("ip6Type");
      const addresses: HostAddress[] = [
        ...a.records.map((r) => ({
          ip: String((r as { data: unknown }).data),
          family: Family.FAMILY_IPV4,
          ip6Type: "",
          eui64: false,
        })),
        ...aaaa.records.map((r) => {
          const ip = String((r as { data: unknown }).data);
          const kind = classify ? classifyIpv6(ip, prefixTable) : { type: "", eui64: false };
          return { ip, family: Family.FAMILY_IPV6, ip6Type: kind.type, eui64: kind.eui64 };
        }),
      ];
      // The legacy view measures the first address of each family (SPEC 4).
      for (const family of [Family.FAMILY_IPV4, Family.FAMILY_IPV6]) {
        const first = addresses.find((address) => address.family === family);
        if (!first || addressesSent.has(task.crawlId, first.ip)) continue;
        const addressTask = AddressTask.encode({
          crawlId: task.crawlId,
          ip: first.ip,
          family,
          options: task.options,
        }).finish();
        await context.publish(Subjects.ips, addressTask, `${task.crawlId}:${first.ip}`);
        addressesSent.add(task.crawlId, first.ip);
      }
      const result = CrawlResult.encode({
        result: {
          $case: "host",
          value: {
            crawlId: task.crawlId,
            host: task.host,
            aOutcome: toProto(a.outcome),
            aaaaOutcome: toProto(aaaa.outcome),
            addresses,
            cnameChain: a.cnameChain.length > 0 ? a.cnameChain : aaaa.cnameChain,
          },
        },
      }).finish();
      await context.publish(Subjects.results, result, `host:${task.crawlId}:${task.host}`);
    },
  };

  return {
    actors: [
      domainActor as ActorDefinition<DomainTask | HostTask>,
      hostActor as ActorDefinition<DomainTask | HostTask>,
    ],
    close: () => {
      for (const dns of clients.values()) dns.close();
    },
  };
}
