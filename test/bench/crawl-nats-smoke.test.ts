// The whole-crawl benchmark's NATS mode still works: `npm run bench -- --domains 1000 --mode nats
// --instances resolver=2,prober=2 --skip-field-tools` on its lab (root, the lab lock held by
// whoever runs the suite) completes with every role a process of its own and writes its JSON.
// The counts are the scale rule's, written by hand in bench-smoke.ts (as crawl-smoke.test.ts). Not timed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runBench1000, scaleChecks1000 } from "./bench-smoke.js";

test("npm run bench -- --domains 1000 --mode nats --instances resolver=2,prober=2 --skip-field-tools", async (t) => {
  const { result } = await runBench1000(
    t,
    ["--mode", "nats", "--instances", "resolver=2,prober=2", "--skip-field-tools"],
    "v6m-scale-nsmoke",
  );
  assert.equal(result.mode, "nats");
  assert.equal(result.instances, "resolver=2,prober=2");
  // The same counts as embedded mode (crawl-smoke.test.ts), the dns6 chain walk's too.
  assert.deepEqual(result.checks, scaleChecks1000);
  // Every process of the crawl was measured, two of each role asked for, one of the others.
  const crawlProcesses = [
    "nats-server",
    "clickhouse endpoint",
    "aggregator",
    "geo",
    "api",
    "resolver-1",
    "resolver-2",
    "prober-1",
    "prober-2",
  ];
  for (const name of crawlProcesses) assert.ok(result.processes[name]?.peakRssMb > 0, `${name} measured`);
  assert.ok(!("resolver-3" in result.processes) && !("resolver" in result.processes));
  // The crawl's peak is every process's summed.
  const sum = crawlProcesses.reduce((total, name) => total + result.processes[name].peakRssMb, 0);
  assert.ok(Math.abs(result.crawl.peakRssMb - sum) < 1, `${result.crawl.peakRssMb} is the sum ${sum}`);
  for (const stage of ["domains", "hosts", "addresses", "reverse"])
    assert.ok(stage in result.stageSeconds, stage);
  assert.ok(result.questions > 1000 && result.addresses > 0 && result.rows > 1000);
});
