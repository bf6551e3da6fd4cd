// The thin end-to-end slice: `ipv6matrix crawl` against a real authoritative
// server (NSD on loopback), then `ipv6matrix export hostdata`. Every expected
// number below was worked out by hand from the zones in this file.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Nsd, startNsd } from "../support/nsd.js";
import { offlineDns6 } from "../support/offline-dns6.js";
import { domains, validRanges, zones } from "./thin-zones.js";

const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");

function ipv6matrix(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function csv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split("\n");
  const columns = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, i) => [columns[i]!, cell])));
}

describe("thin crawl: WWW hosts resolved through a real name server, HostData in ClickHouse SQL", () => {
  let nsd: Nsd;
  let dir: string;
  let env: Record<string, string>;
  let crawl: ReturnType<typeof ipv6matrix>;

  before(async () => {
    nsd = await startNsd(zones);
    dir = mkdtempSync(join(tmpdir(), "v6m-thin-"));
    writeFileSync(join(dir, "domains.txt"), domains);
    env = {
      IPV6MATRIX_STORE_DATA_DIR: join(dir, "data"),
      IPV6MATRIX_RESOLVER_NAMESERVERS: nsd.endpoint,
      ...offlineDns6,
      IPV6MATRIX_RESOLVER_TIMEOUT: "1",
      IPV6MATRIX_RESOLVER_RETRIES: "0",
      IPV6MATRIX_RESOLVER_VALID_RANGES: validRanges,
    };
    crawl = ipv6matrix(["crawl", "--date", "2026-11-01", join(dir, "domains.txt")], env);
  });
  after(async () => {
    await nsd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("completes, reports the bad line with its number, and crawls each domain once", () => {
    assert.equal(crawl.code, 0, crawl.stderr);
    assert.match(crawl.stderr, /domains\.txt:4: skipped: /);
    assert.match(
      crawl.stdout,
      /crawl c20261101-[0-9a-f]{8} completed: 4 domains \(1 bad lines, 1 duplicates, 0 blocked skipped\)/,
    );
  });

  it("exports WWW HostData with the counts the zones define", () => {
    const out = ipv6matrix(["export", "hostdata", "--keep-zz", "--format", "csv"], env);
    assert.equal(out.code, 0, out.stderr);
    const www = csv(out.stdout).filter((row) => row["type"] === "WWW");
    const pick = (row: Record<string, string>) => ({
      date: row["date"],
      tld: row["tld"],
      country: row["country"],
      hosts: Number(row["hosts"]),
      hosts4: Number(row["hosts4"]),
      hosts6: Number(row["hosts6"]),
      dualstack: Number(row["dualstack"]),
      noip: Number(row["noip"]),
      pinghosts: Number(row["pinghosts"]),
      method: Number(row["method"]),
    });
    assert.deepEqual(www.map(pick), [
      // alpha: www dual, www6 v6; beta: www v4; the other 7 of 10 have no address.
      {
        date: "2026-11-01",
        tld: "com",
        country: "ZZ",
        hosts: 10,
        hosts4: 1,
        hosts6: 1,
        dualstack: 1,
        noip: 7,
        pinghosts: 0,
        method: 2,
      },
      // delta.net: all 5 REFUSED.
      {
        date: "2026-11-01",
        tld: "net",
        country: "ZZ",
        hosts: 5,
        hosts4: 0,
        hosts6: 0,
        dualstack: 0,
        noip: 5,
        pinghosts: 0,
        method: 2,
      },
      // gamma: www dual through the CNAME, ipv6 v6 only, 3 without.
      {
        date: "2026-11-01",
        tld: "org",
        country: "ZZ",
        hosts: 5,
        hosts4: 0,
        hosts6: 1,
        dualstack: 1,
        noip: 3,
        pinghosts: 0,
        method: 2,
      },
    ]);
  });

  it("counts NS, MX and NTP job rows, failures included as hosts without address", () => {
    const out = ipv6matrix(["export", "hostdata", "--keep-zz", "--format", "jsonl"], env);
    const rows = out.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const get = (tld: string, type: string) => {
      const row = rows.find((r) => r["tld"] === tld && r["type"] === type);
      return row && [row["hosts"], row["hosts4"], row["hosts6"], row["dualstack"], row["noip"]];
    };
    assert.deepEqual(get("com", "NS"), [2, 2, 0, 0, 0]); // ns1.alpha.com for alpha and beta
    assert.deepEqual(get("com", "MX"), [2, 0, 0, 1, 1]); // alpha NODATA; beta -> mail.alpha.com
    assert.deepEqual(get("com", "NTP"), [4, 1, 0, 0, 3]); // only ntp.alpha.com has an address
    assert.deepEqual(get("org", "NS"), [1, 1, 0, 0, 0]);
    assert.deepEqual(get("net", "NS"), [1, 0, 0, 0, 1]); // the REFUSED look-up's row
  });

  it("leaves the ZZ rows out by default, as SPEC does", () => {
    const out = ipv6matrix(["export", "hostdata"], env);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim().split("\n").length, 1, "only the header");
  });

  it("records the DNS outcome of a failed look-up instead of n/a", () => {
    const out = ipv6matrix(["export", "jobs", "--format", "jsonl"], env);
    const jobs = out.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, string>);
    const mx = (domain: string) =>
      jobs.filter((j) => j["domain"] === domain && j["type"] === "MX").map((j) => [j["host"], j["outcome"]]);
    assert.deepEqual(mx("alpha.com"), [["", "NODATA"]]);
    assert.deepEqual(mx("beta.com"), [["mail.alpha.com", "OK"]]);
    assert.deepEqual(mx("delta.net"), [["", "REFUSED"]]);
  });

  it("compares two crawls by date, and publishes one", () => {
    const october = ipv6matrix(["crawl", "--quiet", "--date", "2026-10-01", join(dir, "domains.txt")], env);
    assert.equal(october.code, 0, october.stderr);
    const compared = ipv6matrix(["compare", "2026-10-01", "2026-11-01", "--by", "tld"], env);
    assert.equal(compared.code, 0, compared.stderr);
    const lines = compared.stdout.trim().split("\n");
    assert.match(lines[0]!, /^A: c20261001-\w+ \(2026-10-01\) {3}B: c20261101-\w+ \(2026-11-01\)$/);
    assert.deepEqual(
      lines.slice(3).map((line) => line.split(/\s+/).join(" ")),
      [
        // com: alpha (www dual-stack) and beta (its MX is alpha's dual-stack mail host) both have IPv6;
        // both crawls are this crawler's: method 2 and 2
        "com 2 2 100 2 2 100 0 2 2",
        "net 1 0 0 1 0 0 0 2 2",
        "org 1 1 100 1 1 100 0 2 2",
      ],
    );
    const published = ipv6matrix(["publish", "2026-10-01"], env);
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stdout, /^crawl c20261001-\w+ \(2026-10-01\) published$/m);
    const again = ipv6matrix(["summarise", "2026-10-01"], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^crawl c20261001-\w+ \(2026-10-01\): summaries computed in [\d.]+ s$/m);
    const missing = ipv6matrix(["publish", "2020-01-01"], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no crawl 2020-01-01 in the store/);
  });
});
