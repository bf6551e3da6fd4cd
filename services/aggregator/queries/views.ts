// The data views of the original website (SPEC section 5, last paragraph) as
// SQL over the summary tables: hosts, domains, reach, dualstack, ping, path;
// and readiness (issue 19);
// grouped by TLD, country or type; filtered by countries, types, TLDs and a
// minimum sample. Pure: builds SQL text and its parameters, runs nothing.
// ZZ rows are left out of the HostData and Reachability views (SPEC).

import { InvalidArgumentError } from "../../runtime/api-errors.js";
import { isCalendarDate } from "../../runtime/crawls.js";
import type { Params } from "../../runtime/store.js";

export interface ViewFilter {
  readonly countries?: readonly string[];
  readonly types?: readonly string[];
  readonly tlds?: readonly string[];
  readonly minSample?: number;
}

interface ViewSpec {
  readonly table: string;
  /** What "type" means for this view's rows (feature type or service), if anything. */
  readonly typeColumn?: string;
  /** Aggregates, with SPEC's names; the first is the sample size compared with minSample. */
  readonly measures: readonly string[];
  readonly placedOnly: boolean;
}

export const views: Readonly<Record<string, ViewSpec>> = {
  hosts: {
    table: "host_data",
    typeColumn: "type",
    measures: ["sum(hosts) AS hosts", "sum(hosts6 + dualstack) AS hosts_ipv6"],
    placedOnly: true,
  },
  domains: {
    table: "domain_penetration",
    measures: [
      "sum(domains) AS domains",
      "sum(domains6) AS domains6",
      "sum(www) AS www",
      "sum(ns) AS ns",
      "sum(mx) AS mx",
      "sum(ntp) AS ntp",
    ],
    placedOnly: false,
  },
  reach: {
    table: "reachability",
    typeColumn: "service",
    measures: [
      "sum(hosts4) AS hosts4",
      "sum(hosts6) AS hosts6",
      "sum(reach4) AS reach4",
      "sum(reach6) AS reach6",
    ],
    placedOnly: true,
  },
  dualstack: {
    table: "host_data",
    typeColumn: "type",
    measures: [
      "sum(hosts) AS hosts",
      "sum(dualstack) AS dualstack",
      "sum(hosts4) AS hosts4",
      "sum(hosts6) AS hosts6",
      "sum(noip) AS noip",
    ],
    placedOnly: true,
  },
  ping: {
    table: "host_data",
    typeColumn: "type",
    measures: [
      "sum(pinghosts) AS pinghosts",
      "sum(faster) AS faster",
      "sum(ping4) AS ping4",
      "sum(ping6) AS ping6",
    ],
    placedOnly: true,
  },
  path: {
    table: "host_data",
    typeColumn: "type",
    measures: [
      "sum(pathhosts) AS pathhosts",
      "sum(fewer) AS fewer",
      "sum(hops4) AS hops4",
      "sum(hops6) AS hops6",
    ],
    placedOnly: true,
  },
  // Issue 19: per verdict, the domains it applies to (and was measured for) and those that passed.
  readiness: {
    table: "readiness",
    measures: [
      "sum(domains) AS domains",
      ...["dns6", "web6", "web6_same", "mail6", "ntp6", "ipv6_only_ready"].flatMap((verdict) => [
        `sum(${verdict}_applicable) AS ${verdict}_applicable`,
        `sum(${verdict}_yes) AS ${verdict}_yes`,
      ]),
    ],
    placedOnly: false,
  },
};

export const groupings = ["tld", "country", "type", "none"] as const;

/** A request the views cannot answer as asked: INVALID_ARGUMENT over gRPC. */
export class QueryError extends InvalidArgumentError {
  override name = "QueryError";
}

function spec(view: string): ViewSpec {
  // Own keys only: "constructor" or "toString" is not a view.
  const found = Object.hasOwn(views, view) ? views[view] : undefined;
  if (!found) throw new QueryError(`unknown view ${view} (one of ${Object.keys(views).join(", ")})`);
  return found;
}

function groupColumn(view: ViewSpec, groupBy: string): string | undefined {
  if (groupBy === "" || groupBy === "none") return undefined;
  if (groupBy === "tld" || groupBy === "country") return groupBy;
  if (groupBy === "type") {
    if (!view.typeColumn) throw new QueryError("this view has no type to group by (group by tld or country)");
    return view.typeColumn;
  }
  throw new QueryError(`cannot group by ${groupBy} (one of ${groupings.join(", ")})`);
}

function where(view: ViewSpec, filter: ViewFilter, params: Record<string, unknown>): string[] {
  const clauses: string[] = [];
  if (view.placedOnly) clauses.push("country != 'ZZ'");
  if (filter.countries?.length) {
    clauses.push("country IN {countries:Array(String)}");
    params["countries"] = filter.countries.map((c) => c.toUpperCase());
  }
  if (filter.tlds?.length) {
    clauses.push("tld IN {tlds:Array(String)}");
    params["tlds"] = filter.tlds.map((t) => t.toLowerCase());
  }
  if (filter.types?.length) {
    if (!view.typeColumn) throw new QueryError("this view has no type to filter on");
    clauses.push(`${view.typeColumn} IN {types:Array(String)}`);
    params["types"] = [...filter.types];
  }
  return clauses;
}

function sampleAlias(view: ViewSpec): string {
  return / AS (\w+)$/.exec(view.measures[0]!)![1]!;
}

function having(view: ViewSpec, filter: ViewFilter, params: Record<string, unknown>): string {
  if (!filter.minSample) return "";
  params["min_sample"] = filter.minSample;
  // By alias: ClickHouse resolves a name to the alias first, and sum(hosts) AS hosts would nest.
  return `HAVING ${sampleAlias(view)} >= {min_sample:UInt64}`;
}

/** One crawl's view. */
export function summarySql(
  view: string,
  crawlId: string,
  groupBy: string,
  filter: ViewFilter,
): { sql: string; params: Params } {
  const v = spec(view);
  const group = groupColumn(v, groupBy);
  const params: Record<string, unknown> = { crawl: crawlId };
  const clauses = ["crawl_id = {crawl:String}", ...where(v, filter, params)];
  const sql = `SELECT ${group ? `${group} AS ${groupBy}, ` : ""}${v.measures.join(", ")}
    FROM ${v.table} WHERE ${clauses.join(" AND ")}
    ${group ? `GROUP BY ${group}` : ""} ${having(v, filter, params)}
    ${group ? `ORDER BY ${sampleAlias(v)} DESC, ${group}` : ""}`;
  return { sql, params: params as Params };
}

/**
 * A view over the dates of the published crawls (one crawl per date: the latest published),
 * each date with the method of its crawl (SPEC section 6) so that a chart can mark where it changed.
 */
export function trendSql(
  view: string,
  groupBy: string,
  filter: ViewFilter,
  fromDate: string,
  toDate: string,
): { sql: string; params: Params } {
  const v = spec(view);
  const group = groupColumn(v, groupBy);
  for (const [field, text] of [
    ["from_date", fromDate],
    ["to_date", toDate],
  ] as const) {
    if (text !== "" && !isCalendarDate(text))
      throw new QueryError(`${field} ${JSON.stringify(text)}: expected a calendar date as YYYY-MM-DD`);
  }
  const params: Record<string, unknown> = { from: fromDate || "1970-01-01", to: toDate || "2999-12-31" };
  const clauses = [
    `crawl_id IN (SELECT argMax(crawl_id, started_at) FROM crawls FINAL
       WHERE published = 1 AND state = 'completed' AND date BETWEEN {from:Date} AND {to:Date} GROUP BY date)`,
    ...where(v, filter, params),
  ];
  const sql = `SELECT date, ${group ? `${group} AS ${groupBy}, ` : ""}${v.measures.join(", ")},
      max(method) AS method
    FROM ${v.table} WHERE ${clauses.join(" AND ")}
    GROUP BY date${group ? `, ${group}` : ""} ${having(v, filter, params)}
    ORDER BY date${group ? `, ${group}` : ""}`;
  return { sql, params: params as Params };
}
