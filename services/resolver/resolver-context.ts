// What the resolver's actors share: one DNS client per set of name servers
// (the configured ones, a crawl's own, else /etc/resolv.conf's), the ip6Type
// prefix table, and the per-crawl registries of what was already sent.

import { readFileSync } from "node:fs";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { PrefixSet } from "../runtime/address.js";
import { type Config, type Endpoint, parseEndpoint } from "../runtime/config.js";
import { CrawlWalkers } from "./chain6/crawl-walkers.js";
import { Ipv6Network } from "./chain6/network.js";
import { DnsClient } from "./dns-client.js";
import { type DnsAsker, dnsThreadUseful, ThreadedDnsClient } from "./dns-thread.js";
import { CrawlRegistry } from "./host-registry.js";
import { loadPrefixTable, type PrefixTable } from "./ip6-type.js";

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
    .map((addr) => parseEndpoint(addr.includes(":") ? `[${addr.replace(/%.*$/, "")}]` : addr, 53))
    .filter((endpoint): endpoint is Endpoint => endpoint !== null);
}

/** Resolver settings beyond those config.ts knows today (read when present, else the defaults). */
export interface ResolverSettings {
  readonly nameservers: Endpoint[];
  readonly timeout: number;
  readonly retries: number;
  readonly max_in_flight: number;
  readonly qps_per_server?: number;
  readonly sockets?: number;
  readonly registry_idle?: number;
  readonly dns_thread?: boolean;
}

export class ResolverContext {
  readonly prefixTable: PrefixTable;
  /**
   * Special-purpose ranges whose addresses count as valid all the same (decision 010):
   * resolver.valid_ranges, and prober.allow_ranges, as what may be measured must be valid.
   */
  readonly validRanges: PrefixSet;
  /** Host names sent on crawl.hosts. */
  readonly hostsSent: CrawlRegistry;
  /** Addresses sent on crawl.ips. */
  readonly addressesSent: CrawlRegistry;
  /** Addresses whose PTR was asked (host addresses and routers alike). */
  readonly reversed: CrawlRegistry;
  /** The dns6 chain walk, one walker (and cache of cuts) per crawl. */
  readonly dns6: CrawlWalkers;
  private readonly clients = new Map<string, DnsAsker>();
  private readonly settings: ResolverSettings;

  constructor(config: Config, systemServers: () => Endpoint[] = systemNameservers) {
    this.settings = config.resolver as ResolverSettings;
    this.prefixTable = loadPrefixTable(config.geoip.v6prefix);
    this.validRanges = new PrefixSet(
      [...config.prober.allow_ranges, ...config.resolver.valid_ranges],
      "prober.allow_ranges / resolver.valid_ranges",
    );
    const idleMs = (this.settings.registry_idle ?? 6 * 3600) * 1000;
    this.hostsSent = new CrawlRegistry(idleMs);
    this.addressesSent = new CrawlRegistry(idleMs);
    this.reversed = new CrawlRegistry(idleMs);
    this.systemServers = systemServers;
    // The walk sends only where the prober may probe: prober.allow_ranges, not resolver.valid_ranges.
    const allowRanges = new PrefixSet(config.prober.allow_ranges, "prober.allow_ranges");
    this.dns6 = new CrawlWalkers(
      new Ipv6Network({
        timeoutMs: this.settings.timeout * 1000,
        retries: this.settings.retries,
        // A socket per question in flight: a few hundred at most, whatever max_in_flight says.
        maxInFlight: Math.min(this.settings.max_in_flight, 256),
        allowRanges,
      }),
      {
        rootHints: config.resolver.root_hints ?? [],
        minServers: config.readiness?.min_ipv6_nameservers ?? 2,
        allowRanges,
      },
    );
  }

  private readonly systemServers: () => Endpoint[];

  /** The client for a crawl: its own name servers, else the configured ones, else /etc/resolv.conf's. */
  client(options?: CrawlOptions): DnsAsker {
    // Called for every message: the crawl's own name-server list, as given, finds the client.
    const given = options?.nameservers.join(",") ?? "";
    const known = this.byGiven.get(given);
    if (known) return known;
    const dns = this.clientFor(options);
    this.byGiven.set(given, dns);
    return dns;
  }

  private readonly byGiven = new Map<string, DnsAsker>();

  private clientFor(options?: CrawlOptions): DnsAsker {
    const named = (options?.nameservers ?? [])
      .map((ns) => parseEndpoint(ns, 53))
      .filter((e): e is Endpoint => !!e);
    const servers =
      named.length > 0
        ? named
        : this.settings.nameservers.length > 0
          ? this.settings.nameservers
          : this.systemServers();
    const key = servers.map((s) => `${s.host}:${s.port}`).join(",");
    let dns = this.clients.get(key);
    if (!dns) {
      const options = {
        servers,
        timeoutMs: this.settings.timeout * 1000,
        retries: this.settings.retries,
        maxInFlight: this.settings.max_in_flight,
        qpsPerServer: this.settings.qps_per_server ?? 0,
        sockets: this.settings.sockets,
      };
      dns =
        (this.settings.dns_thread ?? false) && dnsThreadUseful()
          ? new ThreadedDnsClient(options)
          : new DnsClient(options);
      this.clients.set(key, dns);
    }
    return dns;
  }

  /** A client of its own for one server named in a debugging request; the caller closes it. */
  oneOffClient(server: Endpoint): DnsClient {
    return new DnsClient({
      servers: [server],
      timeoutMs: this.settings.timeout * 1000,
      retries: this.settings.retries,
      maxInFlight: 1,
      sockets: 1,
    });
  }

  close(): void {
    this.dns6.close();
    for (const dns of this.clients.values()) dns.close();
    this.clients.clear();
    this.byGiven.clear();
  }
}
