// A query's rows as the QueryService's Table: typed columns from the types
// ClickHouse gives the query (DESCRIBE, asked once per SQL text and kept), a
// typed Value per cell, and the text cells older clients read. Runs the query;
// builds no SQL.

import { type Column, ColumnType, type Table, type Value } from "../../gen/ipv6matrix/v1/query.js";
import type { Params, Row, Store } from "../runtime/store.js";

/** The Table column of a ClickHouse type: Nullable and LowCardinality unwrapped. */
export function columnOf(name: string, clickhouseType: string): Column {
  let type = clickhouseType;
  let nullable = false;
  for (;;) {
    const inner = /^(Nullable|LowCardinality)\((.*)\)$/.exec(type);
    if (!inner) break;
    if (inner[1] === "Nullable") nullable = true;
    type = inner[2]!;
  }
  return { name, type: columnTypeOf(type), nullable };
}

function columnTypeOf(type: string): ColumnType {
  if (/^U?Int\d+$/.test(type)) return ColumnType.COLUMN_TYPE_INTEGER;
  if (/^(Float\d+|Decimal)/.test(type)) return ColumnType.COLUMN_TYPE_REAL;
  if (/^Date(32)?$/.test(type)) return ColumnType.COLUMN_TYPE_DATE;
  if (/^DateTime/.test(type)) return ColumnType.COLUMN_TYPE_TIME;
  if (type === "Bool") return ColumnType.COLUMN_TYPE_BOOLEAN;
  return ColumnType.COLUMN_TYPE_TEXT;
}

/** One cell of a JSONEachRow row as the Value its column's type names; no member for NULL. */
export function cellValue(column: Column, cell: unknown): Value {
  if (cell === null || cell === undefined) return { kind: undefined };
  switch (column.type) {
    case ColumnType.COLUMN_TYPE_INTEGER:
      return { kind: { $case: "integer", value: Number(cell) } };
    case ColumnType.COLUMN_TYPE_REAL:
      return { kind: { $case: "real", value: Number(cell) } };
    case ColumnType.COLUMN_TYPE_BOOLEAN:
      return { kind: { $case: "boolean", value: cell === true || cell === 1 || cell === "true" } };
    case ColumnType.COLUMN_TYPE_DATE: {
      const [year, month, day] = String(cell).split("-").map(Number);
      return { kind: { $case: "date", value: { year: year!, month: month!, day: day! } } };
    }
    case ColumnType.COLUMN_TYPE_TIME: {
      // The stores write and read times in UTC (crawls.ts sqlTime).
      const millis = Date.parse(`${String(cell).replace(" ", "T")}Z`);
      return {
        kind: {
          $case: "time",
          value: { seconds: Math.floor(millis / 1000), nanos: (((millis % 1000) + 1000) % 1000) * 1e6 },
        },
      };
    }
    default:
      return { kind: { $case: "text", value: typeof cell === "string" ? cell : JSON.stringify(cell) } };
  }
}

export function toTable(columns: readonly Column[], rows: readonly Row[]): Table {
  return {
    columns: columns.map((column) => column.name),
    typedColumns: [...columns],
    rows: rows.map((row) => ({
      cells: columns.map(({ name }) => (row[name] === null ? "" : String(row[name]))),
      values: columns.map((column) => cellValue(column, row[column.name])),
    })),
  };
}

/** Runs queries into Tables. The column types of a SQL text are asked once: the SQL of a view
 * varies with its grouping and which filters are set, not with the values bound. */
export class TableQueries {
  private readonly described = new Map<string, Promise<Column[]>>();
  constructor(private readonly store: Store) {}

  async run({ sql, params }: { sql: string; params: Params }): Promise<Table> {
    const [columns, rows] = await Promise.all([this.columns(sql, params), this.store.query(sql, params)]);
    return toTable(columns, rows);
  }

  private columns(sql: string, params: Params): Promise<Column[]> {
    let columns = this.described.get(sql);
    if (columns === undefined) {
      columns = this.store
        .query<{ name: string; type: string }>(`DESCRIBE TABLE (${sql})`, params)
        .then((rows) => rows.map((row) => columnOf(row.name, row.type)));
      this.described.set(sql, columns);
      columns.catch(() => this.described.delete(sql));
    }
    return columns;
  }
}
