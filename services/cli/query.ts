// `ipv6matrix query <view>`: the data views of the original website read from
// the api's QueryService (one crawl, or a trend over the published crawls),
// printed as a table or JSON lines. No store access here: only gRPC, so it
// works against any deployment the token opens.

import type { ServiceError } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { Grouping, type Table, View } from "../../gen/ipv6matrix/v1/query.js";
import type { Row } from "../runtime/store.js";
import { deadline, queryClient } from "./api-client.js";
import { type Command, commonUsage, configFrom, UsageError } from "./command.js";
import { textTable } from "./text-table.js";

const viewsByName: Record<string, View> = {
  hosts: View.VIEW_HOSTS,
  domains: View.VIEW_DOMAINS,
  reach: View.VIEW_REACH,
  dualstack: View.VIEW_DUALSTACK,
  ping: View.VIEW_PING,
  path: View.VIEW_PATH,
  readiness: View.VIEW_READINESS,
};

const groupings: Record<string, Grouping> = {
  none: Grouping.GROUPING_NONE,
  tld: Grouping.GROUPING_TLD,
  country: Grouping.GROUPING_COUNTRY,
  type: Grouping.GROUPING_TYPE,
};

/** A Table's rows as objects keyed by column, each value typed (number, text, YYYY-MM-DD, null). */
export function tableRows(table: Table | undefined): { columns: string[]; rows: Row[] } {
  const columns = table?.typedColumns.map((column) => column.name) ?? [];
  const rows = (table?.rows ?? []).map((row) =>
    Object.fromEntries(
      columns.map((name, i) => {
        const kind = row.values[i]?.kind;
        if (!kind) return [name, null];
        if (kind.$case === "date") {
          const { year, month, day } = kind.value;
          return [name, `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`];
        }
        if (kind.$case === "time")
          return [name, new Date(kind.value.seconds * 1000 + kind.value.nanos / 1e6).toISOString()];
        return [name, kind.value];
      }),
    ),
  );
  return { columns, rows };
}

/** Prints a Table as a text table (default) or as one JSON object a line. */
export function printTable(table: Table | undefined, format: string): void {
  const { columns, rows } = tableRows(table);
  if (format === "jsonl") {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
  } else if (rows.length === 0) {
    process.stderr.write("no rows\n");
  } else {
    process.stdout.write(textTable(rows, columns));
  }
}

export function checkFormat(values: Record<string, unknown>): string {
  const format = (values["format"] as string | undefined) ?? "table";
  if (format !== "table" && format !== "jsonl") throw new UsageError(`--format ${format}: table or jsonl`);
  return format;
}

/** A unary call as a promise; a gRPC error is one line for the user (its status and message). */
export function unary<Res>(
  run: (done: (error: ServiceError | null, response: Res) => void) => void,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    run((error, response) =>
      error ? reject(new UsageError(error.details || error.message)) : resolve(response),
    ),
  );
}

/** Repeatable options also take comma-separated lists: --country DE,FR or --country DE --country FR. */
const list = (value: unknown) =>
  ((value as string[] | undefined) ?? []).flatMap((text) => text.split(",")).filter((text) => text !== "");

export const queryCommand: Command = {
  summary: "a data view of the original website (one crawl, or a trend) from the api service",
  usage: `Usage: ipv6matrix query <view> [--by tld|country|type] [--crawl ID|DATE]
                        [--country CC]... [--tld TLD]... [--type TYPE]... [--min-sample N]
       ipv6matrix query <view> --from YYYY-MM-DD [--to YYYY-MM-DD] [--by ...] [filters]

Views (SPEC section 5): hosts (hosts with IPv6), domains (domains with IPv6,
per feature), reach (reachable per family and service), dualstack, ping
(faster over IPv6), path (fewer hops over IPv6); readiness (issue 19: per
verdict dns6, web6, web6_same, mail6, ntp6, ipv6_only_ready, the domains it
applies to and was measured for, and those that passed; by tld or country).
Without --from/--to: one
crawl, the latest published unless --crawl names one (an id, or a date for the
latest completed crawl of that day). With --from and/or --to: a trend, one
row per published crawl date (and group). Host and reach views leave out
hosts whose country is unknown (ZZ).

Options:
  --api HOST:PORT          the api service (default api.listen)
  --by tld|country|type    group the rows (type: WWW, NS, MX, NTP; the service for reach)
  --crawl ID|DATE          one crawl instead of the latest published
  --from, --to DATE        a trend between these dates (inclusive)
  --country CC             only these countries (repeatable, or comma-separated)
  --tld TLD                only these TLDs
  --type TYPE              only these types (or services)
  --min-sample N           leave out groups with fewer than N in the view's first column
  --format table|jsonl     a text table (default) or one JSON object a row
${commonUsage}`,
  options: {
    api: { type: "string" },
    by: { type: "string" },
    crawl: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    country: { type: "string", multiple: true },
    tld: { type: "string", multiple: true },
    type: { type: "string", multiple: true },
    "min-sample": { type: "string" },
    format: { type: "string" },
  },
  async run(values, positionals) {
    if (positionals.length !== 1)
      throw new UsageError(`expected one view: ${Object.keys(viewsByName).join(", ")}`);
    const view = positionals[0]!;
    if (!Object.hasOwn(viewsByName, view))
      throw new UsageError(`unknown view ${view} (one of ${Object.keys(viewsByName).join(", ")})`);
    const by = (values["by"] as string | undefined) ?? "none";
    if (!Object.hasOwn(groupings, by)) throw new UsageError(`--by ${by}: one of tld, country, type`);
    const minSample = Number((values["min-sample"] as string | undefined) ?? "0");
    if (!Number.isSafeInteger(minSample) || minSample < 0)
      throw new UsageError(`--min-sample ${values["min-sample"]}: a whole number, 0 or more`);
    const from = (values["from"] as string | undefined) ?? "";
    const to = (values["to"] as string | undefined) ?? "";
    const trend = values["from"] !== undefined || values["to"] !== undefined;
    if (trend && values["crawl"] !== undefined)
      throw new UsageError("--crawl is one crawl, --from/--to a trend: give one or the other");
    const format = checkFormat(values);
    const filter = {
      countries: list(values["country"]),
      tlds: list(values["tld"]),
      types: list(values["type"]),
      minSample,
    };
    const config = configFrom(values);
    const client = queryClient(values, config);
    try {
      const common = { view: "", groupBy: "", filter, dataView: viewsByName[view]!, group: groupings[by]! };
      const response = trend
        ? await unary<{ table?: Table }>((done) =>
            client.getTrend({ ...common, fromDate: from, toDate: to }, new Metadata(), deadline(), done),
          )
        : await unary<{ table?: Table }>((done) =>
            client.getSummary(
              { ...common, crawl: (values["crawl"] as string | undefined) ?? "" },
              new Metadata(),
              deadline(),
              done,
            ),
          );
      printTable(response.table, format);
      return 0;
    } finally {
      client.close();
    }
  },
};
