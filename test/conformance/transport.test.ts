// One conformance suite for the Transport contract, run against every
// implementation: what an actor may rely on, whichever bus it runs on. The
// NATS runs start a real nats-server per test. Survival of a server crash and
// sharing work between processes are checked on NATS only (transport-nats.test.ts).

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Delivery } from "../../services/runtime/transport.js";
import { runningNatsServers } from "../support/nats-server.js";
import {
  bytes,
  eventually,
  implementations,
  ips,
  keys,
  publishAll,
  recorder,
  sleep,
  work,
} from "./transport-harness.js";

for (const implementation of implementations) {
  describe(implementation.name, () => {
    it("delivers every message to one consumer of each group", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(ips);
      const prober = recorder();
      const geo = recorder();
      await t.consume("test.ips", { group: "prober", maxInFlight: 4 }, prober.ackAll);
      await t.consume("test.ips", { group: "geo", maxInFlight: 4 }, geo.ackAll);
      const all = keys(20);
      await publishAll(t, "test.ips", all);
      await eventually(
        "both groups to see every message",
        () => prober.seen.length === 20 && geo.seen.length === 20,
      );
      assert.deepEqual([...prober.seen].sort(), [...all].sort());
      assert.deepEqual([...geo.seen].sort(), [...all].sort());
    });

    it("shares a group's work among competing consumers, each message handled once", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      const a: string[] = [];
      const b: string[] = [];
      const slow = (into: string[]) => async (delivery: Delivery) => {
        into.push(delivery.key);
        await sleep(5);
        delivery.ack();
      };
      await t.consume("test.work", { group: "worker", maxInFlight: 2, ackWaitMs: 5_000 }, slow(a));
      await t.consume("test.work", { group: "worker", maxInFlight: 2, ackWaitMs: 5_000 }, slow(b));
      const all = keys(40);
      await publishAll(t, "test.work", all);
      await eventually("all 40 handled", () => a.length + b.length >= 40);
      await sleep(100); // room for a duplicate to show up
      assert.deepEqual([...a, ...b].sort(), [...all].sort());
      assert.ok(a.length > 0 && b.length > 0, `both consumers worked (${a.length}, ${b.length})`);
    });

    it("never has more than maxInFlight handlers running", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      let running = 0;
      let most = 0;
      let done = 0;
      await t.consume(
        "test.work",
        { group: "worker", maxInFlight: 3, ackWaitMs: 5_000 },
        async (delivery) => {
          running++;
          most = Math.max(most, running);
          await sleep(15);
          running--;
          done++;
          delivery.ack();
        },
      );
      await publishAll(t, "test.work", keys(30));
      await eventually("30 handled", () => done === 30);
      assert.ok(most <= 3, `at most 3 at once, saw ${most}`);
      assert.ok(most >= 2, `work ran concurrently (saw ${most})`);
    });

    it("lets every consumer of a group hold its maxInFlight at once", async () => {
      await using h = await implementation.harness();
      // Two instances of one service: on NATS two connections, as two processes would be.
      const first = await h.transport(work);
      const second = implementation.name === "NatsTransport" ? await h.transport(work) : first;
      const held = [0, 0];
      const gates: (() => void)[] = [];
      const holder = (instance: 0 | 1) => async (delivery: Delivery) => {
        held[instance]!++;
        await new Promise<void>((resolve) => gates.push(resolve));
        held[instance]!--;
        delivery.ack();
      };
      await first.consume("test.work", { group: "worker", maxInFlight: 3, ackWaitMs: 10_000 }, holder(0));
      await second.consume("test.work", { group: "worker", maxInFlight: 3, ackWaitMs: 10_000 }, holder(1));
      await publishAll(first, "test.work", keys(20));
      // A group-wide limit of one instance's maxInFlight would stop at 3 in all.
      await eventually("both consumers to hold 3 at once", () => held[0] === 3 && held[1] === 3);
      await sleep(100);
      assert.deepEqual(held, [3, 3], "neither holds more than its own maxInFlight");
      while (held[0]! + held[1]! > 0 || gates.length > 0) {
        for (const open of gates.splice(0)) open();
        await sleep(5);
      }
    });

    it("redelivers after nak(delay), counting attempts 2, 3", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      const attempts: number[] = [];
      const at: number[] = [];
      await t.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 5_000 }, (delivery) => {
        attempts.push(delivery.attempt);
        at.push(Date.now());
        if (delivery.attempt < 3) delivery.nak(100);
        else delivery.ack();
      });
      await t.publish("test.work", bytes("x"), "retry-me");
      await eventually("third attempt", () => attempts.length === 3);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.ok(at[1]! - at[0]! >= 80 && at[2]! - at[1]! >= 80, `nak delay honoured (${at.join(", ")})`);
      await sleep(200);
      assert.equal(attempts.length, 3, "acked: not delivered again");
    });

    it("never redelivers a termed message", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      const seen: string[] = [];
      await t.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, (delivery) => {
        seen.push(delivery.key);
        delivery.term();
      });
      await t.publish("test.work", bytes("poison"), "poison");
      await eventually("the first delivery", () => seen.length === 1);
      await sleep(700); // more than two ack waits
      assert.deepEqual(seen, ["poison"]);
      await eventually("nothing pending", async () => (await t.pending("test.work")) === 0);
    });

    it("redelivers a delivery left unsettled after ackWaitMs", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      const attempts: { attempt: number; at: number }[] = [];
      await t.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, (delivery) => {
        attempts.push({ attempt: delivery.attempt, at: Date.now() });
        if (delivery.attempt >= 2) delivery.ack(); // the first is forgotten, as by a hung handler
      });
      await t.publish("test.work", bytes("x"), "forgotten");
      await eventually("the redelivery", () => attempts.length === 2);
      assert.equal(attempts[1]!.attempt, 2);
      const gap = attempts[1]!.at - attempts[0]!.at;
      assert.ok(gap >= 250, `redelivered after the ack wait, not before (${gap} ms)`);
    });

    it("delivers a key published twice once", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      const r = recorder();
      await t.consume("test.work", { group: "worker", maxInFlight: 4 }, r.ackAll);
      await t.publish("test.work", bytes("same"), "same");
      await t.publish("test.work", bytes("same"), "same");
      await t.publish("test.work", bytes("other"), "other");
      await eventually("both keys", () => r.seen.length >= 2);
      await sleep(150);
      assert.deepEqual([...r.seen].sort(), ["other", "same"]);
    });

    it("holds a publish while the subject is full, until a delivery is acked", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work, { capacity: 3 });
      const held: Delivery[] = [];
      await t.consume("test.work", { group: "worker", maxInFlight: 10, ackWaitMs: 10_000 }, (d) => {
        held.push(d);
      });
      await publishAll(t, "test.work", keys(3));
      let fourthStored = false;
      const fourth = t.publish("test.work", bytes("4"), "m3").then(() => {
        fourthStored = true;
      });
      await eventually("three deliveries held", () => held.length === 3);
      await sleep(300);
      assert.equal(fourthStored, false, "the fourth publish waits while the subject is full");
      held[0]!.ack();
      await fourth;
      await eventually("the fourth delivery", () => held.length === 4);
      for (const d of held.slice(1)) d.ack();
    });

    it("counts pending: stored, plus handed out and not acked", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(ips);
      assert.equal(await t.pending("test.ips"), 0);
      await publishAll(t, "test.ips", keys(5));
      // Eventually: nats-server 2.9 counts a consumer's num_pending a moment after the publish is acknowledged.
      await eventually("pending 5", async () => (await t.pending("test.ips")) === 5);
      const held: Delivery[] = [];
      let acked = 0;
      await t.consume("test.ips", { group: "prober", maxInFlight: 10, ackWaitMs: 10_000 }, (d) => {
        if (acked < 2) {
          acked++;
          d.ack();
        } else held.push(d);
      });
      const geo: Delivery[] = [];
      await t.consume("test.ips", { group: "geo", maxInFlight: 10, ackWaitMs: 10_000 }, (d) => {
        d.ack();
        geo.push(d);
      });
      await eventually("geo done", () => geo.length === 5);
      // prober acked 2 and holds 3: the slowest group is what is pending.
      await eventually("pending 3", async () => (await t.pending("test.ips")) === 3);
      for (const d of held) d.ack();
      await eventually("pending 0", async () => (await t.pending("test.ips")) === 0);
    });

    it("drain waits for handlers in flight and takes nothing new", async () => {
      await using h = await implementation.harness();
      const t = await h.transport(work);
      let started = 0;
      let acked = 0;
      // An ack wait far longer than the test may take: a message that had to wait for it would
      // never reach the next consumer below, whatever the machine's speed.
      const subscription = await t.consume(
        "test.work",
        { group: "worker", maxInFlight: 3, ackWaitMs: 600_000 },
        async (d) => {
          started++;
          await sleep(200);
          acked++;
          d.ack();
        },
      );
      await publishAll(t, "test.work", keys(3));
      await eventually("three handlers running", () => started === 3);
      await subscription.drain();
      assert.equal(acked, 3, "drain resolved only after the handlers settled");
      await t.publish("test.work", bytes("late"), "late");
      await sleep(150);
      assert.equal(started, 3, "a drained subscription takes nothing new");
      assert.equal(await t.pending("test.work"), 1);
      // What it did not take goes to the next consumer at once, not after the ack wait (10 min).
      const next = recorder();
      await t.consume("test.work", { group: "worker", maxInFlight: 3, ackWaitMs: 5_000 }, next.ackAll);
      await eventually("the next consumer to get it", () => next.seen.length === 1, 60_000);
      assert.deepEqual(next.seen, ["late"]);
    });
  });
}

after(() => {
  assert.equal(runningNatsServers(), 0, "every nats-server the suite started was stopped");
});
