import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ColumnType } from "../../gen/ipv6matrix/v1/query.js";
import { columnOf, toTable } from "./query-table.js";

describe("typed tables", () => {
  it("types a column from ClickHouse's type, Nullable and LowCardinality unwrapped", () => {
    const cases: [string, ColumnType, boolean][] = [
      ["UInt64", ColumnType.COLUMN_TYPE_INTEGER, false],
      ["Int32", ColumnType.COLUMN_TYPE_INTEGER, false],
      ["Nullable(Float64)", ColumnType.COLUMN_TYPE_REAL, true],
      ["Decimal(9, 2)", ColumnType.COLUMN_TYPE_REAL, false],
      ["Date", ColumnType.COLUMN_TYPE_DATE, false],
      ["DateTime64(3)", ColumnType.COLUMN_TYPE_TIME, false],
      ["Bool", ColumnType.COLUMN_TYPE_BOOLEAN, false],
      ["LowCardinality(String)", ColumnType.COLUMN_TYPE_TEXT, false],
      ["LowCardinality(Nullable(String))", ColumnType.COLUMN_TYPE_TEXT, true],
    ];
    for (const [clickhouse, type, nullable] of cases)
      assert.deepEqual(columnOf("c", clickhouse), { name: "c", type, nullable }, clickhouse);
  });

  it("gives every cell a typed value and the text older clients read", () => {
    const columns = [
      columnOf("date", "Date"),
      columnOf("tld", "LowCardinality(String)"),
      columnOf("hosts", "UInt64"),
      columnOf("ratio", "Nullable(Float64)"),
      columnOf("at", "DateTime64(3)"),
    ];
    const table = toTable(columns, [
      { date: "2026-11-01", tld: "com", hosts: 20, ratio: null, at: "2026-11-01 06:00:00.250" },
    ]);
    assert.deepEqual(table.columns, ["date", "tld", "hosts", "ratio", "at"]);
    assert.deepEqual(table.rows[0]!.cells, ["2026-11-01", "com", "20", "", "2026-11-01 06:00:00.250"]);
    assert.deepEqual(table.rows[0]!.values, [
      { kind: { $case: "date", value: { year: 2026, month: 11, day: 1 } } },
      { kind: { $case: "text", value: "com" } },
      { kind: { $case: "integer", value: 20 } },
      { kind: undefined },
      { kind: { $case: "time", value: { seconds: Date.UTC(2026, 10, 1, 6) / 1000, nanos: 250_000_000 } } },
    ]);
  });
});
