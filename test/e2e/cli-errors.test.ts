// Bad input to the command: each case exits non-zero with one line that names
// the problem, and writes nothing to the store.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");
const dir = mkdtempSync(join(tmpdir(), "v6m-cli-"));
const dataDir = join(dir, "data");
const domains = join(dir, "domains.txt");
writeFileSync(domains, "example.com\n");

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, IPV6MATRIX_STORE_DATA_DIR: dataDir, ...env },
    timeout: 60_000,
  });
  return { code: result.status, lines: result.stderr.trim().split("\n"), stderr: result.stderr };
}

function assertOneLine(result: ReturnType<typeof run>, pattern: RegExp) {
  assert.notEqual(result.code, 0);
  assert.equal(result.lines.length, 1, result.stderr);
  assert.match(result.lines[0]!, pattern);
}

describe("bad input to ipv6matrix", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a missing domain file", () => {
    assertOneLine(run(["crawl", join(dir, "nope.txt")]), /domain file .*nope\.txt: no such file/);
  });
  it("an unreadable config", () => {
    // Tests run as root, who reads any file whatever its mode: a folder cannot be read as a file by anyone.
    const folder = join(dir, "folder.yaml");
    mkdirSync(folder);
    assertOneLine(run(["crawl", "--config", folder, domains]), /config file .*folder\.yaml: cannot read it/);
    assertOneLine(
      run(["crawl", "--config", join(dir, "missing.yaml"), domains]),
      /config file .*missing\.yaml: cannot read it: no such file/,
    );
  });
  it("an unknown key", () => {
    const config = join(dir, "unknown.yaml");
    writeFileSync(config, "trace:\n  max_hops: 3\n");
    assertOneLine(
      run(["crawl", "--config", config, domains]),
      /unknown\.yaml:2: unknown key trace\.max_hops/,
    );
  });
  it("a bad port", () => {
    assertOneLine(
      run(["crawl", "--nameserver", "192.0.2.1:70000", domains]),
      /resolver\.nameservers = "192\.0\.2\.1:70000" is not allowed: addr or addr:port with a port from 1 to 65535/,
    );
  });
  it("an unknown command or flag", () => {
    assertOneLine(run(["crawwl"]), /unknown command crawwl/);
    assertOneLine(run(["crawl", "--frobnicate", domains]), /frobnicate/);
  });
  it("stored nothing for any of them", () => {
    assert.equal(existsSync(dataDir), false);
  });
});
