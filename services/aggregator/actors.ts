// The aggregator's actors: everything on crawl.results and crawl.deadletters
// goes into the raw tables, in batches, acknowledged once written. Summaries
// are computed elsewhere (summaries.ts) when a crawl completes.

import { CrawlResult, DeadLetter } from "../../gen/ipv6matrix/v1/work.js";
import type { ActorDefinition } from "../runtime/actor.js";
import type { Config } from "../runtime/config.js";
import { CrawlDates } from "../runtime/crawls.js";
import type { Store } from "../runtime/store.js";
import { Subjects } from "../runtime/topology.js";
import { BatchWriter } from "./batch-writer.js";
import { addressRow, deadLetterRow, geoRow, hostRow, jobRows, reverseRow, soaRows } from "./rows.js";

export function aggregatorActors(
  _config: Config,
  store: Store,
): { actors: ActorDefinition<CrawlResult | DeadLetter>[]; flush(): Promise<void> } {
  const writer = new BatchWriter(store);
  const dates = new CrawlDates(store);
  const crawlOfResult = (result: CrawlResult) => result.result?.value.crawlId ?? "";

  const results: ActorDefinition<CrawlResult> = {
    name: "aggregator.results",
    service: "aggregator",
    subject: Subjects.results,
    group: "aggregator",
    maxInFlight: 10_000,
    decode: (data) => CrawlResult.decode(data),
    crawlOf: crawlOfResult,
    async handle(message) {
      const result = message.result;
      if (!result) return;
      const date = await dates.of(result.value.crawlId);
      switch (result.$case) {
        case "domain":
          return writer.write([
            { table: "jobs", rows: jobRows(result.value, date) },
            { table: "soa", rows: soaRows(result.value, date) },
          ]);
        case "host":
          return writer.write([{ table: "hosts", rows: [hostRow(result.value, date)] }]);
        case "address":
          return writer.write([{ table: "addresses", rows: [addressRow(result.value, date)] }]);
        case "geo":
          return writer.write([{ table: "geo", rows: [geoRow(result.value, date)] }]);
        case "reverse":
          return writer.write([{ table: "reverse", rows: [reverseRow(result.value, date)] }]);
      }
    },
  };

  const deadLetters: ActorDefinition<DeadLetter> = {
    name: "aggregator.deadletters",
    service: "aggregator",
    subject: Subjects.deadLetters,
    group: "aggregator",
    maxInFlight: 1000,
    decode: (data) => DeadLetter.decode(data),
    crawlOf: (letter) => letter.crawlId,
    handle: (letter) => writer.write([{ table: "dead_letters", rows: [deadLetterRow(letter)] }]),
  };

  return {
    actors: [
      results as ActorDefinition<CrawlResult | DeadLetter>,
      deadLetters as ActorDefinition<CrawlResult | DeadLetter>,
    ],
    flush: () => writer.flush(),
  };
}
