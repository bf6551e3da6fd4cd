// Crawls and their progress as the CrawlService's messages. Pure mapping.

import { type CrawlOptions, CrawlState } from "../../gen/ipv6matrix/v1/common.js";
import type { Crawl, CrawlProgress } from "../../gen/ipv6matrix/v1/crawl.js";
import type { CrawlRecord, CrawlStateName } from "../runtime/crawls.js";
import type { StageProgress } from "../runtime/progress.js";

const states: Record<CrawlStateName, CrawlState> = {
  queued: CrawlState.CRAWL_STATE_QUEUED,
  running: CrawlState.CRAWL_STATE_RUNNING,
  summarising: CrawlState.CRAWL_STATE_SUMMARISING,
  completed: CrawlState.CRAWL_STATE_COMPLETED,
  cancelled: CrawlState.CRAWL_STATE_CANCELLED,
  failed: CrawlState.CRAWL_STATE_FAILED,
};

export const finalStates: readonly CrawlStateName[] = ["completed", "cancelled", "failed"];

const seconds = (time: string | null) =>
  time ? Math.floor(Date.parse(`${time.replace(" ", "T")}Z`) / 1000) : 0;

export function toCrawl(record: CrawlRecord): Crawl {
  return {
    crawlId: record.crawl_id,
    date: record.date,
    state: states[record.state] ?? CrawlState.CRAWL_STATE_UNSPECIFIED,
    options: JSON.parse(record.options) as CrawlOptions,
    startedAt: seconds(record.started_at),
    finishedAt: seconds(record.finished_at),
    domains: record.domains,
    published: record.published === 1,
    error: record.error,
  };
}

/** Progress as WatchCrawl sends it; an ETA not known yet is 0, as proto3 has no "unset" double. */
export function toProgress(record: CrawlRecord, stages: readonly StageProgress[]): CrawlProgress {
  return {
    crawlId: record.crawl_id,
    state: states[record.state] ?? CrawlState.CRAWL_STATE_UNSPECIFIED,
    stages: stages.map((stage) => ({
      stage: stage.stage,
      total: stage.total,
      done: stage.done,
      failed: stage.failed,
      ratePerSecond: stage.ratePerSecond,
      etaSeconds: stage.etaSeconds ?? 0,
    })),
  };
}
