import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimiter } from "./rate-limit.js";

describe("RateLimiter (GCRA)", () => {
  it("spaces slots 1/rate apart after a burst, and banks no more than the burst when idle", () => {
    const limiter = new RateLimiter(100, 3);
    assert.deepEqual(
      [1000, 1000, 1000, 1000, 1000].map((now) => limiter.reserve(now)),
      [0, 0, 0, 10, 20],
    );
    // Idle for a second: the burst again, not a second's worth of slots.
    assert.deepEqual(
      [2000, 2000, 2000, 2000].map((now) => limiter.reserve(now)),
      [0, 0, 0, 10],
    );
  });

  it("gives one slot at once when the burst is 1", () => {
    const limiter = new RateLimiter(1000);
    assert.deepEqual(
      [0, 0, 0].map((now) => limiter.reserve(now)),
      [0, 1, 2],
    );
  });

  it("does not limit when the rate is 0", () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) assert.equal(limiter.reserve(0), 0);
    assert.equal(limiter.take(), undefined);
  });

  it("is idle again once its schedule has passed", () => {
    const limiter = new RateLimiter(10, 2);
    limiter.reserve(0);
    limiter.reserve(0);
    assert.equal(limiter.idleAt(100), false);
    assert.equal(limiter.idleAt(200), true);
  });
});
