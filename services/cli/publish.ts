// `ipv6matrix publish <crawl>` and `unpublish <crawl>`: a completed crawl's
// summaries become visible to trends and dashboards, or are hidden again (the
// role the original's staging-to-live database copy played).

import { resolveCrawl, setPublished } from "../runtime/crawls.js";
import { type Command, commonUsage, configFrom, openStoreWithCrawls, UsageError } from "./command.js";

function publishCommand(published: boolean): Command {
  const verb = published ? "publish" : "unpublish";
  return {
    summary: published
      ? "make a completed crawl visible to trends and dashboards"
      : "hide a published crawl again",
    usage: `Usage: ipv6matrix ${verb} <crawl-id | YYYY-MM-DD>\n\n${commonUsage}`,
    options: {},
    async run(values, positionals) {
      if (positionals.length !== 1) throw new UsageError("expected one crawl id or date");
      const config = configFrom(values);
      const store = await openStoreWithCrawls(config);
      try {
        const crawl = await resolveCrawl(store, positionals[0]!);
        if (!crawl) throw new UsageError(`no crawl ${positionals[0]} in the store`);
        try {
          await setPublished(store, crawl.crawl_id, published);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        process.stdout.write(
          `crawl ${crawl.crawl_id} (${crawl.date}) ${published ? "published" : "unpublished"}\n`,
        );
        return 0;
      } finally {
        await store.close();
      }
    },
  };
}

export const publishCrawlCommand = publishCommand(true);
export const unpublishCrawlCommand = publishCommand(false);
