// A short run of every fuzz target, as CI affords it: a fixed number of
// executions from a fixed seed (the same inputs every time), and no crash.
// Longer runs: npm run fuzz -- all --seconds 60 (docs/fuzzing.md).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fuzz } from "./engine.js";
import { targets } from "./targets.js";

const runs = Number(process.env["FUZZ_RUNS"] ?? 300);

describe("fuzz targets, short run", () => {
  for (const target of targets)
    it(`${target.name}: ${runs} executions, no crash`, async () => {
      const stats = await fuzz(target, { runs, seed: 16 });
      assert.equal(
        stats.crash,
        undefined,
        `crash on ${stats.crash?.input.toString("hex")}: ${String(stats.crash?.error)}`,
      );
      assert.equal(stats.executions, runs);
      // The seeds alone reach some of the code; a target that reaches none measures nothing.
      assert.ok(stats.features > 0);
    });
});
