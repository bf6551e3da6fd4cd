import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { projectRoot } from "../runtime/config.js";
import { GeoDatabaseError, MmdbFile, type ReloadEvent } from "./mmdb-file.js";
import { GeoDatabase } from "./mmdb-reader.js";

const db = join(projectRoot, "test/geo/db");
const city = join(db, "geoip2/GeoLite2-City-lab.mmdb");
const cityNext = join(db, "geoip2-next/GeoLite2-City-lab.mmdb");
const asn = join(db, "geoip2/GeoLite2-ASN-lab.mmdb");
const firstEpoch = 1767225600;
const nextEpoch = 1767312000;

/** A real logger whose lines the test can read. */
function capturedLog() {
  const lines: string[] = [];
  return { lines, log: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }) };
}

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "geo-mmdb-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function waitFor(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function openRejects(file: string, kind: "City" | "ASN", reason: RegExp): void {
  const { log } = capturedLog();
  assert.throws(
    () => MmdbFile.open(file, kind, log).close(),
    (error: unknown) => {
      assert.ok(error instanceof GeoDatabaseError, String(error));
      assert.equal(error.file, file);
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, reason);
      return true;
    },
  );
}

describe("MmdbFile: opening", () => {
  it("opens a database and reports its build epoch and IP version", () => {
    const file = MmdbFile.open(city, "City", capturedLog().log);
    try {
      assert.equal(file.epoch, firstEpoch);
      assert.equal(file.ipVersion, 6);
      assert.equal(file.databaseType, "GeoLite2-City");
      assert.equal(file.get("203.0.113.5").epoch, firstEpoch);
      assert.equal(file.get("203.0.113.1").record, null);
    } finally {
      file.close();
    }
  });

  it("names a missing file", (t) => {
    openRejects(join(scratch(t), "GeoLite2-City.mmdb"), "City", /no such file/);
  });

  it("names a truncated file", (t) => {
    const file = join(scratch(t), "truncated.mmdb");
    const bytes = readFileSync(city);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    openRejects(file, "City", /not a MaxMind DB file, or truncated/);
  });

  it("names a file that is not a MaxMind DB", (t) => {
    const file = join(scratch(t), "city.csv");
    writeFileSync(file, "network,country_code\n192.0.2.0/24,FR\n");
    openRejects(file, "City", /not a MaxMind DB file/);
  });

  it("names an empty file and a gzip-compressed one", (t) => {
    const dir = scratch(t);
    writeFileSync(join(dir, "empty.mmdb"), "");
    openRejects(join(dir, "empty.mmdb"), "City", /is empty/);
    writeFileSync(join(dir, "city.mmdb.gz"), gzipSync(readFileSync(city)));
    openRejects(join(dir, "city.mmdb.gz"), "City", /gzip-compressed/);
  });

  it("names an ASN database given as the City database, and the reverse", () => {
    openRejects(asn, "City", /is a GeoLite2-ASN database; geoip.citydb needs a City/);
    openRejects(city, "ASN", /is a GeoLite2-City database; geoip.asndb needs an ASN one/);
  });

  it("refuses a folder with two databases of one family, or none", (t) => {
    const dir = scratch(t);
    const { log } = capturedLog();
    assert.throws(() => GeoDatabase.open(dir, "City", log), /is a folder without .mmdb files/);
    copyFileSync(city, join(dir, "a.mmdb"));
    copyFileSync(cityNext, join(dir, "b.mmdb"));
    assert.throws(() => GeoDatabase.open(dir, "City", log), /more than one database per family/);
  });
});

describe("MmdbFile: replaced while running", () => {
  const watch = (events: ReloadEvent[]) => ({
    settleMs: 20,
    pollMs: 100,
    onReload: (event: ReloadEvent) => void events.push(event),
  });

  it("picks up a file replaced by rename (as geoipupdate does)", async (t) => {
    const dir = scratch(t);
    const path = join(dir, "GeoLite2-City.mmdb");
    copyFileSync(city, path);
    const events: ReloadEvent[] = [];
    const file = MmdbFile.open(path, "City", capturedLog().log, watch(events));
    t.after(() => file.close());
    assert.equal(file.get("192.0.2.7").record, null);
    copyFileSync(cityNext, join(dir, "incoming.tmp"));
    renameSync(join(dir, "incoming.tmp"), path);
    await waitFor("the next edition", () => file.epoch === nextEpoch);
    assert.deepEqual(events, [{ file: path, outcome: "loaded", epoch: nextEpoch }]);
    assert.deepEqual(file.get("192.0.2.7").record?.["country"], { iso_code: "FR" });
  });

  it("picks up a file overwritten in place", async (t) => {
    const dir = scratch(t);
    const path = join(dir, "GeoLite2-City.mmdb");
    copyFileSync(city, path);
    const file = MmdbFile.open(path, "City", capturedLog().log, watch([]));
    t.after(() => file.close());
    writeFileSync(path, readFileSync(cityNext));
    await waitFor("the next edition", () => file.epoch === nextEpoch);
  });

  it("keeps the loaded edition when the replacement is truncated or missing, logs it, and takes a good one later", async (t) => {
    const dir = scratch(t);
    const path = join(dir, "GeoLite2-City.mmdb");
    copyFileSync(city, path);
    const events: ReloadEvent[] = [];
    const { lines, log } = capturedLog();
    const file = MmdbFile.open(path, "City", log, watch(events));
    t.after(() => file.close());

    const next = readFileSync(cityNext);
    writeFileSync(path, next.subarray(0, next.length - 200));
    await waitFor("the rejection", () => events.length === 1);
    assert.equal(events[0]?.outcome, "rejected");
    assert.equal(file.epoch, firstEpoch);
    assert.equal(file.get("203.0.113.5").epoch, firstEpoch);
    assert.ok(file.get("203.0.113.5").record, "the old edition still answers");
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; file?: string; error?: string });
    const rejection = logged.find((line) => line.msg.includes("replacement rejected"));
    assert.ok(rejection, lines.join(""));
    assert.equal(rejection.file, path);
    assert.match(rejection.error ?? "", /truncated/);

    rmSync(path);
    await waitFor("the disappearance", () => events.length === 2);
    assert.match(events[1]?.outcome === "rejected" ? events[1].error.message : "", /disappeared/);
    assert.equal(file.epoch, firstEpoch);

    mkdirSync(join(dir, "staging"));
    writeFileSync(join(dir, "staging/new.mmdb"), next);
    renameSync(join(dir, "staging/new.mmdb"), path);
    await waitFor("the good replacement", () => file.epoch === nextEpoch);
    assert.equal(events.length, 3, "each bad file reported once");
  });
});
