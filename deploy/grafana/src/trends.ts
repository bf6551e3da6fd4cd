// The trends dashboard: the four summaries (services/runtime/migrations/004) and
// Readiness (014, issue 19) of published crawls, over time and for two crawls side by side, read through the
// ClickHouse data source. Its SQL is tested on a lab crawl (test/deploy/dashboards.test.ts);
// it computes nothing the summaries do not already hold.

import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  type Dashboard,
  DashboardBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as GeomapPanel } from "@grafana/grafana-foundation-sdk/geomap";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { ClickHouseQueryBuilder, clickhouse } from "./clickhouse.js";

/** Trends see published crawls only (`ipv6matrix publish`, or publish.auto). */
const published = "crawl_id IN (SELECT crawl_id FROM crawls FINAL WHERE published = 1)";
const byCountryAndTld = `country IN (\${country:singlequote}) AND tld IN (\${tld:singlequote})`;

export const trendsSql = {
  penetrationByCountry: `
SELECT toDateTime(date) AS time, country, round(100 * sum(domains6) / sum(domains), 2) AS penetration
FROM domain_penetration
WHERE $__dateFilter(date) AND ${published} AND ${byCountryAndTld}
GROUP BY time, country
ORDER BY time, country`,
  penetrationByTld: `
SELECT toDateTime(date) AS time, tld, round(100 * sum(domains6) / sum(domains), 2) AS penetration
FROM domain_penetration
WHERE $__dateFilter(date) AND ${published} AND ${byCountryAndTld}
GROUP BY time, tld
ORDER BY time, tld`,
  hostsWithIpv6ByService: `
SELECT toDateTime(date) AS time, type AS service,
  round(100 * sum(hosts6 + dualstack) / nullIf(sum(hosts - noip), 0), 2) AS ipv6_hosts
FROM host_data
WHERE $__dateFilter(date) AND ${published} AND ${byCountryAndTld} AND type IN (\${service:singlequote})
GROUP BY time, service
ORDER BY time, service`,
  dualStackAndIpv6Only: `
SELECT toDateTime(date) AS time,
  sum(hosts - noip) AS resolved,
  round(100 * sum(dualstack) / nullIf(resolved, 0), 2) AS dual_stack,
  round(100 * sum(hosts6) / nullIf(resolved, 0), 2) AS ipv6_only,
  round(100 * sum(hosts4) / nullIf(resolved, 0), 2) AS ipv4_only
FROM host_data
WHERE $__dateFilter(date) AND ${published} AND ${byCountryAndTld} AND type IN (\${service:singlequote})
GROUP BY time
ORDER BY time`,
  reachabilityByService: `
SELECT service,
  sum(hosts4) AS v4_hosts, sum(reach4) AS v4_reached, round(100 * v4_reached / nullIf(v4_hosts, 0), 1) AS v4_reached_pct,
  sum(hosts6) AS v6_hosts, sum(reach6) AS v6_reached, round(100 * v6_reached / nullIf(v6_hosts, 0), 1) AS v6_reached_pct
FROM reachability
WHERE crawl_id = '\${crawl_b}' AND ${byCountryAndTld}
GROUP BY service
ORDER BY service`,
  rttAndHops: `
SELECT type AS service,
  sum(pinghosts) AS ping_hosts,
  round(sum(ping4) / nullIf(ping_hosts, 0), 2) AS rtt4_ms,
  round(sum(ping6) / nullIf(ping_hosts, 0), 2) AS rtt6_ms,
  round(100 * sum(faster) / nullIf(ping_hosts, 0), 1) AS ipv6_faster_pct,
  sum(pathhosts) AS path_hosts,
  round(sum(hops4) / nullIf(path_hosts, 0), 2) AS hops4_avg,
  round(sum(hops6) / nullIf(path_hosts, 0), 2) AS hops6_avg,
  round(100 * sum(fewer) / nullIf(path_hosts, 0), 1) AS ipv6_fewer_hops_pct
FROM host_data
WHERE crawl_id = '\${crawl_b}' AND ${byCountryAndTld} AND type IN (\${service:singlequote})
GROUP BY service
ORDER BY service`,
  worldMap: `
SELECT country, sum(domains) AS domain_count, round(100 * sum(domains6) / domain_count, 1) AS penetration
FROM domain_penetration
WHERE crawl_id = '\${crawl_b}' AND country != 'ZZ' AND tld IN (\${tld:singlequote})
GROUP BY country
ORDER BY country`,
  twoCrawls: `
SELECT country,
  sumIf(domains, crawl_id = '\${crawl_a}') AS domains_a,
  round(100 * sumIf(domains6, crawl_id = '\${crawl_a}') / nullIf(domains_a, 0), 2) AS penetration_a,
  sumIf(domains, crawl_id = '\${crawl_b}') AS domains_b,
  round(100 * sumIf(domains6, crawl_id = '\${crawl_b}') / nullIf(domains_b, 0), 2) AS penetration_b,
  round(penetration_b - penetration_a, 2) AS change
FROM domain_penetration
WHERE crawl_id IN ('\${crawl_a}', '\${crawl_b}') AND ${byCountryAndTld}
GROUP BY country
ORDER BY country`,
  domainHistory: `
SELECT date, crawl_id, country,
  www_hosts, www_hosts6, ns_hosts, ns_hosts6, mx_hosts, mx_hosts6, ntp_hosts, ntp_hosts6,
  http4, http6, https4, https6, smtp4, smtp6, pingratio, hopratio, method
FROM domains
WHERE domain = '\${domain}' AND ${published}
ORDER BY date`,
  // Issue 19: of the domains with a readiness verdict, those a client with IPv6 alone could use.
  readinessByTld: `
SELECT toDateTime(date) AS time, tld,
  round(100 * sum(ipv6_only_ready_yes) / nullIf(sum(ipv6_only_ready_applicable), 0), 2) AS ipv6_only_ready
FROM readiness
WHERE $__dateFilter(date) AND ${published} AND ${byCountryAndTld}
GROUP BY time, tld
ORDER BY time, tld`,
  readinessVerdicts: `
SELECT verdict, applicable, yes, round(100 * yes / nullIf(applicable, 0), 1) AS yes_pct
FROM (
  SELECT
    [sum(dns6_applicable), sum(web6_applicable), sum(web6_same_applicable), sum(mail6_applicable),
     sum(ntp6_applicable), sum(ipv6_only_ready_applicable)] AS applicables,
    [sum(dns6_yes), sum(web6_yes), sum(web6_same_yes), sum(mail6_yes), sum(ntp6_yes), sum(ipv6_only_ready_yes)] AS yeses
  FROM readiness
  WHERE crawl_id = '\${crawl_b}' AND ${byCountryAndTld}
)
ARRAY JOIN ['dns6', 'web6', 'web6_same', 'mail6', 'ntp6', 'ipv6_only_ready'] AS verdict, applicables AS applicable, yeses AS yes`,
} as const;

export const trendsVariableSql = {
  // A domain's country (penetration, domains) and a host's (hosts, reachability) differ: both.
  country:
    "SELECT DISTINCT country FROM (SELECT country FROM domain_penetration UNION ALL SELECT country FROM host_data) ORDER BY country",
  tld: "SELECT DISTINCT tld FROM domain_penetration ORDER BY tld",
  crawl: "SELECT crawl_id FROM crawls FINAL WHERE published = 1 ORDER BY date, crawl_id",
} as const;

/**
 * A change of measurement method (crawls imported from the original crawler are method 1,
 * this crawler's method 2): a trend line across it compares two methods.
 */
export const methodChangeSql = `
SELECT time, concat('measurement method ', toString(method), ' from this date on') AS text
FROM (
  SELECT toDateTime(date) AS time, method,
    lagInFrame(method, 1, method) OVER (ORDER BY date ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous
  FROM (SELECT date, max(method) AS method FROM domain_penetration WHERE ${published} GROUP BY date)
)
WHERE method != previous AND $__timeFilter(time)
ORDER BY time`;

const query = (name: string, sql: string) =>
  new QueryVariableBuilder(name)
    .datasource(clickhouse)
    .query(sql)
    .definition(sql)
    .refresh(VariableRefresh.OnDashboardLoad);

const at = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

export function trendsDashboard(): Dashboard {
  return new DashboardBuilder("IPv6 Matrix: trends")
    .uid("ipv6matrix-trends")
    .tags(["ipv6matrix"])
    .description(
      "The four summaries and Readiness of published crawls (ClickHouse): penetration, hosts, reachability, RTT and hops, IPv6-only readiness.",
    )
    .time({ from: "now-2y", to: "now" })
    .timezone("utc")
    .editable()
    .withVariable(query("country", trendsVariableSql.country).label("Country").multi(true).includeAll(true))
    .withVariable(query("tld", trendsVariableSql.tld).label("TLD").multi(true).includeAll(true))
    .withVariable(
      new CustomVariableBuilder("service")
        .label("Service")
        .values("WWW,MX,NS,NTP")
        .multi(true)
        .includeAll(true),
    )
    .withVariable(
      query("crawl_a", trendsVariableSql.crawl).label("Crawl A").sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      query("crawl_b", trendsVariableSql.crawl).label("Crawl B").sort(VariableSort.AlphabeticalDesc),
    )
    .withVariable(new TextBoxVariableBuilder("domain").label("Domain").defaultValue("example.com"))
    .annotation(
      new AnnotationQueryBuilder()
        .name("Method changes")
        .datasource(clickhouse)
        .enable(true)
        .iconColor("orange")
        .target(new ClickHouseQueryBuilder(methodChangeSql, "table")),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("IPv6 penetration by country")
        .description("Domains with at least one IPv6 host (any service), % of the country's domains.")
        .unit("percent")
        .min(0)
        .gridPos(at(0, 0, 12, 9))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.penetrationByCountry, "timeseries")),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("IPv6 penetration by TLD")
        .unit("percent")
        .min(0)
        .gridPos(at(12, 0, 12, 9))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.penetrationByTld, "timeseries")),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Hosts with IPv6 by service")
        .description(
          "Host rows (WWW, MX, NS, NTP) with an AAAA: IPv6-only and dual-stack, % of the service's hosts.",
        )
        .unit("percent")
        .min(0)
        .gridPos(at(0, 9, 12, 9))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.hostsWithIpv6ByService, "timeseries")),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("Dual-stack and IPv6-only shares")
        .description("% of the hosts that resolve: both families, IPv6 only, IPv4 only.")
        .unit("percent")
        .min(0)
        .gridPos(at(12, 9, 12, 9))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.dualStackAndIpv6Only, "timeseries")),
    )
    .withPanel(
      new TablePanel()
        .title("Reachability over IPv4 and IPv6 by service (crawl B)")
        .description(
          "HTTP and HTTPS over WWW hosts, SMTP over MX hosts: hosts with an address of the family, and those that answered.",
        )
        .gridPos(at(0, 18, 12, 8))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.reachabilityByService)),
    )
    .withPanel(
      new TablePanel()
        .title("RTT and hops, IPv4 vs IPv6 (crawl B)")
        .description(
          "Mean ping RTT and traceroute hops over hosts measured on both families; shares where IPv6 is faster or shorter.",
        )
        .gridPos(at(12, 18, 12, 8))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.rttAndHops)),
    )
    .withPanel(
      new GeomapPanel()
        .title("IPv6 penetration by country (crawl B)")
        .unit("percent")
        .gridPos(at(0, 26, 12, 12))
        .basemap({ build: () => ({ type: "default", name: "Basemap", config: {} }) })
        .layers([
          {
            build: () => ({
              type: "markers",
              name: "penetration",
              location: {
                mode: "lookup" as never,
                lookup: "country",
                gazetteer: "public/gazetteer/countries.json",
              },
              config: {
                showLegend: true,
                style: {
                  color: { field: "penetration", fixed: "dark-green" },
                  size: { field: "domain_count", min: 4, max: 20, fixed: 5 },
                },
              },
              tooltip: true,
            }),
          },
        ])
        .withTarget(new ClickHouseQueryBuilder(trendsSql.worldMap)),
    )
    .withPanel(
      new TablePanel()
        .title("Crawl A and crawl B side by side")
        .description("Penetration by country in the two crawls chosen above, and the change.")
        .gridPos(at(12, 26, 12, 12))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.twoCrawls)),
    )
    .withPanel(
      new TablePanel()
        .title("History of $domain")
        .description("The domain's Domains summary row in every published crawl.")
        .gridPos(at(0, 38, 24, 8))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.domainHistory)),
    )
    .withPanel(
      new TimeSeriesPanel()
        .title("IPv6-only readiness by TLD")
        .description(
          "Domains a client with IPv6 alone could use (DNS chain, web, mail, time over IPv6, the same site), " +
            "% of the domains with a readiness verdict.",
        )
        .unit("percent")
        .min(0)
        .gridPos(at(0, 46, 12, 9))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.readinessByTld, "timeseries")),
    )
    .withPanel(
      new TablePanel()
        .title("Readiness verdicts (crawl B)")
        .description(
          "Per verdict: the domains it applies to and was measured for, those that passed, and their share.",
        )
        .gridPos(at(12, 46, 12, 9))
        .withTarget(new ClickHouseQueryBuilder(trendsSql.readinessVerdicts)),
    )
    .build();
}
