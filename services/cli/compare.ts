// `ipv6matrix compare <a> <b>`: two crawls (ids or dates) side by side, per
// TLD, country or type, with the change in IPv6 share (or, with --view
// readiness, in the share of domains ready for IPv6 alone).

import { type CompareSubject, compareSql } from "../aggregator/queries/compare.js";
import { resolveCrawl } from "../runtime/crawls.js";
import { type Command, commonUsage, configFrom, openStoreWithCrawls, UsageError } from "./command.js";
import { textTable } from "./text-table.js";

export const compareCommand: Command = {
  summary: "compare two crawls (ids or dates) per TLD, country or type",
  usage: `Usage: ipv6matrix compare <crawl|date> <crawl|date> [--by tld|country|type] [--view penetration|readiness]

By TLD or country: domains with IPv6 (DomainPenetration). By type: hosts with
IPv6 (HostData). With --view readiness (by TLD or country): of the domains with
a readiness verdict, those ready for a client with IPv6 alone (Readiness). A date names the latest completed crawl of that day. method_a
and method_b: each crawl's method (1: measured by the original crawler, imported;
2: this crawler), so a change of method is told apart from a change in adoption.

Options:
  --by tld|country|type           (default tld)
  --view penetration|readiness    (default penetration)
${commonUsage}`,
  options: { by: { type: "string" }, view: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError("expected two crawls (ids or YYYY-MM-DD dates)");
    const by = (values["by"] as string | undefined) ?? "tld";
    if (!["tld", "country", "type"].includes(by))
      throw new UsageError(`--by ${by}: one of tld, country, type`);
    const view = (values["view"] as string | undefined) ?? "penetration";
    if (view !== "penetration" && view !== "readiness")
      throw new UsageError(`--view ${view}: penetration or readiness`);
    if (view === "readiness" && by === "type")
      throw new UsageError(
        "--view readiness: compare by tld or country (readiness is per domain, not per type)",
      );
    const config = configFrom(values);
    const store = await openStoreWithCrawls(config);
    try {
      const [a, b] = await Promise.all(positionals.map((text) => resolveCrawl(store, text)));
      positionals.forEach((text, i) => {
        if (![a, b][i]) throw new UsageError(`no completed crawl ${text} in the store`);
      });
      const { sql, params } = compareSql(a!.crawl_id, b!.crawl_id, by, view as CompareSubject);
      process.stdout.write(`A: ${a!.crawl_id} (${a!.date})   B: ${b!.crawl_id} (${b!.date})\n`);
      process.stdout.write(textTable(await store.query(sql, params)));
      return 0;
    } finally {
      await store.close();
    }
  },
};
