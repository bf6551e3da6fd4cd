import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration } from "./progress-display.js";

describe("progress display", () => {
  it("formats durations", () => {
    assert.equal(formatDuration(59), "59s");
    assert.equal(formatDuration(61), "1m01s");
    assert.equal(formatDuration(3 * 3600 + 120), "3h02m");
    assert.equal(formatDuration(undefined), "--");
  });
});
