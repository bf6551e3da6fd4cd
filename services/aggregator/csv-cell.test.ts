import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { csvCell } from "./csv-cell.js";
import { formatRows } from "./export.js";
import { formatCsv } from "./legacy/legacy-formats.js";

describe("CSV cells", () => {
  it("quotes only what needs it, as Python's csv.writer does", () => {
    assert.equal(csvCell("example.com"), "example.com");
    assert.equal(csvCell('say "hi", then go'), '"say ""hi"", then go"');
    assert.equal(csvCell("two\nlines"), '"two\nlines"');
    assert.equal(csvCell(null), "");
    assert.equal(csvCell(undefined), "");
    assert.equal(csvCell(["ns1.example.com", "ns2.example.com"]), "ns1.example.com ns2.example.com");
    assert.equal(
      csvCell(10, (n) => `${n}.0`),
      "10.0",
    );
  });

  // Issue 16: cells from DNS data that start with = + - @ (or tab, CR) were written as they
  // came, and a spreadsheet opening the export ran them as formulas.
  it("makes text that starts like a formula inert with a leading quote", () => {
    const cells: [unknown, string][] = [
      ['=HYPERLINK("http://x.example","x")', '"\'=HYPERLINK(""http://x.example"",""x"")"'],
      ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
      ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
      ["@SUM(A1:A9)", "'@SUM(A1:A9)"],
      ["\t=1+1", "'\t=1+1"],
      ["\r=1+1", '"\'\r=1+1"'],
      [["=1+1", "b"], "'=1+1 b"],
    ];
    for (const [value, written] of cells) assert.equal(csvCell(value), written, JSON.stringify(value));
  });

  it("leaves numbers as numbers, negative ones included", () => {
    assert.equal(csvCell(-1), "-1");
    assert.equal(
      csvCell(-1, (n) => `${n}.0`),
      "-1.0",
    );
    assert.equal(csvCell("-1"), "-1");
    assert.equal(csvCell("+3.5"), "+3.5");
    assert.equal(csvCell("-2e-3"), "-2e-3");
    assert.equal(csvCell("-"), "'-");
  });
});

describe("the two CSV writers use it", () => {
  it("a crawl's export", () => {
    const csv = formatRows([{ domain: "=cmd.example", rtt: -1, tls_error: "@x" }], "csv");
    assert.equal(csv, "domain,rtt,tls_error\n'=cmd.example,-1,'@x\n");
  });
  it("the original's layout", () => {
    assert.equal(formatCsv([["+x.example", -1, null, "n/a"]]), "'+x.example,-1.0,,n/a\r\n");
  });
});
