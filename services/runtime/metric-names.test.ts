import assert from "node:assert/strict";
import { it } from "node:test";
import { Metric } from "../../gen/ipv6matrix/v1/common.js";
import { loadConfig } from "./config.js";
import { metricNamesOf, typedMetricsOf } from "./metric-names.js";

it("every metric of the configuration has its enum value, and back", () => {
  const names = Object.keys(loadConfig({ env: {}, sets: [] }).metrics);
  const typed = typedMetricsOf(names);
  assert.equal(typed.length, names.length, "a metric in config/default.yaml without a Metric enum value");
  assert.deepEqual(metricNamesOf(typed), names);
  assert.equal(
    new Set(typed).size,
    Object.keys(Metric).filter((key) => /^METRIC_(?!UNSPECIFIED)/.test(key)).length,
  );
});
