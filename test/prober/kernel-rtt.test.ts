// Round-trip times from the kernel (issue 17): while two CPU hogs keep both cores busy, the lab
// crawl runs and, at the same moment, scamper pings the same addresses from the same vantage;
// the crawl's median RTT must be within 1 ms of scamper's. The addresses are those that
// default.expected.yaml (written by hand) says answer ping. Needs root and the lab lock:
// flock /run/v6m-lab.lock node --import tsx --test test/prober/kernel-rtt.test.ts

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { medianOfMeans, scamperPingRtts } from "../bench/rtt-median.js";
import { crawlInLab, exportTable } from "../e2e/lab-run.js";
import type { Row } from "../lab/expectations.js";
import { type Lab, startLab } from "../lab/lab.js";

/** One busy loop per core, at the crawler's own priority, as in test/e2e/lab-busy.test.ts. */
function startHogs(): ChildProcess[] {
  return Array.from({ length: Math.max(2, cpus().length) }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
}

describe("a busy crawl's RTTs agree with scamper's, pinging the same addresses at the same moment", () => {
  let lab: Lab & AsyncDisposable;
  const work = mkdtempSync(join(tmpdir(), "v6m-kernel-rtt-"));
  let answering: string[] = [];
  let scamperRounds = 0;
  let scamperRoundsDuringCrawl = 0;
  let scamperOutput = "";
  let hogsRanThroughout = false;
  let addresses: Row[] = [];

  before(async () => {
    lab = await startLab("default");
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as {
      addresses: Record<string, { ping: boolean }>;
    };
    answering = Object.entries(expected.addresses)
      .filter(([, row]) => row.ping)
      .map(([ip]) => ip);
    const list = join(work, "addresses.txt");
    writeFileSync(list, `${answering.join("\n")}\n`);
    const hogs = startHogs();
    try {
      let crawlDone = false;
      const crawl = crawlInLab(lab, lab.domainsFile).finally(() => {
        crawlDone = true;
      });
      // scamper rounds back to back for as long as the crawl runs (a round: 3 pings 100 ms apart).
      const pings = (async () => {
        while (!crawlDone) {
          const round = await lab.exec(
            "scamper",
            ["-p", "1000", "-c", "ping -c 3 -i 0.1", "-O", "json", "-f", list],
            120_000,
          );
          assert.equal(round.code, 0, round.stderr);
          scamperOutput += round.stdout;
          scamperRounds++;
          if (!crawlDone) scamperRoundsDuringCrawl++;
        }
      })();
      await Promise.all([crawl, pings]);
      hogsRanThroughout = hogs.every((hog) => hog.exitCode === null && hog.signalCode === null);
    } finally {
      for (const hog of hogs) hog.kill("SIGKILL");
    }
    addresses = await exportTable(lab, "addresses");
  });
  after(async () => {
    await lab?.[Symbol.asyncDispose]();
    rmSync(work, { recursive: true, force: true });
  });

  it("ran scamper while the crawl ran, with the hogs running throughout", () => {
    assert.equal(hogsRanThroughout, true);
    assert.ok(
      scamperRoundsDuringCrawl >= 1,
      `scamper rounds ${scamperRounds}, during the crawl ${scamperRoundsDuringCrawl}`,
    );
  });

  it("has ping replies from every answering address, in the crawl and from scamper", () => {
    const scamper = scamperPingRtts(scamperOutput);
    const crawled = new Map(addresses.map((row) => [String(row["ip"]), row]));
    for (const ip of answering) {
      assert.ok((scamper.get(ip)?.length ?? 0) > 0, `scamper: no reply from ${ip}`);
      assert.ok(Number(crawled.get(ip)?.["ping_received"] ?? 0) > 0, `crawl: no reply from ${ip}`);
    }
  });

  it("reports a median RTT within 1 ms of scamper's", (t) => {
    const crawled = new Map(addresses.map((row) => [String(row["ip"]), row]));
    const crawlMedian = medianOfMeans(
      new Map(answering.map((ip) => [ip, [Number(crawled.get(ip)?.["ping_avg"] ?? Number.NaN)]])),
    );
    const scamperMedian = medianOfMeans(scamperPingRtts(scamperOutput));
    t.diagnostic(
      `median RTT: crawl ${crawlMedian} ms, scamper ${scamperMedian} ms (${answering.length} addresses, ` +
        `${scamperRoundsDuringCrawl} of ${scamperRounds} scamper rounds during the crawl)`,
    );
    assert.ok(
      Math.abs(crawlMedian - scamperMedian) <= 1,
      `crawl median ${crawlMedian} ms, scamper median ${scamperMedian} ms`,
    );
  });
});
