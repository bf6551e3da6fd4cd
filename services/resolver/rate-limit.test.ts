import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlightLimit, RateLimiter } from "./rate-limit.js";

describe("rate limits", () => {
  it("spaces questions 1/rate apart after a burst", () => {
    let now = 1000;
    const limiter = new RateLimiter(100, 3, () => now);
    assert.deepEqual([limiter.reserve(), limiter.reserve(), limiter.reserve()], [0, 0, 0]);
    assert.equal(limiter.reserve(), 10);
    assert.equal(limiter.reserve(), 20);
    now += 1000;
    // Idle for a second: the burst again, not a second's worth of slots.
    assert.deepEqual(
      [limiter.reserve(), limiter.reserve(), limiter.reserve(), limiter.reserve()],
      [0, 0, 0, 10],
    );
  });

  it("does not limit when the rate is 0", () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) assert.equal(limiter.reserve(), 0);
    assert.equal(limiter.take(), undefined);
  });

  it("hands slots in FIFO order and never more than the limit", async () => {
    const limit = new InFlightLimit(2);
    assert.equal(limit.acquire(), undefined);
    assert.equal(limit.acquire(), undefined);
    const order: number[] = [];
    const third = limit.acquire()!.then(() => order.push(3));
    const fourth = limit.acquire()!.then(() => order.push(4));
    assert.equal(limit.waiting, 2);
    limit.release();
    await third;
    assert.equal(limit.inFlight, 2);
    limit.release();
    await fourth;
    assert.deepEqual(order, [3, 4]);
    limit.release();
    limit.release();
    assert.equal(limit.inFlight, 0);
  });
});
