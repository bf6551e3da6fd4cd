import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProgressRates, pauseAfterRead, rateAndEta } from "./progress.js";

describe("rate and ETA of a crawl's stages", () => {
  it("computes rate and ETA from samples", () => {
    const { rate, eta } = rateAndEta(
      [
        { at: 0, settled: 0 },
        { at: 2000, settled: 100 },
      ],
      300,
    );
    assert.equal(rate, 50);
    assert.equal(eta, 4);
    assert.deepEqual(rateAndEta([{ at: 0, settled: 5 }], 10), { rate: 0, eta: undefined });
    assert.deepEqual(
      rateAndEta(
        [
          { at: 0, settled: 10 },
          { at: 1000, settled: 10 },
        ],
        10,
      ),
      { rate: 0, eta: 0 },
    );
  });

  it("counts failed pieces as settled, over a window of samples", () => {
    const rates = new ProgressRates(3);
    const stage = (done: number, failed: number) => [{ stage: "domains" as const, total: 100, done, failed }];
    assert.deepEqual(rates.add(stage(0, 0), 0), [
      { stage: "domains", total: 100, done: 0, failed: 0, ratePerSecond: 0, etaSeconds: undefined },
    ]);
    rates.add(stage(8, 2), 1000);
    rates.add(stage(18, 2), 2000);
    // The window holds the last three samples: 1 s (10 settled), 2 s (20) and 3 s (30).
    assert.deepEqual(rates.add(stage(28, 2), 3000), [
      { stage: "domains", total: 100, done: 28, failed: 2, ratePerSecond: 10, etaSeconds: 7 },
    ]);
  });
});

describe("the pause between progress reads", () => {
  it("is the interval while reads are cheap, and ten times a read's own time once they are not", () => {
    assert.equal(pauseAfterRead(30, 1000), 1000);
    assert.equal(pauseAfterRead(100, 1000), 1000);
    assert.equal(pauseAfterRead(250, 1000), 2500);
    // A large crawl's read of 2 s: the store counts the crawl an eleventh of its time, not all of it.
    assert.equal(pauseAfterRead(2000, 1000), 20000);
  });
});
