// The legacy imports fuzzed at their entry point, the real command (the MySQL
// dump's reader is being replaced; what a user meets is `import legacy`): a
// damaged dump or SQLite file is imported or refused in one line, exit 2, never
// a stack trace. Each run starts chDB, so CI runs few (FUZZ_IMPORT_RUNS).

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";

const runs = { numRuns: Number(process.env["FUZZ_IMPORT_RUNS"] ?? 3), seed: 16 };
const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");
const dir = mkdtempSync(join(tmpdir(), "v6m-fuzz-import-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let number = 0;

function importLegacy(kind: "--mysql-dump" | "--sqlite" | "--csv", file: string) {
  const result = spawnSync(process.execPath, [bin, "import", "legacy", kind, file], {
    encoding: "utf8",
    env: {
      ...process.env,
      IPV6MATRIX_STORE_DATA_DIR: join(dir, `store-${++number}`),
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "error",
    },
    timeout: 120_000,
  });
  const lines = result.stderr.trim() === "" ? [] : result.stderr.trim().split("\n");
  if (file.includes("missing")) {
    // A path that is not there: named, with why, in one line.
    assert.equal(result.status, 2, result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0]!.startsWith(`ipv6matrix import: ${file}: `), result.stderr);
    if (kind === "--csv") assert.equal(lines[0], `ipv6matrix import: ${file}: no such file or folder`);
    return;
  }
  // Imported (skipped tables are named one a line), or refused in one line.
  if (result.status === 0)
    assert.ok(
      lines.every((line) => line.startsWith("not a summary table")),
      result.stderr,
    );
  else {
    assert.equal(result.status, 2, result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^ipv6matrix import: /);
  }
}

const dump = `-- MySQL dump 10.13  Distrib 8.0.26, for Linux (x86_64)
DROP TABLE IF EXISTS \`DomainPenetration\`;
CREATE TABLE \`DomainPenetration\` (
  \`date\` date NOT NULL,
  \`country\` varchar(2) NOT NULL,
  \`tld\` varchar(64) NOT NULL,
  \`domains\` int NOT NULL DEFAULT '0',
  \`domains6\` int NOT NULL DEFAULT '0',
  \`www\` int NOT NULL DEFAULT '0',
  \`mx\` int NOT NULL DEFAULT '0',
  \`ns\` int NOT NULL DEFAULT '0',
  \`ntp\` int NOT NULL DEFAULT '0'
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb3;
LOCK TABLES \`DomainPenetration\` WRITE;
INSERT INTO \`DomainPenetration\` VALUES ('2020-01-01','DE','com',10,2,2,1,0,0),('2020-01-01','US','com',30,3,3,0,0,0);
UNLOCK TABLES;
`;

/** A damage: a range cut out, or a token put in, at a place the generator picks. */
const damage = fc.oneof(
  fc.record({ at: fc.nat(), cut: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    at: fc.nat(),
    put: fc.constantFrom("'", ")", "(", ",", "\\", "`", ";", "\n", "NULL", "\x00", "é", "9".repeat(30)),
  }),
);
function damaged<T extends Buffer | string>(
  input: T,
  changes: { at: number; cut?: number; put?: string }[],
): Buffer {
  let bytes = Buffer.from(input);
  for (const change of changes) {
    const at = change.at % (bytes.length + 1);
    bytes =
      change.cut !== undefined
        ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + change.cut)])
        : Buffer.concat([bytes.subarray(0, at), Buffer.from(change.put!), bytes.subarray(at)]);
  }
  return bytes;
}

describe("import legacy, damaged input", () => {
  it("a path that does not exist: its name and why, in one line, for each kind", () => {
    for (const kind of ["--csv", "--sqlite", "--mysql-dump"] as const)
      importLegacy(kind, join(dir, "missing"));
  });
  it("--mysql-dump: imported, or refused in one line", () => {
    importLegacy("--mysql-dump", writeInput("dump.sql", Buffer.from(dump)));
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (changes) =>
        importLegacy("--mysql-dump", writeInput("dump.sql", damaged(dump, changes))),
      ),
      runs,
    );
  });
  it("--sqlite: imported, or refused in one line", () => {
    const file = join(dir, "ips-2021-07-01__08-30-00.db");
    execFileSync("sqlite3", [file], {
      input: "CREATE TABLE job (domain TEXT, type TEXT);\nINSERT INTO job VALUES ('a.com','WWW');\n",
    });
    const valid = readFileSync(file);
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (changes) =>
        importLegacy("--sqlite", writeInput("ips-2021-07-01__08-30-00.db", damaged(valid, changes))),
      ),
      runs,
    );
  });
});

/** In a folder of its own: the SQLite file's name carries the run's date. */
function writeInput(name: string, bytes: Buffer): string {
  const folder = join(dir, `input-${number}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, name), bytes);
  return join(folder, name);
}
