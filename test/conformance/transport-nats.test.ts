// The Transport contract's part that only NATS has: survival of a server crash, a handler that
// runs past its ack wait, and work shared between processes (each transport is its own
// connection, as another process's would be). A real nats-server per test.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Delivery } from "../../services/runtime/transport.js";
import { runningNatsServers } from "../support/nats-server.js";
import { eventually, implementations, keys, publishAll, recorder, sleep, work } from "./transport-harness.js";

const natsHarness = implementations.find(
  (implementation) => implementation.name === "NatsTransport",
)!.harness;

describe("NatsTransport", () => {
  it("loses nothing when nats-server is killed and restarted mid-stream", async () => {
    await using h = await natsHarness();
    const t = await h.transport(work);
    const seen = new Set<string>();
    let handled = 0;
    await t.consume("test.work", { group: "worker", maxInFlight: 5, ackWaitMs: 500 }, async (d) => {
      seen.add(d.key);
      handled++;
      await sleep(10);
      d.ack();
    });
    const all = keys(60);
    await publishAll(t, "test.work", all.slice(0, 30));
    // Crash the server with work stored, in flight and being published;
    // publishes during the outage wait it out.
    const restart = h.server!.restart({ downMs: 300 });
    await publishAll(t, "test.work", all.slice(30));
    await restart;
    await eventually("every message handled", () => seen.size === 60, 15_000);
    await eventually("nothing pending", async () => (await t.pending("test.work")) === 0, 5_000);
    // At least once: a crash may repeat a delivery whose ack it lost, never drop one.
    assert.ok(handled >= 60);
  });

  it("keeps the slot of a handler still running past ackWaitMs", async () => {
    await using h = await natsHarness();
    const t = await h.transport(work);
    let running = 0;
    let most = 0;
    const handled: string[] = [];
    await t.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, async (d) => {
      running++;
      most = Math.max(most, running);
      await sleep(1_000); // slower than the ack wait: the server redelivers meanwhile
      running--;
      handled.push(d.key);
      d.ack();
    });
    await publishAll(t, "test.work", keys(2));
    await eventually("both handled", () => new Set(handled).size === 2, 10_000);
    // Freeing the slot at the ack wait would start the next message (or the redelivered copy) at once.
    assert.equal(most, 1, `one handler at a time, saw ${most}`);
  });

  it("does not redeliver a message whose handler still runs past ackWaitMs, but does once its process is gone", async () => {
    await using h = await natsHarness();
    const slow = await h.transport(work);
    const other = await h.transport(work);
    const seenBySlow: string[] = [];
    const seenByOther: { key: string; attempt: number }[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await slow.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, async (d) => {
      seenBySlow.push(d.key);
      await held; // many ack waits
      d.ack();
    });
    await publishAll(slow, "test.work", ["slow-1"]);
    await eventually("the slow handler to hold it", () => seenBySlow.length === 1);
    await other.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, (d) => {
      seenByOther.push({ key: d.key, attempt: d.attempt });
      d.ack();
    });
    await sleep(1_500); // five ack waits: the server would have sent it again by now
    assert.deepEqual(seenByOther, [], "redelivered while its handler still ran");
    release();
    await eventually("acknowledged", async () => (await slow.pending("test.work")) === 0);

    // A process that is gone says nothing more: its message comes back after the ack wait.
    const gone: string[] = [];
    const dying = await h.transport(work);
    await slow.close();
    await other.close();
    await dying.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, (d) => {
      gone.push(d.key);
      return new Promise<void>(() => {}); // never settles
    });
    await publishAll(dying, "test.work", ["orphan"]);
    await eventually("the dying process to hold it", () => gone.length === 1);
    await dying.close();
    const after = recorder();
    const survivor = await h.transport(work);
    await survivor.consume("test.work", { group: "worker", maxInFlight: 1, ackWaitMs: 300 }, after.ackAll);
    await eventually("the orphan redelivered", () => after.seen.includes("orphan"), 10_000);
  });

  it("never pulls more than a busy consumer's connection can hold: every message delivered once", async () => {
    // nats-server drops what it cannot queue for a connection (64 MB) and calls the client a slow
    // consumer; the dropped messages come back only after ack_wait. 12,000 messages of 8 KB to a
    // consumer of 10,000 slots whose loop is busy a millisecond a message: one pull of 10,000
    // would be 80 MB at once (issue 17: the NATS crawl's aggregator stalled that way).
    await using h = await natsHarness();
    const t = await h.transport(work, { capacity: 20_000 });
    const count = 12_000;
    const payload = new Uint8Array(8 * 1024);
    let handled = 0;
    let again = 0;
    // A backlog first, as behind a store that was away: the first pull finds it all.
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = worker; i < count; i += 16) await t.publish("test.work", payload, `m${i}`);
      }),
    );
    await t.consume("test.work", { group: "worker", maxInFlight: 10_000, ackWaitMs: 60_000 }, async (d) => {
      const end = performance.now() + 1;
      while (performance.now() < end); // the aggregator's loop, encoding rows
      if (d.attempt > 1) again++;
      handled++;
      d.ack();
    });
    await eventually("every message handled", () => handled >= count, 300_000);
    assert.equal(again, 0, "no message was delivered twice");
    assert.equal(handled, count);
  });

  it("shares a group's work with a second process", async () => {
    await using h = await natsHarness();
    const first = await h.transport(work);
    const second = await h.transport(work); // declares the same stream and consumer: must not reset them
    const a: string[] = [];
    const b: string[] = [];
    const handler = (into: string[]) => async (d: Delivery) => {
      into.push(d.key);
      await sleep(5);
      d.ack();
    };
    await first.consume("test.work", { group: "worker", maxInFlight: 2, ackWaitMs: 5_000 }, handler(a));
    await second.consume("test.work", { group: "worker", maxInFlight: 2, ackWaitMs: 5_000 }, handler(b));
    const all = keys(40);
    await publishAll(first, "test.work", all);
    await eventually("all 40 handled", () => a.length + b.length >= 40);
    await sleep(100);
    assert.deepEqual([...a, ...b].sort(), [...all].sort());
    assert.ok(a.length > 0 && b.length > 0, `both processes worked (${a.length}, ${b.length})`);
    // A third process starting now must find the consumer where it is.
    const third = await h.transport(work);
    assert.equal(await third.pending("test.work"), 0);
  });
});

after(() => {
  assert.equal(runningNatsServers(), 0, "every nats-server the suite started was stopped");
});
