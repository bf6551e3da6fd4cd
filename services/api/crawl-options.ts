// A crawl's options from the configuration (and the command's flags): what
// every message of the crawl carries, so each service measures what this
// crawl asked for whatever its own configuration says.

import { type CrawlOptions, Feature } from "../../gen/ipv6matrix/v1/common.js";
import type { Config } from "../runtime/config.js";

export function crawlOptionsFrom(config: Config, date: string): CrawlOptions {
  const features = (["NS", "MX", "WWW", "NTP"] as const)
    .filter((name) => config.features[name])
    .map((name) => Feature[`FEATURE_${name}`]);
  const metrics = Object.entries(config.metrics)
    .filter(([, on]) => on)
    .map(([name]) => name);
  return {
    features,
    metrics,
    wwwPrefixes: config.WWW.prefixes,
    ntpPrefixes: config.NTP.prefixes,
    date,
    nameservers: [],
    pingCount: config.ping.count,
    tcpTimeoutSeconds: config.tcp.timeout,
    smtpTimeoutSeconds: config.tcp.smtpTimeout,
    traceMaxTtl: config.trace.max_ttl,
    traceTimeoutSeconds: config.trace.timeout,
    typedMetrics: [],
  };
}

/** Today in UTC as YYYY-MM-DD: a crawl's default date label (SPEC 1). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function checkDate(text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const valid = match && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
  if (!valid) throw new Error(`--date ${text}: expected a calendar date as YYYY-MM-DD`);
  return text;
}
