// The lab crawl on a busy machine (issue 15 item 12): while two CPU hogs keep both cores busy,
// the crawl must report exactly what the quiet crawl does, every value written by hand in
// scenarios/default.expected.yaml and checked by the same checker (test/lab/expectations.ts).
// A late or lost answer may cost time; it must never become a wrong value.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import {
  checkAddresses,
  checkHosts,
  checkJobs,
  checkSummaries,
  exportedTables,
  type Row,
  type Tables,
} from "../lab/expectations.js";
import { type Lab, startLab } from "../lab/lab.js";
import { crawlInLab, exportTable } from "./lab-run.js";

/** One busy loop per core, at the crawler's own priority, as other work on the machine would be. */
function startHogs(): ChildProcess[] {
  return Array.from({ length: Math.max(2, cpus().length) }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
}

describe("a crawl of the lab while both cores are busy reports what the scenario says", () => {
  let lab: Lab & AsyncDisposable;
  let expected: Row;
  const tables: Tables = {};
  let hogsRanThroughout = false;

  before(async () => {
    lab = await startLab("default");
    expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    const hogs = startHogs();
    try {
      await crawlInLab(lab, lab.domainsFile);
      // The hogs were still running when the crawl ended: the whole crawl ran on a busy machine.
      hogsRanThroughout = hogs.every((hog) => hog.exitCode === null && hog.signalCode === null);
    } finally {
      for (const hog of hogs) hog.kill("SIGKILL");
    }
    for (const table of exportedTables) tables[table] = await exportTable(lab, table);
  });
  after(async () => {
    await lab?.[Symbol.asyncDispose]();
  });

  it("ran the whole crawl with the hogs running", () => {
    assert.equal(hogsRanThroughout, true);
  });
  it("finds every domain's jobs and SOA analysis", () => {
    assert.deepEqual(checkJobs(expected, tables), []);
  });
  it("resolves every host to the addresses the zones give", () => {
    assert.deepEqual(checkHosts(expected, tables), []);
  });
  it("measures every address as on a quiet machine: hops, path, method, path MTU, ports, ping, PTR", () => {
    assert.deepEqual(checkAddresses(expected, tables), []);
  });
  it("computes the four summaries as written by hand", () => {
    assert.deepEqual(checkSummaries(expected, tables), {
      HostData: [],
      Reachability: [],
      Domains: [],
      DomainPenetration: [],
    });
  });
});
