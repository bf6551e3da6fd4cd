import assert from "node:assert/strict";
import { test } from "node:test";
import { type PmtuEvidence, pmtuStart, pmtuStep } from "./pmtu.js";

function run(family: 4 | 6, evidence: PmtuEvidence[]) {
  let state = pmtuStart(family);
  const sizes: number[] = [];
  for (const item of evidence) {
    sizes.push(state.size);
    state = pmtuStep(state, item);
    if (state.done) break;
  }
  return { mtu: state.mtu, sizes, done: state.done };
}

test("the lab's narrow link: fragmentation needed with 1400, then the reply", () => {
  assert.deepEqual(run(4, [{ kind: "too-big", mtu: 1400 }, { kind: "reply" }]), {
    mtu: 1400,
    sizes: [1500, 1400],
    done: true,
  });
});

test("IPv6 packet too big with 1280 (RFC 8201)", () => {
  assert.deepEqual(run(6, [{ kind: "too-big", mtu: 1280 }, { kind: "reply" }]), {
    mtu: 1280,
    sizes: [1500, 1280],
    done: true,
  });
});

test("a report without a reply at that size is unknown (0), never the narrowest link seen (issue 15 item 12)", () => {
  const silent = { kind: "timeout" } as const;
  assert.deepEqual(run(4, [{ kind: "too-big", mtu: 1400 }, silent, silent, silent]), {
    mtu: 0,
    sizes: [1500, 1400, 1400, 1400],
    done: true,
  });
});

test("a late or lost answer is asked again: the size answered on a later attempt is the result", () => {
  // A busy machine: the packet-too-big for 1500 came late (the probe timed out), then came on the retry.
  assert.deepEqual(
    run(6, [{ kind: "timeout" }, { kind: "too-big", mtu: 1280 }, { kind: "timeout" }, { kind: "reply" }]),
    { mtu: 1280, sizes: [1500, 1500, 1280, 1280], done: true },
  );
});

test("no reply and no report: unknown (0), never 1500 (SPEC change 3)", () => {
  assert.equal(run(4, [{ kind: "timeout" }, { kind: "timeout" }, { kind: "timeout" }]).mtu, 0);
  assert.equal(run(6, [{ kind: "other" }]).mtu, 0);
});

test("a router reporting no MTU (RFC 1191 section 7) or a bogus one: the next plateau", () => {
  assert.deepEqual(run(4, [{ kind: "too-big", mtu: 0 }, { kind: "reply" }]).sizes, [1500, 1492]);
  assert.deepEqual(run(4, [{ kind: "too-big", mtu: 9000 }, { kind: "reply" }]).sizes, [1500, 1492]);
  assert.deepEqual(run(6, [{ kind: "too-big", mtu: 600 }, { kind: "reply" }]).sizes, [1500, 1492]);
});

test("a local link narrower than the first probe walks down the plateaus", () => {
  assert.deepEqual(run(4, [{ kind: "local-too-big" }, { kind: "local-too-big" }, { kind: "reply" }]), {
    mtu: 1480,
    sizes: [1500, 1492, 1480],
    done: true,
  });
});

test("endless too-big reports end after a bounded number of probes", () => {
  const evidence = Array.from({ length: 50 }, () => ({ kind: "too-big", mtu: 0 }) as const);
  const result = run(4, evidence);
  assert.equal(result.done, true);
  assert.ok(result.sizes.length <= 12);
  assert.equal(result.mtu, 0);
});
