// The metrics of a crawl (SPEC section 4) by the names the configuration and
// the pipeline use (CrawlOptions.metrics) and by the enum clients may send
// instead (CrawlOptions.typed_metrics). Pure mapping; which metric is measured
// where is each service's business.

import { Metric } from "../../gen/ipv6matrix/v1/common.js";
import { InvalidArgumentError } from "./api-errors.js";

/** The configuration's metric names (what every service reads) and their enum. */
const metricNames: ReadonlyArray<readonly [Metric, string]> = [
  [Metric.METRIC_SOA, "soa"],
  [Metric.METRIC_REVERSE, "reverse"],
  [Metric.METRIC_GEOIP, "geoip"],
  [Metric.METRIC_PING, "ping"],
  [Metric.METRIC_TCP80, "tcp80"],
  [Metric.METRIC_TCP443, "tcp443"],
  [Metric.METRIC_TCP25, "tcp25"],
  [Metric.METRIC_TLS, "tls"],
  [Metric.METRIC_PATH, "path"],
  [Metric.METRIC_IP6TYPE, "ip6Type"],
  [Metric.METRIC_DNS6, "dns6"],
  [Metric.METRIC_WEB6, "web6"],
  [Metric.METRIC_NTP, "ntp"],
];

/** A submission's typed metrics as the names the pipeline carries. */
export function metricNamesOf(typed: readonly Metric[]): string[] {
  return typed.map((metric) => {
    const name = metricNames.find(([value]) => value === metric)?.[1];
    if (name === undefined)
      throw new InvalidArgumentError(`typed_metrics: ${metric} is not a metric this server knows`);
    return name;
  });
}

/** Stored metric names as the enum, for clients that read typed_metrics. */
export function typedMetricsOf(names: readonly string[]): Metric[] {
  return names.flatMap((name) => metricNames.filter(([, known]) => known === name).map(([metric]) => metric));
}
