// `ipv6matrix history <domain>` and `ipv6matrix search <prefix>`: one domain
// across the published crawls, and the domains whose name starts with a
// prefix (every page of SearchDomains, or the first N), from the api's
// QueryService.

import { Metadata } from "@grpc/grpc-js";
import type { SearchDomainsResponse, Table } from "../../gen/ipv6matrix/v1/query.js";
import { deadline, queryClient } from "./api-client.js";
import { type Command, commonUsage, configFrom, UsageError } from "./command.js";
import { checkFormat, printTable, unary } from "./query.js";

export const historyCommand: Command = {
  summary: "one domain's Domains row and readiness verdicts in every published crawl, from the api service",
  usage: `Usage: ipv6matrix history [--api HOST:PORT] [--format table|jsonl] <domain>

One row per published crawl the domain was in, oldest first: its hosts per
feature and with IPv6, reachability per family, ping and path comparisons, and
its readiness verdicts with the reason for each no (dns6, web6, web6_same,
mail6, ntp6, ipv6_only_ready; empty where one does not apply or was not measured).

Options:
  --api HOST:PORT          the api service (default api.listen)
  --format table|jsonl     a text table (default) or one JSON object a row
${commonUsage}`,
  options: { api: { type: "string" }, format: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("expected one domain");
    const format = checkFormat(values);
    const client = queryClient(values, configFrom(values));
    try {
      const response = await unary<{ table?: Table }>((done) =>
        client.getDomainHistory({ domain: positionals[0]! }, new Metadata(), deadline(), done),
      );
      printTable(response.table, format);
      return 0;
    } finally {
      client.close();
    }
  },
};

export const searchCommand: Command = {
  summary: "the domains whose name starts with a prefix, from the api service",
  usage: `Usage: ipv6matrix search [--api HOST:PORT] [--limit N] <prefix>

Prints the matching domains of the published crawls, one a line, in
alphabetical order: all of them, a page at a time, or the first N.

Options:
  --api HOST:PORT      the api service (default api.listen)
  --limit N            at most N domains (default: all)
${commonUsage}`,
  options: { api: { type: "string" }, limit: { type: "string" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("expected one prefix");
    const limit = values["limit"] === undefined ? Number.POSITIVE_INFINITY : Number(values["limit"]);
    if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit > 0)))
      throw new UsageError(`--limit ${values["limit"]}: a whole number, 1 or more`);
    const client = queryClient(values, configFrom(values));
    try {
      let printed = 0;
      let pageToken = "";
      do {
        const pageSize = Math.min(1000, limit - printed);
        const page = await unary<SearchDomainsResponse>((done) =>
          client.searchDomains(
            { prefix: positionals[0]!, limit: 0, pageSize, pageToken },
            new Metadata(),
            deadline(),
            done,
          ),
        );
        if (page.domains.length > 0) process.stdout.write(`${page.domains.join("\n")}\n`);
        printed += page.domains.length;
        pageToken = page.nextPageToken;
      } while (pageToken !== "" && printed < limit);
      return 0;
    } finally {
      client.close();
    }
  },
};
