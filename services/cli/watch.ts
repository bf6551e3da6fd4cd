// `ipv6matrix watch <crawl>`: the live progress of a crawl from the api's
// WatchCrawl stream, until it ends. Exit 0 when it completed.

import { CrawlState } from "../../gen/ipv6matrix/v1/common.js";
import type { WatchCrawlResponse } from "../../gen/ipv6matrix/v1/crawl.js";
import type { StageProgress } from "../runtime/progress.js";
import { crawlClient } from "./api-client.js";
import { type Command, commonUsage, configFrom, UsageError } from "./command.js";
import { ProgressDisplay } from "./progress-display.js";

const ENDED: readonly CrawlState[] = [
  CrawlState.CRAWL_STATE_COMPLETED,
  CrawlState.CRAWL_STATE_CANCELLED,
  CrawlState.CRAWL_STATE_FAILED,
];

export const watchCommand: Command = {
  summary: "follow a crawl's progress from the api service until it ends",
  usage: `Usage: ipv6matrix watch [--api HOST:PORT] <crawl-id>\n\n${commonUsage}`,
  options: { api: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("expected one crawl id");
    const config = configFrom(values);
    const client = crawlClient(values, config);
    const display = new ProgressDisplay(process.stdout);
    let state: CrawlState = CrawlState.CRAWL_STATE_UNSPECIFIED as CrawlState;
    try {
      await new Promise<void>((resolve, reject) => {
        const call = client.watchCrawl({ crawlId: positionals[0]! });
        call.on("data", (message: WatchCrawlResponse) => {
          const progress = message.progress!;
          state = progress.state;
          // The server's rate and time left, as it computed them (runtime/progress.ts);
          // remaining_seconds is unset while not known yet. The last message's counts are always
          // printed: without a terminal the display prints every few seconds, and a crawl that
          // ended within them would otherwise show only its first counts.
          display.update(
            progress.stages.map(
              (s): StageProgress => ({
                stage: s.stage as StageProgress["stage"],
                total: s.total,
                done: s.done,
                failed: s.failed,
                ratePerSecond: s.ratePerSecond,
                etaSeconds: s.remainingSeconds,
              }),
            ),
            ENDED.includes(progress.state),
          );
        });
        call.on("error", (error: Error & { details?: string }) =>
          reject(new UsageError(error.details || error.message)),
        );
        call.on("end", resolve);
      });
    } finally {
      client.close();
    }
    const name = CrawlState[state].replace(/^CRAWL_STATE_/, "").toLowerCase();
    process.stdout.write(`crawl ${positionals[0]} ${name}\n`);
    return state === CrawlState.CRAWL_STATE_COMPLETED ? 0 : 1;
  },
};
