// The grafana-clickhouse-datasource query, as a foundation-SDK Dataquery (the SDK
// ships builders for core data sources only): raw SQL with the plugin's macros.
// It builds queries; expanding their macros is the test's (test/deploy/macros.ts).

import type { Builder, Dataquery } from "@grafana/grafana-foundation-sdk/cog";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";

/** The data source the provisioning file (deploy/grafana/provisioning) declares. */
export const clickhouse: DataSourceRef = {
  type: "grafana-clickhouse-datasource",
  uid: "ipv6matrix-clickhouse",
};
/** The Prometheus data source the operations dashboard reads. */
export const prometheus: DataSourceRef = { type: "prometheus", uid: "ipv6matrix-prometheus" };

/** The plugin's result formats (its Format enum). */
export const Format = { timeSeries: 0, table: 1 } as const;

export interface ClickHouseQuery extends Dataquery {
  refId?: string;
  hide?: boolean;
  datasource: DataSourceRef;
  editorType: "sql";
  queryType: "timeseries" | "table";
  format: number;
  rawSql: string;
}

export class ClickHouseQueryBuilder implements Builder<Dataquery> {
  private readonly query: ClickHouseQuery;

  constructor(rawSql: string, shape: "timeseries" | "table" = "table") {
    this.query = {
      refId: "A",
      datasource: clickhouse,
      editorType: "sql",
      queryType: shape,
      format: shape === "timeseries" ? Format.timeSeries : Format.table,
      rawSql: rawSql.trim(),
      _implementsDataqueryVariant() {},
    };
  }

  build(): ClickHouseQuery {
    return this.query;
  }
}
