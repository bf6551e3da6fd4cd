// The whole-crawl benchmark's NATS mode still works: `npm run bench -- --domains 1000 --mode nats
// --instances resolver=2,prober=2 --skip-field-tools` on its lab (root, the lab lock held by
// whoever runs the suite) completes with every role a process of its own and writes its JSON.
// The counts are the scale rule's, written here by hand for d0..d999 (as crawl-smoke.test.ts):
// www A for N % 10 != 9 (900), www AAAA for N % 10 < 4 (400), every address answers ping. Not timed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { assertLabPossible } from "../lab/lab.js";

const root = resolve(import.meta.dirname, "../..");

test("npm run bench -- --domains 1000 --mode nats --instances resolver=2,prober=2 --skip-field-tools", async (t) => {
  assertLabPossible();
  const out = mkdtempSync(join(tmpdir(), "v6m-bench-nats-smoke-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const child = spawn(
    "npm",
    [
      ...["run", "-s", "bench", "--", "--domains", "1000", "--mode", "nats"],
      ...["--instances", "resolver=2,prober=2", "--skip-field-tools", "--out", out],
    ],
    {
      cwd: root,
      env: { ...process.env, V6M_SCALE_NAME: "v6m-scale-nsmoke" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(code, 0, `bench failed:\n${stdout}\n${stderr}`);
  const files = readdirSync(out).filter((f) => f.startsWith("crawl-1000-") && f.endsWith(".json"));
  assert.equal(files.length, 1);
  const result = JSON.parse(readFileSync(join(out, files[0]!), "utf8"));
  assert.equal(result.mode, "nats");
  assert.equal(result.instances, "resolver=2,prober=2");
  assert.deepEqual(result.checks, {
    "domains completed": [1000, 1000],
    "www hosts with A": [900, 900],
    "www hosts with AAAA": [400, 400],
    "addresses without a ping reply": [0, 0],
    // The dns6 chain walk, as in embedded mode (crawl-smoke.test.ts).
    "dns6 ready": [250, 250],
    "dns6 no_aaaa_glue": [250, 250],
    "dns6 one_ipv6_nameserver": [500, 500],
  });
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
