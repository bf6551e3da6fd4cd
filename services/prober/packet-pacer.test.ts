import assert from "node:assert/strict";
import { test } from "node:test";
import { PacketPacer } from "./packet-pacer.js";

test("the global cap spaces packets after its burst", () => {
  const limiter = new PacketPacer({ pps: 1000, perDestinationPps: 1000, burstSeconds: 0.005 });
  const delays = Array.from({ length: 10 }, () => limiter.reserveGlobal(0));
  // A burst of 5 at once, then one per millisecond.
  assert.deepEqual(delays, [0, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
});

test("one destination waits for its own budget without holding back the others", () => {
  const limiter = new PacketPacer({ pps: 100_000, perDestinationPps: 2 });
  assert.equal(limiter.reserveDestination("192.0.2.1", 0), 0);
  assert.equal(limiter.reserveDestination("192.0.2.1", 0), 0);
  assert.equal(limiter.reserveDestination("192.0.2.1", 0), 500);
  assert.equal(limiter.reserveDestination("192.0.2.1", 0), 1000);
  assert.equal(limiter.reserveDestination("192.0.2.2", 0), 0);
  assert.equal(limiter.reserveGlobal(0), 0);
});

test("idle destinations are forgotten", () => {
  const limiter = new PacketPacer({ pps: 100_000, perDestinationPps: 10 });
  for (let i = 0; i < 100; i++) limiter.reserveDestination(`198.18.0.${i}`, 0);
  assert.equal(limiter.trackedDestinations, 100);
  limiter.reserveDestination("198.18.1.1", 20_000);
  assert.equal(limiter.trackedDestinations, 1);
});
