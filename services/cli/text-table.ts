// Rows as an aligned text table for a person (numbers right-aligned).

import type { Row } from "../runtime/store.js";

export function textTable(rows: readonly Row[], columns = Object.keys(rows[0] ?? {})): string {
  const cell = (value: unknown) => (value === null || value === undefined ? "-" : String(value));
  const numeric = columns.map((column) =>
    rows.every((row) => row[column] === null || typeof row[column] === "number"),
  );
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return (
    [
      line(columns),
      line(widths.map((w) => "-".repeat(w))),
      ...rows.map((row) => line(columns.map((c) => cell(row[c])))),
    ].join("\n") + "\n"
  );
}
