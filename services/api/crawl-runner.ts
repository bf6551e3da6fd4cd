// Runs one crawl: records it, sends its domains into the pipeline with
// back-pressure, follows its progress in the store until every stage has
// drained, then computes the summaries once and marks it completed. Used by
// `ipv6matrix crawl` (everything in one process) and by the api service.

import { randomBytes } from "node:crypto";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { DomainTask } from "../../gen/ipv6matrix/v1/work.js";
import { type CrawlRecord, getCrawl, saveCrawl, sqlTime } from "../runtime/crawls.js";
import type { DomainFileReport, DomainLine } from "../runtime/domain-file.js";
import { isDrained, readProgress, type StageCount } from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import { Subjects } from "../runtime/topology.js";
import type { Transport } from "../runtime/transport.js";

export interface CrawlRun {
  readonly crawlId: string;
  readonly domains: number;
}

export interface RunOptions {
  readonly store: Store;
  readonly transport: Transport;
  readonly options: CrawlOptions;
  readonly source: string;
  readonly domains: AsyncIterable<DomainLine>;
  /** Filled by whoever reads the domain file; its rejected lines are counted with the crawl. */
  readonly report: DomainFileReport;
  /** Whether addresses are measured in this deployment (prober and geo running). */
  readonly measuresAddresses: boolean;
  /** Computes the crawl's summaries once every stage has drained (the aggregator's job). */
  readonly summarise: (crawlId: string) => Promise<void>;
  /** Publish the summaries as soon as they are computed (publish.auto). */
  readonly autoPublish?: boolean;
  readonly onProgress?: (stages: readonly StageCount[]) => void;
  readonly pollMs?: number;
}

export function newCrawlId(date: string): string {
  return `c${date.replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
}

export async function runCrawl(run: RunOptions): Promise<CrawlRun> {
  const { store, transport, options } = run;
  const crawlId = newCrawlId(options.date);
  const record: CrawlRecord = {
    crawl_id: crawlId,
    date: options.date,
    state: "running",
    options: JSON.stringify(options),
    source: run.source,
    domains: 0,
    rejected: 0,
    started_at: sqlTime(new Date()),
    finished_at: null,
    published: 0,
    error: "",
  };
  await saveCrawl(store, record);

  let sent = 0;
  let stages: StageCount[] = [];
  let feeding = true;
  const poll = async () => {
    stages = await readProgress(store, crawlId, feeding ? Math.max(sent, 1) : sent, {
      addresses: run.measuresAddresses,
    });
    run.onProgress?.(stages);
  };
  const ticker = setInterval(() => void poll().catch(() => {}), run.pollMs ?? 1000);
  try {
    for await (const line of run.domains) {
      const task = DomainTask.encode({ crawlId, domain: line.domain, line: line.line, options }).finish();
      await transport.publish(Subjects.domains, task, `${crawlId}:${line.domain}`);
      sent++;
    }
    feeding = false;
    await saveCrawl(store, { ...record, domains: sent, rejected: run.report.rejectedCount });
    for (;;) {
      await poll();
      if (isDrained(stages)) break;
      await new Promise((resolve) => setTimeout(resolve, run.pollMs ?? 500));
    }
  } finally {
    clearInterval(ticker);
  }

  const current = (await getCrawl(store, crawlId))!;
  await saveCrawl(store, { ...current, state: "summarising" });
  await run.summarise(crawlId);
  await saveCrawl(store, {
    ...current,
    state: "completed",
    finished_at: sqlTime(new Date()),
    published: run.autoPublish ? 1 : 0,
  });
  return { crawlId, domains: sent };
}
