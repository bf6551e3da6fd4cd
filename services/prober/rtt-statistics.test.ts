import assert from "node:assert/strict";
import { test } from "node:test";
import { rttStatistics } from "./rtt-statistics.js";

test("min, avg, max and mdev as iputils ping computes them", () => {
  // mean 2, mean of squares (1 + 4 + 9) / 3 = 14/3, mdev = sqrt(14/3 - 4) = 0.8165
  assert.deepEqual(rttStatistics(5, [1, 2, 3]), {
    sent: 5,
    received: 3,
    minMs: 1,
    avgMs: 2,
    maxMs: 3,
    mdevMs: 0.816,
  });
});

test("nothing received: zeros, and sent kept", () => {
  assert.deepEqual(rttStatistics(5, []), { sent: 5, received: 0, minMs: 0, avgMs: 0, maxMs: 0, mdevMs: 0 });
});

test("equal RTTs give mdev 0, never NaN from rounding", () => {
  const stats = rttStatistics(3, [0.1, 0.1, 0.1]);
  assert.equal(stats.mdevMs, 0);
  assert.equal(stats.avgMs, 0.1);
});

test("max is the real maximum (SPEC change 4: the original overwrote max6 with avg6)", () => {
  const stats = rttStatistics(4, [10, 0.5, 0.7, 0.6]);
  assert.equal(stats.maxMs, 10);
  assert.equal(stats.minMs, 0.5);
});
