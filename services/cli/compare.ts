// `ipv6matrix compare <a> <b>`: two crawls (ids or dates) side by side, per
// TLD, country or type, with the change in IPv6 share.

import { compareSql } from "../aggregator/queries/compare.js";
import { resolveCrawl } from "../runtime/crawls.js";
import { openStore } from "../runtime/store-open.js";
import { type Command, commonUsage, configFrom, UsageError } from "./command.js";
import { textTable } from "./text-table.js";

export const compareCommand: Command = {
  summary: "compare two crawls (ids or dates) per TLD, country or type",
  usage: `Usage: ipv6matrix compare <crawl|date> <crawl|date> [--by tld|country|type]

By TLD or country: domains with IPv6 (DomainPenetration). By type: hosts with
IPv6 (HostData). A date names the latest completed crawl of that day. method_a
and method_b: each crawl's method (1: measured by the original crawler, imported;
2: this crawler), so a change of method is told apart from a change in adoption.

Options:
  --by tld|country|type   (default tld)
${commonUsage}`,
  options: { by: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError("expected two crawls (ids or YYYY-MM-DD dates)");
    const by = (values["by"] as string | undefined) ?? "tld";
    if (!["tld", "country", "type"].includes(by))
      throw new UsageError(`--by ${by}: one of tld, country, type`);
    const config = configFrom(values);
    const store = await openStore({ url: config.store.url, dataDir: config.store.data_dir });
    try {
      const [a, b] = await Promise.all(positionals.map((text) => resolveCrawl(store, text)));
      positionals.forEach((text, i) => {
        if (![a, b][i]) throw new UsageError(`no completed crawl ${text} in the store`);
      });
      const { sql, params } = compareSql(a!.crawl_id, b!.crawl_id, by);
      process.stdout.write(`A: ${a!.crawl_id} (${a!.date})   B: ${b!.crawl_id} (${b!.date})\n`);
      process.stdout.write(textTable(await store.query(sql, params)));
      return 0;
    } finally {
      await store.close();
    }
  },
};
