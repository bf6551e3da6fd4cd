import assert from "node:assert/strict";
import { test } from "node:test";
import { CallerBudget } from "./caller-budget.js";

test("CallerBudget: a full budget at start, one call back per 60/perMinute seconds, callers apart", () => {
  const budget = new CallerBudget(3);
  // Far from 0, as a real clock is: the first call also sweeps idle callers.
  assert.deepEqual(
    [0, 0, 0].map(() => budget.take("a", 1e9 + 1000)),
    [0, 0, 0],
  );
  // The fourth call waits for one to come back: 20 s at 3 per minute.
  assert.equal(budget.take("a", 1e9 + 1000), 20);
  // Another caller has its own budget.
  assert.equal(budget.take("b", 1e9 + 1000), 0);
  assert.equal(budget.take("a", 1e9 + 21_000), 0);
  assert.equal(budget.take("a", 1e9 + 21_000), 20);
});

test("CallerBudget: 0 allows no call at all", () => {
  assert.equal(new CallerBudget(0).take("a", 0), Number.POSITIVE_INFINITY);
});
