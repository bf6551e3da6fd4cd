// The aggregator's actors: everything on crawl.results and crawl.deadletters
// goes into the raw tables, in batches, acknowledged once written. Summaries
// are computed elsewhere (summaries.ts) when a crawl completes. While the
// store is unreachable the handlers wait for it, holding their messages: an
// outage is no fault of the message and must not use up its attempts (after
// which it would be dead-lettered, and its result lost).

import { CrawlResult, DeadLetter } from "../../gen/ipv6matrix/v1/work.js";
import type { ActorDefinition } from "../runtime/actor.js";
import type { Config } from "../runtime/config.js";
import { CrawlDates } from "../runtime/crawls.js";
import type { Logger } from "../runtime/log.js";
import type { Store } from "../runtime/store.js";
import { Subjects } from "../runtime/topology.js";
import { throughStoreOutage } from "../runtime/unreachable-store.js";
import { BatchWriter } from "./batch-writer.js";
import {
  addressRow,
  deadLetterRow,
  dns6Rows,
  geoRow,
  hostRow,
  jobRows,
  reverseRow,
  soaRows,
  webParityRow,
} from "./rows.js";

export function aggregatorActors(
  _config: Config,
  store: Store,
): { actors: ActorDefinition<CrawlResult | DeadLetter>[]; flush(): Promise<void> } {
  const batches = new BatchWriter(store);
  const crawlDates = new CrawlDates(store);
  const writer = {
    write: (batch: Parameters<BatchWriter["write"]>[0], log?: Logger) =>
      throughStoreOutage(() => batches.write(batch), { log, what: "writing results" }),
  };
  const dates = {
    of: (crawlId: string, log?: Logger) =>
      throughStoreOutage(() => crawlDates.of(crawlId), { log, what: "reading a crawl's date" }),
  };
  const crawlOfResult = (result: CrawlResult) => result.result?.value.crawlId ?? "";

  const results: ActorDefinition<CrawlResult> = {
    name: "aggregator.results",
    service: "aggregator",
    subject: Subjects.results,
    group: "aggregator",
    maxInFlight: 10_000,
    decode: (data) => CrawlResult.decode(data),
    crawlOf: crawlOfResult,
    async handle(message, { log }) {
      const result = message.result;
      if (!result) return;
      const date = await dates.of(result.value.crawlId, log);
      switch (result.$case) {
        case "domain":
          return writer.write(
            [
              { table: "jobs", rows: jobRows(result.value, date) },
              { table: "soa", rows: soaRows(result.value, date) },
              { table: "dns6_chains", rows: dns6Rows(result.value, date) },
            ],
            log,
          );
        case "host":
          return writer.write([{ table: "hosts", rows: [hostRow(result.value, date)] }], log);
        case "address":
          return writer.write([{ table: "addresses", rows: [addressRow(result.value, date)] }], log);
        case "geo":
          return writer.write([{ table: "geo", rows: [geoRow(result.value, date)] }], log);
        case "reverse":
          return writer.write([{ table: "reverse", rows: [reverseRow(result.value, date)] }], log);
        case "web":
          return writer.write([{ table: "web_parity", rows: [webParityRow(result.value, date)] }], log);
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
    handle: (letter, { log }) =>
      writer.write([{ table: "dead_letters", rows: [deadLetterRow(letter)] }], log),
  };

  return {
    actors: [
      results as ActorDefinition<CrawlResult | DeadLetter>,
      deadLetters as ActorDefinition<CrawlResult | DeadLetter>,
    ],
    flush: () => batches.flush(),
  };
}
