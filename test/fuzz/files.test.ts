// Property tests (fast-check) of the readers of files: a domain list gives
// back its valid names once each with the right line numbers, and names its
// bad lines by number, whether a plain list, a Majestic or a Tranco CSV; the
// configuration takes any value of its schema and refuses anything else with
// a ConfigError; legacy CSV fields come back as Python's csv.writer wrote them.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { formatCsv, LegacyFormatError, parseCsv } from "../../services/aggregator/legacy/legacy-formats.js";
import { ConfigError, loadConfig } from "../../services/runtime/config.js";
import { newReport, readDomainLines } from "../../services/runtime/domain-file.js";

const runs = { numRuns: Number(process.env["FUZZ_PROPERTY_RUNS"] ?? 100) };
const dir = mkdtempSync(join(tmpdir(), "v6m-props-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom("com", "org", "de", "example"))
  .map(([labels, tld]) => [...labels, tld].join("."));
/** A line of a list: a name (perhaps in capitals, with a trailing dot), a bad line, a blank or a comment. */
const line = fc.oneof(
  domain.map((name) => ({ kind: "name" as const, name, text: name })),
  domain.map((name) => ({ kind: "name" as const, name, text: `  ${name.toUpperCase()}.` })),
  fc
    .constantFrom("a b.com", "no-tld", "-x.com", "x..com", "1.2.3.4", "a_\u0001.com")
    .map((text) => ({ kind: "bad" as const, text })),
  fc.constantFrom("", "   ", "# a comment").map((text) => ({ kind: "skip" as const, text })),
);

async function read(lines: string[]) {
  const report = newReport();
  const rejected: number[] = [];
  const accepted = [];
  for await (const found of readDomainLines(lines, "list", {
    report,
    onReject: (r) => rejected.push(r.line),
  }))
    accepted.push(found);
  return { accepted, rejected, report };
}

/** What the reader must give, worked out from the generated lines (offset: header lines before them). */
function expected(generated: { kind: string; name?: string }[], offset: number) {
  const accepted: { domain: string; line: number }[] = [];
  const rejected: number[] = [];
  const seen = new Set<string>();
  generated.forEach((g, i) => {
    if (g.kind === "bad") rejected.push(i + 1 + offset);
    if (g.kind === "name" && !seen.has(g.name!)) {
      seen.add(g.name!);
      accepted.push({ domain: g.name!, line: i + 1 + offset });
    }
  });
  return { accepted, rejected };
}

describe("domain lists", () => {
  it("a plain list: valid names once each, bad lines by number", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (generated) => {
        // The first line decides the format: a list that opens with a digit-comma line would be a Tranco CSV.
        const got = await read(generated.map((g) => g.text));
        const want = expected(generated, 0);
        assert.deepEqual(got.accepted, want.accepted);
        assert.deepEqual(got.rejected, want.rejected);
      }),
      runs,
    );
  });
  it("a Majestic CSV: the Domain column, numbered from its header", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(domain, { maxLength: 30 }), async (names) => {
        const lines = [
          "GlobalRank,TldRank,Domain,TLD,RefSubNets",
          ...names.map((n, i) => `${i + 1},${i + 1},${n},x,5`),
        ];
        const got = await read(lines);
        const first = new Map<string, number>();
        names.forEach((n, i) => {
          if (!first.has(n)) first.set(n, i + 2);
        });
        const want = [...first].map(([n, line]) => ({ domain: n, line }));
        assert.deepEqual(got.accepted, want);
        assert.equal(got.report.duplicates, names.length - want.length);
      }),
      runs,
    );
  });
  it("a Tranco CSV (rank,domain, no header)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(domain, { minLength: 1, maxLength: 30 }), async (names) => {
        const got = await read(names.map((n, i) => `${i + 1},${n}\r`));
        assert.deepEqual(
          got.accepted,
          names.map((n, i) => ({ domain: n, line: i + 1 })),
        );
      }),
      runs,
    );
  });
});

describe("the configuration", () => {
  const file = join(dir, "config.yaml");
  it("takes any value its schema allows, from a file and from --set alike", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 60, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom("trace", "debug", "info", "warn", "error", "silent"),
        (timeout, count, ttl, level) => {
          writeFileSync(
            file,
            `resolver:\n  timeout: ${timeout}\nping:\n  count: ${count}\ntelemetry:\n  log_level: ${level}\n`,
          );
          const fromFile = loadConfig({ file, env: {} });
          const fromSet = loadConfig({
            env: {},
            sets: [
              `resolver.timeout=${timeout}`,
              `ping.count=${count}`,
              `trace.max_ttl=${ttl}`,
              `telemetry.log_level=${level}`,
            ],
          });
          for (const config of [fromFile, fromSet]) {
            assert.equal(config.resolver.timeout, timeout);
            assert.equal(config.ping.count, count);
            assert.equal(config.telemetry.log_level, level);
          }
          assert.equal(fromSet.trace.max_ttl, ttl);
        },
      ),
      runs,
    );
  });
  it("refuses anything else with a one-line ConfigError", () => {
    const key = fc.constantFrom(
      "resolver.timeout",
      "ping.count",
      "trace.max_ttl",
      "resolver.nameservers",
      "store.url",
      "prober.allow_ranges",
      "features.NS",
      "constructor",
      "__proto__",
      "x.y",
    );
    fc.assert(
      fc.property(key, fc.string({ maxLength: 40 }), (k, value) => {
        try {
          loadConfig({ env: {}, sets: [`${k}=${value}`] });
        } catch (error) {
          assert.ok(error instanceof ConfigError, String(error));
          assert.ok(!error.message.includes("\n"));
        }
      }),
      runs,
    );
  });
  it("a file of any text loads or is refused with a ConfigError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        writeFileSync(file, text);
        try {
          loadConfig({ file, env: {} });
        } catch (error) {
          assert.ok(error instanceof ConfigError, String(error));
        }
      }),
      runs,
    );
  });
});

describe("legacy CSV", () => {
  // A field as written, and as it reads back: a field that starts like a spreadsheet formula
  // is written with a leading quote (aggregator/csv-cell.ts, issue 16), every other one as it is.
  const startsLikeFormula = /^[=+\-@\t\r]/;
  const plain = fc
    .oneof(fc.string({ maxLength: 20 }), fc.constantFrom("n/a", 'a,"b"', "x\r\ny", ""))
    .filter((text) => !startsLikeFormula.test(text))
    .map((text) => ({ written: text, read: text }));
  const formula = fc
    .tuple(
      fc.constantFrom("=", "+", "-", "@", "\t", "\r"),
      fc.constantFrom("cmd", "SUM(A1)", "1+1"),
      fc.string({ maxLength: 10 }),
    )
    .map((parts) => parts.join(""))
    .map((text) => ({ written: text, read: `'${text}` }));
  const field = fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: formula });
  it("parseCsv(formatCsv(rows)) gives the rows back, formulas made inert", () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 6 }), { maxLength: 10 }), (rows) => {
        const csv = formatCsv(rows.map((row) => row.map((f) => f.written)));
        const parsed = parseCsv(csv, "x.log").map((r) => r.fields);
        assert.deepEqual(
          parsed,
          rows.map((row) => row.map((f) => f.read)),
        );
      }),
      runs,
    );
  });
  it("any text parses or is a LegacyFormatError naming the file and line", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: fc.constantFrom("a", ",", '"', "\r", "\n", "n/a", " ") }),
        (text) => {
          try {
            for (const record of parseCsv(text, "x.log")) assert.ok(record.line >= 1);
          } catch (error) {
            assert.ok(error instanceof LegacyFormatError, String(error));
            assert.match(error.message, /^x\.log:\d+: /);
          }
        },
      ),
      runs,
    );
  });
});
