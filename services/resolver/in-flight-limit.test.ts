import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlightLimit } from "./in-flight-limit.js";

describe("in-flight limit", () => {
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
