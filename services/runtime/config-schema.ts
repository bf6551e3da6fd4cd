// The configuration's contract: every key with the kind of value it takes (the schema), and
// the typed Config the program reads. Loading, overriding and checking a value against its
// kind is config.ts's.

export type Kind =
  | { type: "bool" }
  | { type: "int"; min: number; max: number }
  | { type: "number"; min: number; max: number }
  | { type: "string"; allowed?: readonly string[] }
  | { type: "path" }
  | { type: "url"; schemes: readonly string[] }
  | { type: "names" }
  | { type: "endpoints"; defaultPort: number }
  | { type: "endpoint"; defaultPort: number }
  | { type: "cidrs" }
  | { type: "ipv6s" }
  | { type: "urls"; schemes: readonly string[] };

const bool = { type: "bool" } as const;
const seconds = (max: number) => ({ type: "number", min: 0.001, max }) as const;

/** Every key of the configuration: the public contract (README, "Configuration"). */
export const schema: Readonly<Record<string, Kind>> = {
  "features.NS": bool,
  "features.MX": bool,
  "features.WWW": bool,
  "features.NTP": bool,
  "metrics.soa": bool,
  "metrics.reverse": bool,
  "metrics.geoip": bool,
  "metrics.ping": bool,
  "metrics.tcp80": bool,
  "metrics.tcp443": bool,
  "metrics.tcp25": bool,
  "metrics.tls": bool,
  "metrics.path": bool,
  "metrics.ip6Type": bool,
  "metrics.dns6": bool,
  "metrics.web6": bool,
  "metrics.ntp": bool,
  "WWW.prefixes": { type: "names" },
  "NTP.prefixes": { type: "names" },
  "ping.count": { type: "int", min: 0, max: 100 },
  "ping.interval": seconds(10),
  "ping.timeout": seconds(60),
  "tcp.timeout": seconds(120),
  "tcp.smtpTimeout": seconds(300),
  "ntp_probe.timeout": seconds(60),
  "ntp_probe.retries": { type: "int", min: 0, max: 5 },
  "trace.max_ttl": { type: "int", min: 1, max: 255 },
  "trace.timeout": seconds(60),
  "geoip.citydb": { type: "path" },
  "geoip.asndb": { type: "path" },
  "geoip.v6prefix": { type: "path" },
  "domain.blocklist": { type: "path" },
  "resolver.nameservers": { type: "endpoints", defaultPort: 53 },
  "resolver.timeout": seconds(60),
  "resolver.retries": { type: "int", min: 0, max: 10 },
  "resolver.max_in_flight": { type: "int", min: 1, max: 100_000 },
  "resolver.qps_per_server": { type: "int", min: 0, max: 1_000_000 },
  "resolver.sockets": { type: "int", min: 1, max: 1024 },
  "resolver.registry_idle": { type: "number", min: 1, max: 30 * 86400 },
  "resolver.dns_thread": bool,
  "resolver.allow_nameservers": { type: "cidrs" },
  "resolver.valid_ranges": { type: "cidrs" },
  "resolver.root_hints": { type: "ipv6s" },
  "readiness.min_ipv6_nameservers": { type: "int", min: 1, max: 13 },
  "prober.allow_ranges": { type: "cidrs" },
  "prober.pps": { type: "int", min: 1, max: 1_000_000 },
  "prober.per_destination_pps": { type: "int", min: 1, max: 10_000 },
  "prober.caller_budget": { type: "int", min: 0, max: 1_000_000 },
  "web.connect_timeout": seconds(120),
  "web.timeout": seconds(600),
  "web.body_cap_bytes": { type: "int", min: 1024, max: 100_000_000 },
  "web.concurrency": { type: "int", min: 1, max: 10_000 },
  "web.max_redirects": { type: "int", min: 0, max: 20 },
  "web.similarity_threshold": { type: "number", min: 0, max: 100 },
  "concurrency.domains": { type: "int", min: 1, max: 100_000 },
  "concurrency.hosts": { type: "int", min: 1, max: 100_000 },
  "concurrency.addresses": { type: "int", min: 1, max: 100_000 },
  "store.data_dir": { type: "path" },
  "store.url": { type: "url", schemes: ["http", "https"] },
  "store.max_memory_mb": { type: "int", min: 0, max: 1_000_000 },
  "nats.servers": { type: "urls", schemes: ["nats", "tls"] },
  "api.listen": { type: "endpoint", defaultPort: 7600 },
  "api.max_domains": { type: "int", min: 1, max: 100_000_000 },
  "api.token": { type: "string" },
  "api.token_file": { type: "path" },
  "api.tls_cert": { type: "path" },
  "api.tls_key": { type: "path" },
  "api.max_source_bytes": { type: "int", min: 1024, max: 100_000_000_000 },
  "api.max_running_crawls": { type: "int", min: 1, max: 10_000 },
  "api.source_dir": { type: "path" },
  "api.source_allow_ranges": { type: "cidrs" },
  "api.source_timeout": seconds(3600),
  "api.allow_insecure": bool,
  "publish.auto": bool,
  "telemetry.listen": { type: "endpoint", defaultPort: 9464 },
  "telemetry.log_level": { type: "string", allowed: ["trace", "debug", "info", "warn", "error", "silent"] },
};

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface Config {
  readonly features: { NS: boolean; MX: boolean; WWW: boolean; NTP: boolean };
  readonly metrics: {
    soa: boolean;
    reverse: boolean;
    geoip: boolean;
    ping: boolean;
    tcp80: boolean;
    tcp443: boolean;
    tcp25: boolean;
    tls: boolean;
    path: boolean;
    ip6Type: boolean;
    /** The IPv6-only chain walk from the root (resolver/chain6, issue 19). */
    dns6: boolean;
    web6: boolean;
    ntp: boolean;
  };
  readonly WWW: { prefixes: string[] };
  readonly NTP: { prefixes: string[] };
  readonly ping: { count: number; interval: number; timeout: number };
  readonly tcp: { timeout: number; smtpTimeout: number };
  /** The NTP probe (issue 19); `NTP:` is the host prefixes, hence the other name. */
  readonly ntp_probe: { timeout: number; retries: number };
  readonly trace: { max_ttl: number; timeout: number };
  readonly geoip: { citydb: string; asndb: string; v6prefix: string };
  readonly domain: { blocklist: string };
  readonly resolver: {
    nameservers: Endpoint[];
    timeout: number;
    retries: number;
    max_in_flight: number;
    qps_per_server: number;
    sockets: number;
    registry_idle: number;
    dns_thread: boolean;
    allow_nameservers: string[];
    valid_ranges: string[];
    /** The root servers' IPv6 addresses, where the chain walk starts. */
    root_hints: string[];
  };
  readonly readiness: {
    /** IPv6-answering name servers the domain's own zone needs for dns6 (RFC 2182, 3901bis). */
    min_ipv6_nameservers: number;
  };
  readonly prober: {
    allow_ranges: string[];
    pps: number;
    per_destination_pps: number;
    caller_budget: number;
  };
  readonly web: {
    connect_timeout: number;
    timeout: number;
    body_cap_bytes: number;
    concurrency: number;
    max_redirects: number;
    similarity_threshold: number;
  };
  readonly concurrency: { domains: number; hosts: number; addresses: number };
  readonly store: { data_dir: string; url: string; max_memory_mb: number };
  readonly nats: { servers: string[] };
  readonly api: {
    listen: Endpoint | null;
    max_domains: number;
    max_source_bytes: number;
    max_running_crawls: number;
    source_dir: string;
    source_allow_ranges: string[];
    source_timeout: number;
    allow_insecure: boolean;
    token: string;
    token_file: string;
    tls_cert: string;
    tls_key: string;
  };
  readonly publish: { auto: boolean };
  readonly telemetry: { listen: Endpoint | null; log_level: string };
  /** Where each value came from, for messages. */
  readonly sources: Readonly<Record<string, string>>;
}
