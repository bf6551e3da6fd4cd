// The one way a cell is written into a CSV file, for the export of a crawl's tables and for
// the original's CSV layout: RFC 4180 quoting (as Python's csv QUOTE_MINIMAL), and text that a
// spreadsheet would run as a formula made inert. Pure; it neither parses CSV nor picks columns.

/** What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection"): = + - @, tab, CR. */
const formulaStart = /^[=+\-@\t\r]/;
/** A plain number, which a spreadsheet reads as that number, never as a formula: -1, +3.5, -2e-3. */
const plainNumber = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One cell. Null and undefined are the empty cell, a list is its items joined by spaces, a
 * number is written by `formatNumber` (the original's layout writes Python's float text).
 * Text from outside (DNS names and records, error messages) that starts like a formula is
 * prefixed with a single quote, as OWASP advises, so `=HYPERLINK(...)` in a TXT-derived cell
 * stays text; numbers, and text that is only a number (-1), are left as they are.
 */
export function csvCell(value: unknown, formatNumber: (value: number) => string = String): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (typeof value === "number") return quoted(formatNumber(value));
  else if (Array.isArray(value)) text = value.join(" ");
  else text = String(value);
  if (formulaStart.test(text) && !plainNumber.test(text)) text = `'${text}`;
  return quoted(text);
}

/** Quotes a cell only when it holds a quote, a comma or a line break (QUOTE_MINIMAL). */
function quoted(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
