// failure.ts's closed set of failure names against the wire enum (common.proto ProbeFailure):
// one to one, so neither list can gain a name the other lacks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PortState, ProbeFailure } from "../../gen/ipv6matrix/v1/common.js";
import { failureOfErrno, failures, portStateOf, probeFailureOf } from "./failure.js";

// The enum's named values, without the two that are no failure name and ts-proto's UNRECOGNIZED.
const failureValues = Object.entries(ProbeFailure)
  .filter(([, value]) => typeof value === "number" && value > ProbeFailure.PROBE_FAILURE_NONE)
  .map(([name]) => name);

test("every failure name has its enum value PROBE_FAILURE_<NAME>, and every enum value a name", () => {
  for (const failure of failures) {
    assert.equal(ProbeFailure[probeFailureOf(failure)], `PROBE_FAILURE_${failure.toUpperCase()}`, failure);
  }
  assert.deepEqual([...failureValues].sort(), failures.map((f) => `PROBE_FAILURE_${f.toUpperCase()}`).sort());
  assert.equal(new Set(failures.map(probeFailureOf)).size, failures.length);
});

test("no failure (the step succeeded) is PROBE_FAILURE_NONE, never UNSPECIFIED", () => {
  assert.equal(probeFailureOf(""), ProbeFailure.PROBE_FAILURE_NONE);
});

test("errno codes map into the set; the port state follows", () => {
  assert.equal(failureOfErrno("ECONNREFUSED"), "connection_refused");
  assert.equal(failureOfErrno("EWHATEVER"), "unknown_failure");
  assert.equal(failureOfErrno(undefined), "unknown_failure");
  assert.equal(portStateOf("connection_refused"), PortState.PORT_STATE_CLOSED);
  assert.equal(portStateOf("generic_timeout"), PortState.PORT_STATE_FILTERED);
  assert.equal(portStateOf(""), PortState.PORT_STATE_OPEN);
});
