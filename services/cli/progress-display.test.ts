import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, rateAndEta } from "./progress-display.js";

describe("progress display", () => {
  it("computes rate and ETA from samples", () => {
    const { rate, eta } = rateAndEta(
      [
        { at: 0, done: 0 },
        { at: 2000, done: 100 },
      ],
      300,
    );
    assert.equal(rate, 50);
    assert.equal(eta, 4);
    assert.deepEqual(rateAndEta([{ at: 0, done: 5 }], 10), { rate: 0, eta: undefined });
  });
  it("formats durations", () => {
    assert.equal(formatDuration(59), "59s");
    assert.equal(formatDuration(61), "1m01s");
    assert.equal(formatDuration(3 * 3600 + 120), "3h02m");
    assert.equal(formatDuration(undefined), "--");
  });
});
