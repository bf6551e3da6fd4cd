// The whole-crawl benchmark still works: `npm run bench -- --domains 1000 --skip-field-tools` on
// its lab (root, the lab lock held by whoever runs the suite) completes and writes its JSON, and
// the crawl's counts are the scale rule's, written by hand in bench-smoke.ts. Not timed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runBench1000, scaleChecks1000 } from "./bench-smoke.js";

test("npm run bench -- --domains 1000 --skip-field-tools", async (t) => {
  const { stdout, result } = await runBench1000(t, ["--skip-field-tools"], "v6m-scale-smoke");
  assert.match(stdout, /field tools: skipped \(--skip-field-tools\)/);
  assert.deepEqual(result.checks, scaleChecks1000);
  assert.deepEqual(result.field, { skipped: "--skip-field-tools" });
  // Every stage stored rows, and the store holds more than the domains' own rows.
  // web: the same-site parity fetch of the 400 www hosts with AAAA (issue 19).
  for (const stage of ["domains", "hosts", "addresses", "reverse", "web"])
    assert.ok(stage in result.stageSeconds, stage);
  assert.ok(result.questions > 1000 && result.addresses > 0 && result.rows > 1000);
  assert.ok(result.dns6Questions > 1000, `dns6 questions ${result.dns6Questions}`);
});
