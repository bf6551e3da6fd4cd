// `ipv6matrix summarise <crawl|date>`: computes a crawl's four summaries (and its
// readiness verdicts and Readiness summary, SPEC 5a) again
// from its raw rows (after a fix to the summary SQL, or a better geo database
// applied to the raw rows), replacing the old ones. A crawl with summaries and
// no raw rows (imported from the original's MySQL dump) is refused and kept.

import { computeSummaries } from "../aggregator/summaries.js";
import { resolveCrawl } from "../runtime/crawls.js";
import { migrate } from "../runtime/migrate.js";
import { type Command, commonUsage, configFrom, openStoreWithCrawls, UsageError } from "./command.js";

export const summariseCommand: Command = {
  summary: "compute a crawl's summaries again from its raw measurements",
  usage: `Usage: ipv6matrix summarise <crawl-id | YYYY-MM-DD>\n\n${commonUsage}`,
  options: {},
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("expected one crawl id or date");
    const config = configFrom(values);
    const store = await openStoreWithCrawls(config);
    try {
      await migrate(store);
      const crawl = await resolveCrawl(store, positionals[0]!);
      if (!crawl) throw new UsageError(`no crawl ${positionals[0]} in the store`);
      const started = performance.now();
      await computeSummaries(store, crawl.crawl_id);
      process.stdout.write(
        `crawl ${crawl.crawl_id} (${crawl.date}): summaries computed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
