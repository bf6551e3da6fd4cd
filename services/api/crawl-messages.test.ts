import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CrawlState, Metric } from "../../gen/ipv6matrix/v1/common.js";
import { Stage } from "../../gen/ipv6matrix/v1/crawl.js";
import type { CrawlRecord } from "../runtime/crawls.js";
import { metricNamesOf, typedMetricsOf } from "../runtime/metric-names.js";
import { toCrawl, toProgress } from "./crawl-messages.js";

const record: CrawlRecord = {
  crawl_id: "c20261101-0b0b0b0b",
  date: "2026-11-01",
  state: "completed",
  // As a MySQL-dump import stores them: only some options.
  options: JSON.stringify({ date: "2026-11-01", features: [3], metrics: ["ping", "ip6Type", "retired"] }),
  source: "legacy",
  domains: 3,
  rejected: 0,
  started_at: "2026-11-01 06:00:00.250",
  finished_at: "2026-11-01 08:00:00.000",
  published: 1,
  error: "",
};

describe("crawl messages", () => {
  it("a crawl carries both the deprecated seconds and the Timestamps, and complete options", () => {
    const crawl = toCrawl(record);
    assert.equal(crawl.state, CrawlState.CRAWL_STATE_COMPLETED);
    assert.equal(crawl.startedAt, Date.UTC(2026, 10, 1, 6) / 1000);
    assert.deepEqual(crawl.startTime, { seconds: Date.UTC(2026, 10, 1, 6) / 1000, nanos: 250_000_000 });
    assert.deepEqual(crawl.finishTime, { seconds: Date.UTC(2026, 10, 1, 8) / 1000, nanos: 0 });
    assert.deepEqual(crawl.options!.wwwPrefixes, [], "a missing list is empty, not absent");
    assert.deepEqual(crawl.options!.typedMetrics, [Metric.METRIC_PING, Metric.METRIC_IP6TYPE]);
    assert.equal(toCrawl({ ...record, finished_at: null }).finishTime, undefined);
  });

  it("metrics: enum to the pipeline's names and back; an unknown number is the client's error", () => {
    assert.deepEqual(metricNamesOf([Metric.METRIC_TCP25, Metric.METRIC_IP6TYPE]), ["tcp25", "ip6Type"]);
    assert.deepEqual(typedMetricsOf(["soa", "path"]), [Metric.METRIC_SOA, Metric.METRIC_PATH]);
    assert.throws(() => metricNamesOf([42 as Metric]), /typed_metrics: 42 is not a metric this server knows/);
  });

  it("progress: the time left is unset while unknown, 0 only when the stage is done", () => {
    const stages = [
      { stage: "domains" as const, total: 4, done: 4, failed: 0 },
      { stage: "hosts" as const, total: 10, done: 2, failed: 0 },
      { stage: "addresses" as const, total: 6, done: 0, failed: 0 },
    ];
    const first = toProgress(record, stages, undefined, 0);
    assert.deepEqual(
      first.stages.map((s) => s.remainingSeconds),
      [0, undefined, undefined],
    );
    // 2 s later: hosts went from 2 to 6 (2 a second, 4 left); addresses did not move.
    const previous = {
      at: 0,
      done: new Map([
        ["domains", 4],
        ["hosts", 2],
        ["addresses", 0],
      ]),
    };
    const later = toProgress(record, [stages[0]!, { ...stages[1]!, done: 6 }, stages[2]!], previous, 2000);
    assert.deepEqual(
      later.stages.map((s) => s.remainingSeconds),
      [0, 2, undefined],
    );
  });

  it("progress names each stage by its enum as well as its old string", () => {
    const progress = toProgress(record, [{ stage: "hosts", total: 4, done: 2, failed: 0 }], undefined, 0);
    assert.deepEqual(
      progress.stages.map((s) => [s.stage, s.kind]),
      [["hosts", Stage.STAGE_HOSTS]],
    );
  });
});
