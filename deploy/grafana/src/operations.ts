// The operations dashboard: the services' Prometheus metrics (services/runtime/metrics.ts,
// services/resolver/dns-metrics.ts, services/prober/actors.ts) per stage. Every metric
// name used here is checked against what `serve all` exports on /metrics
// (test/deploy/dashboards.test.ts); it defines no metric.

import {
  type Dashboard,
  DashboardBuilder,
  QueryVariableBuilder,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { prometheus } from "./clickhouse.js";

/** Each panel's PromQL, by panel title; `legend` is the series name template. */
export const operationsQueries: Record<string, { expr: string; legend: string; unit: string }[]> = {
  "Messages handled per second, by actor": [
    {
      expr: 'sum by (actor) (rate(ipv6matrix_actor_handled_total{job=~"$job"}[$__rate_interval]))',
      legend: "{{actor}}",
      unit: "ops",
    },
  ],
  "In flight and waiting, by actor": [
    {
      expr: 'sum by (actor) (ipv6matrix_actor_in_flight{job=~"$job"})',
      legend: "{{actor}} in flight",
      unit: "short",
    },
    {
      expr: 'sum by (actor) (ipv6matrix_actor_mailbox_depth{job=~"$job"})',
      legend: "{{actor}} waiting",
      unit: "short",
    },
  ],
  "Failures and dead letters per second, by actor": [
    {
      expr: 'sum by (actor) (rate(ipv6matrix_actor_failed_total{job=~"$job"}[$__rate_interval]))',
      legend: "{{actor}} failed",
      unit: "ops",
    },
    {
      expr: 'sum by (actor) (rate(ipv6matrix_actor_dead_letters_total{job=~"$job"}[$__rate_interval]))',
      legend: "{{actor}} dead letters",
      unit: "ops",
    },
  ],
  "Actor latency (p50, p95), delivery to acknowledgement": [
    {
      expr: 'histogram_quantile(0.5, sum by (actor, le) (rate(ipv6matrix_actor_latency_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      legend: "{{actor}} p50",
      unit: "s",
    },
    {
      expr: 'histogram_quantile(0.95, sum by (actor, le) (rate(ipv6matrix_actor_latency_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      legend: "{{actor}} p95",
      unit: "s",
    },
  ],
  "DNS questions per second, by outcome": [
    {
      expr: 'sum by (outcome) (rate(ipv6matrix_dns_questions_total{job=~"$job"}[$__rate_interval]))',
      legend: "{{outcome}}",
      unit: "ops",
    },
  ],
  "DNS queries sent, in flight and answers dropped": [
    {
      expr: 'sum by (transport) (rate(ipv6matrix_dns_queries_sent_total{job=~"$job"}[$__rate_interval]))',
      legend: "sent {{transport}}/s",
      unit: "short",
    },
    { expr: 'sum(ipv6matrix_dns_queries_in_flight{job=~"$job"})', legend: "in flight", unit: "short" },
    {
      expr: 'sum by (why) (rate(ipv6matrix_dns_answers_dropped_total{job=~"$job"}[$__rate_interval]))',
      legend: "dropped {{why}}/s",
      unit: "short",
    },
  ],
  "Probe ICMP events per second (sent, replies, timeouts, ...)": [
    {
      expr: 'sum by (event) (rate(ipv6matrix_prober_icmp_events{job=~"$job"}[$__rate_interval]))',
      legend: "{{event}}",
      unit: "ops",
    },
  ],
  "Store insert latency (p50, p95) and errors, by table": [
    {
      expr: 'histogram_quantile(0.5, sum by (table, le) (rate(ipv6matrix_store_insert_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      legend: "{{table}} p50",
      unit: "s",
    },
    {
      expr: 'histogram_quantile(0.95, sum by (table, le) (rate(ipv6matrix_store_insert_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      legend: "{{table}} p95",
      unit: "s",
    },
    {
      expr: 'sum by (table) (rate(ipv6matrix_store_insert_seconds_count{job=~"$job", outcome="error"}[$__rate_interval]))',
      legend: "{{table}} errors/s",
      unit: "s",
    },
  ],
  "Resident memory, by instance": [
    { expr: 'ipv6matrix_process_resident_memory_bytes{job=~"$job"}', legend: "{{instance}}", unit: "bytes" },
  ],
  "CPU (cores), by instance": [
    {
      expr: 'rate(ipv6matrix_process_cpu_seconds_total{job=~"$job"}[$__rate_interval])',
      legend: "{{instance}}",
      unit: "short",
    },
  ],
};

export function operationsDashboard(): Dashboard {
  const builder = new DashboardBuilder("IPv6 Matrix: operations")
    .uid("ipv6matrix-operations")
    .tags(["ipv6matrix"])
    .description(
      "The services' Prometheus metrics: stage rates, work in flight, failures, DNS and probe outcomes, store inserts.",
    )
    .time({ from: "now-6h", to: "now" })
    .timezone("utc")
    .refresh("30s")
    .editable()
    .withVariable(
      new QueryVariableBuilder("job")
        .label("Job")
        .datasource(prometheus)
        .query("label_values(ipv6matrix_actor_handled_total, job)")
        .multi(true)
        .includeAll(true)
        .allValue(".*"),
    );
  let index = 0;
  for (const [title, queries] of Object.entries(operationsQueries)) {
    const panel = new TimeSeriesPanel()
      .title(title)
      .datasource(prometheus)
      .unit(queries[0]!.unit)
      .gridPos({ x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h: 8 });
    queries.forEach((query, i) => {
      panel.withTarget(
        new DataqueryBuilder()
          .refId(String.fromCharCode(65 + i))
          .datasource(prometheus)
          .expr(query.expr)
          .legendFormat(query.legend),
      );
    });
    builder.withPanel(panel);
    index += 1;
  }
  return builder.build();
}
