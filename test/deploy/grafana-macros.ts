// What Grafana and the ClickHouse data source plugin do to a panel's SQL before
// ClickHouse sees it: the plugin's time macros ($__timeFilter, $__dateFilter,
// $__fromTime, $__toTime) and the dashboard's variables (${name}, $name,
// ${name:singlequote}). Only the forms the dashboards use; anything else left
// in the SQL is an error naming it, so a panel cannot use a form this test skips.

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}
export type Variables = Readonly<Record<string, string | readonly string[]>>;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const day = (date: Date) => date.toISOString().slice(0, 10);
const quote = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

export function expandMacros(sql: string, range: TimeRange, variables: Variables): string {
  let out = sql
    .replace(
      /\$__timeFilter\(\s*([^)]+?)\s*\)/g,
      (_, column: string) =>
        `${column} >= toDateTime(${seconds(range.from)}) AND ${column} <= toDateTime(${seconds(range.to)})`,
    )
    .replace(
      /\$__dateFilter\(\s*([^)]+?)\s*\)/g,
      (_, column: string) =>
        `${column} >= toDate('${day(range.from)}') AND ${column} <= toDate('${day(range.to)}')`,
    )
    .replaceAll("$__fromTime", `toDateTime(${seconds(range.from)})`)
    .replaceAll("$__toTime", `toDateTime(${seconds(range.to)})`);
  out = out.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (whole, braced?: string, format?: string, bare?: string) => {
      const name = (braced ?? bare) as string;
      if (name.startsWith("__")) throw new Error(`unexpanded macro ${whole} in: ${sql}`);
      const value = variables[name];
      if (value === undefined) throw new Error(`variable ${name} is not defined (in ${whole})`);
      const values = typeof value === "string" ? [value] : value;
      if (format === "singlequote") return values.map(quote).join(",");
      if (format !== undefined) throw new Error(`variable format ${format} not handled (in ${whole})`);
      if (values.length !== 1)
        throw new Error(`multi-value variable ${name} used without a format (in ${whole})`);
      return values[0]!;
    },
  );
  return out;
}
