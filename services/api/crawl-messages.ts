// Crawls and their progress as the CrawlService's messages. Pure mapping.

import type { Timestamp } from "../../gen/google/protobuf/timestamp.js";
import { CrawlOptions, CrawlState } from "../../gen/ipv6matrix/v1/common.js";
import { type Crawl, type CrawlProgress, Stage } from "../../gen/ipv6matrix/v1/crawl.js";
import type { CrawlRecord, CrawlStateName } from "../runtime/crawls.js";
import { typedMetricsOf } from "../runtime/metric-names.js";
import type { StageCount, StageProgress } from "../runtime/progress.js";

const states: Record<CrawlStateName, CrawlState> = {
  queued: CrawlState.CRAWL_STATE_QUEUED,
  running: CrawlState.CRAWL_STATE_RUNNING,
  summarising: CrawlState.CRAWL_STATE_SUMMARISING,
  completed: CrawlState.CRAWL_STATE_COMPLETED,
  cancelled: CrawlState.CRAWL_STATE_CANCELLED,
  failed: CrawlState.CRAWL_STATE_FAILED,
};

export const finalStates: readonly CrawlStateName[] = ["completed", "cancelled", "failed"];

const stageKinds: Record<StageCount["stage"], Stage> = {
  domains: Stage.STAGE_DOMAINS,
  hosts: Stage.STAGE_HOSTS,
  addresses: Stage.STAGE_ADDRESSES,
  // Issue 19's parity fetch: no Stage value of its own yet (crawl.proto); the stage string says "web".
  web: Stage.STAGE_UNSPECIFIED,
};

/** Milliseconds since the epoch of a stored time (DateTime64(3) text, UTC). */
const millis = (time: string) => Date.parse(`${time.replace(" ", "T")}Z`);

const seconds = (time: string | null) => (time ? Math.floor(millis(time) / 1000) : 0);

function timestamp(time: string | null): Timestamp | undefined {
  if (!time) return undefined;
  const ms = millis(time);
  return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
}

export function toCrawl(record: CrawlRecord): Crawl {
  return {
    crawlId: record.crawl_id,
    date: record.date,
    state: states[record.state] ?? CrawlState.CRAWL_STATE_UNSPECIFIED,
    // fromPartial: a crawl imported from a MySQL dump stores only some options (date, features,
    // metrics), and a message with a missing list cannot be serialised.
    options: withTypedMetrics(CrawlOptions.fromPartial(JSON.parse(record.options) as Partial<CrawlOptions>)),
    // The deprecated seconds for clients built on the first protos, the Timestamps for the others.
    startedAt: seconds(record.started_at),
    finishedAt: seconds(record.finished_at),
    domains: record.domains,
    published: record.published === 1,
    error: record.error,
    startTime: timestamp(record.started_at),
    finishTime: timestamp(record.finished_at),
    requestId: record.request_id ?? "",
  };
}

function withTypedMetrics(options: CrawlOptions): CrawlOptions {
  return { ...options, typedMetrics: typedMetricsOf(options.metrics) };
}

/**
 * Progress as WatchCrawl sends it, with the rate and time left runtime/progress.ts computed.
 * remaining_seconds is unset while unknown; the deprecated eta_seconds says 0 for that too.
 */
export function toProgress(record: CrawlRecord, stages: readonly StageProgress[]): CrawlProgress {
  return {
    crawlId: record.crawl_id,
    state: states[record.state] ?? CrawlState.CRAWL_STATE_UNSPECIFIED,
    stages: stages.map((stage) => ({
      stage: stage.stage,
      kind: stageKinds[stage.stage] ?? Stage.STAGE_UNSPECIFIED,
      total: stage.total,
      done: stage.done,
      failed: stage.failed,
      ratePerSecond: stage.ratePerSecond,
      etaSeconds: stage.etaSeconds ?? 0,
      remainingSeconds: stage.etaSeconds,
    })),
  };
}
