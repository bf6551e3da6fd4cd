import assert from "node:assert/strict";
import { test } from "node:test";
import { type HopAnswer, TraceHops } from "./trace-hops.js";
import { fallbackMethods } from "./traceroute.js";

const router = (from: string): HopAnswer => ({ kind: "time-exceeded", from, rttMs: 1 });
const destination = (from: string): HopAnswer => ({ kind: "destination", from, rttMs: 2 });
const silent: HopAnswer = { kind: "silent" };

test("the lab's far path: r1, silent r2, r3, r4, then the host at hop 5", () => {
  const hops = new TraceHops({ maxTtl: 8, window: 3, gapLimit: 5 });
  assert.deepEqual(hops.next(), [1, 2, 3]);
  hops.record(1, router("192.0.2.1"));
  assert.deepEqual(hops.next(), [4]);
  hops.record(3, router("198.51.100.6"));
  hops.record(4, router("198.51.100.10"));
  assert.deepEqual(hops.next(), [5, 6]);
  hops.record(5, destination("203.0.113.130"));
  hops.record(6, destination("203.0.113.130"));
  // Nothing beyond the destination, but TTL 2 is still out.
  assert.deepEqual(hops.next(), []);
  assert.equal(hops.done, false);
  hops.record(2, silent);
  assert.equal(hops.done, true);
  const summary = hops.summary();
  assert.equal(summary.hops, 5);
  assert.equal(summary.reached, true);
  assert.deepEqual(
    summary.path.map((hop) => hop.address || "*"),
    ["192.0.2.1", "*", "198.51.100.6", "198.51.100.10", "203.0.113.130"],
  );
});

test("answers out of order: the lowest TTL the destination answered at is the hop count", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 8, gapLimit: 5 });
  assert.deepEqual(hops.next(), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const ttl of [8, 7, 6, 5, 4]) hops.record(ttl, destination("2001:db8:a::20"));
  for (const ttl of [3, 1]) hops.record(ttl, router(`2001:db8:${ttl}::1`));
  hops.record(2, silent);
  assert.equal(hops.done, true);
  assert.equal(hops.summary().hops, 4);
  assert.equal(hops.summary().path.length, 4);
});

test("a destination that never answers: stop after the gap limit, hops 0, path without trailing stars", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 4, gapLimit: 3 });
  let sent = hops.next();
  hops.record(1, router("192.0.2.1"));
  hops.record(2, router("198.51.100.6"));
  sent = [...sent, ...hops.next()];
  for (const ttl of [3, 4, 5]) hops.record(ttl, silent);
  assert.equal(hops.done, true, "three silent TTLs after the last answer end the trace");
  assert.ok(Math.max(...sent, ...hops.next()) <= 6);
  const summary = hops.summary();
  assert.deepEqual(summary, {
    hops: 0,
    reached: false,
    path: [
      { ttl: 1, address: "192.0.2.1", rttMs: 1 },
      { ttl: 2, address: "198.51.100.6", rttMs: 1 },
    ],
  });
});

test("max_ttl bounds the trace", () => {
  const hops = new TraceHops({ maxTtl: 3, window: 10, gapLimit: 5 });
  assert.deepEqual(hops.next(), [1, 2, 3]);
  for (const ttl of [1, 2, 3]) hops.record(ttl, router(`192.0.2.${ttl}`));
  assert.equal(hops.done, true);
  assert.equal(hops.summary().reached, false);
  assert.equal(hops.summary().path.length, 3);
});

test("a router that says unreachable stops the trace there", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 2, gapLimit: 5 });
  hops.next();
  hops.record(1, router("192.0.2.1"));
  hops.record(2, { kind: "stop", from: "198.51.100.6", rttMs: 1 });
  assert.deepEqual(hops.next(), []);
  assert.equal(hops.done, true);
  assert.equal(hops.summary().hops, 0);
  assert.equal(hops.summary().path.length, 2);
});

test("duplicate and impossible answers change nothing", () => {
  const hops = new TraceHops({ maxTtl: 5, window: 1, gapLimit: 5 });
  hops.next();
  hops.record(1, destination("192.0.2.9"));
  hops.record(1, router("192.0.2.1"));
  hops.record(7, router("192.0.2.7"));
  hops.record(0, router("192.0.2.7"));
  assert.equal(hops.done, true);
  assert.deepEqual(hops.summary().path, [{ ttl: 1, address: "192.0.2.9", rttMs: 2 }]);
});

test("a lost probe is asked again: the second attempt's answer counts, not a star", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 3, gapLimit: 5, retries: 1 });
  assert.deepEqual(hops.next(), [1, 2, 3]);
  hops.record(1, router("192.0.2.1"));
  hops.record(2, silent);
  hops.record(3, destination("203.0.113.130"));
  // TTL 2 goes out again; nothing above the destination.
  assert.deepEqual(hops.next(), [2]);
  assert.equal(hops.done, false);
  hops.record(2, router("198.51.100.6"));
  assert.equal(hops.done, true);
  assert.equal(hops.attemptsAt(2), 2);
  assert.deepEqual(
    hops.summary().path.map((hop) => hop.address || "*"),
    ["192.0.2.1", "198.51.100.6", "203.0.113.130"],
  );
});

test("retries spent: the TTL is a star, and the gap limit counts it once", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 2, gapLimit: 2, retries: 2 });
  const sent: number[] = [];
  let next = hops.next();
  // A destination that never answers: every probe is lost.
  while (next.length > 0) {
    sent.push(...next);
    for (const ttl of next) hops.record(ttl, ttl === 1 ? router("192.0.2.1") : silent);
    next = hops.next();
  }
  assert.equal(hops.done, true);
  // TTL 1 once; TTLs 2 and 3 (the gap) three times each; TTL 4 went out with the window
  // before the gap was known, and is not asked again above it.
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((ttl) => hops.attemptsAt(ttl)),
    [1, 3, 3, 1, 0],
  );
  assert.equal(sent.length, 8);
  assert.deepEqual(hops.summary(), {
    hops: 0,
    reached: false,
    path: [{ ttl: 1, address: "192.0.2.1", rttMs: 1 }],
  });
});

test("a retry made useless by a lower destination answer is not sent", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 4, gapLimit: 5, retries: 1 });
  assert.deepEqual(hops.next(), [1, 2, 3, 4]);
  hops.record(4, silent);
  hops.record(2, destination("2001:db8:a::20"));
  hops.record(1, router("2001:db8:1::1"));
  hops.record(3, destination("2001:db8:a::20"));
  assert.deepEqual(hops.next(), []);
  assert.equal(hops.done, true);
  assert.equal(hops.summary().hops, 2);
});

test("without retries (0) a silent TTL is a star at once, as before", () => {
  const hops = new TraceHops({ maxTtl: 30, window: 2, gapLimit: 5 });
  assert.deepEqual(hops.next(), [1, 2]);
  hops.record(1, silent);
  hops.record(2, destination("192.0.2.9"));
  assert.equal(hops.done, true);
  assert.equal(hops.attemptsAt(1), 1);
});

test("past an echo filter: TCP to the first port found open, then UDP; UDP alone when none is open", () => {
  assert.deepEqual(fallbackMethods([80, 443]), [{ method: "tcp", port: 80 }, { method: "udp" }]);
  assert.deepEqual(fallbackMethods([]), [{ method: "udp" }]);
});

test("a lost answer just below the destination is asked again, so it never moves the hop count (issue 15 item 12)", () => {
  // The destination sits at hop 4; its first two echo replies at TTL 4 are lost, hop 5's comes.
  const hops = new TraceHops({ maxTtl: 8, window: 6, gapLimit: 5, retries: 1, edgeAttempts: 4 });
  assert.deepEqual(hops.next(), [1, 2, 3, 4, 5, 6]);
  hops.record(1, router("192.0.2.1"));
  hops.record(2, silent);
  hops.record(3, router("198.51.100.6"));
  hops.record(5, destination("203.0.113.41"));
  hops.record(6, destination("203.0.113.41"));
  hops.record(4, silent);
  assert.deepEqual(hops.next(), [2, 4]);
  hops.record(2, silent);
  hops.record(4, silent);
  assert.equal(hops.done, false, "two silent probes at the TTL below the destination are not enough");
  assert.deepEqual(hops.next(), [4]);
  hops.record(4, destination("203.0.113.41"));
  assert.equal(hops.done, true);
  assert.equal(hops.summary().hops, 4);
  assert.equal(hops.attemptsAt(4), 3);
});

test("a router below the destination that never answers stays '*' after the edge attempts", () => {
  const hops = new TraceHops({ maxTtl: 8, window: 6, gapLimit: 5, retries: 1, edgeAttempts: 3 });
  hops.next();
  hops.record(1, router("192.0.2.1"));
  hops.record(2, silent);
  hops.record(3, destination("203.0.113.41"));
  for (let round = 0; round < 5 && !hops.done; round++)
    for (const ttl of hops.next()) hops.record(ttl, silent);
  assert.equal(hops.done, true);
  assert.equal(hops.attemptsAt(2), 3);
  assert.equal(hops.summary().hops, 3);
  assert.deepEqual(
    hops.summary().path.map((hop) => hop.address || "*"),
    ["192.0.2.1", "*", "203.0.113.41"],
  );
});
