// QueryService over gRPC (proto/ipv6matrix/v1/query.proto): the website's data
// views, trends over the published crawls, crawl comparison, a domain's
// history and domain search. SQL lives in queries/, typed tables in
// query-table.ts; this maps requests (new enum fields and the deprecated
// strings alike) and errors (through the one mapper of grpc-errors.ts).

import {
  Grouping,
  type QueryServiceServer,
  QueryServiceService,
  View,
} from "../../gen/ipv6matrix/v1/query.js";
import { InvalidArgumentError, NotFoundError } from "../runtime/api-errors.js";
import { findPublishedCrawl, resolveCrawl } from "../runtime/crawls.js";
import { unaryHandler } from "../runtime/grpc-errors.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { decodePageToken, encodePageToken, pageSize } from "../runtime/page-token.js";
import type { Store } from "../runtime/store.js";
import { type CompareSubject, compareSql } from "./queries/compare.js";
import { domainHistorySql, searchDomainsSql } from "./queries/domains.js";
import { summarySql, trendSql } from "./queries/views.js";
import { TableQueries } from "./query-table.js";

const viewNames: Partial<Record<View, string>> = {
  [View.VIEW_HOSTS]: "hosts",
  [View.VIEW_DOMAINS]: "domains",
  [View.VIEW_REACH]: "reach",
  [View.VIEW_DUALSTACK]: "dualstack",
  [View.VIEW_PING]: "ping",
  [View.VIEW_PATH]: "path",
  [View.VIEW_READINESS]: "readiness",
};

/** What CompareCrawls compares: penetration unless readiness is asked for (issue 19). */
export function compareSubjectOf(dataView: View): CompareSubject {
  if (dataView === View.VIEW_UNSPECIFIED) return "penetration";
  if (dataView === View.VIEW_READINESS) return "readiness";
  throw new InvalidArgumentError(
    `data_view ${dataView}: CompareCrawls compares penetration (unspecified) or readiness (VIEW_READINESS)`,
  );
}

const groupingNames: Partial<Record<Grouping, string>> = {
  [Grouping.GROUPING_NONE]: "none",
  [Grouping.GROUPING_TLD]: "tld",
  [Grouping.GROUPING_COUNTRY]: "country",
  [Grouping.GROUPING_TYPE]: "type",
};

/** The view's name: the enum when set (a newer client), else the deprecated string. */
export function viewOf(dataView: View, view: string): string {
  if (dataView === View.VIEW_UNSPECIFIED) return view;
  const name = viewNames[dataView];
  if (name === undefined)
    throw new InvalidArgumentError(`data_view ${dataView}: not a view this server knows`);
  return name;
}

/** The grouping's name: the enum when set, else the deprecated string, else `fallback`. */
export function groupingOf(group: Grouping, groupBy: string, fallback: string): string {
  if (group === Grouping.GROUPING_UNSPECIFIED) return groupBy || fallback;
  const name = groupingNames[group];
  if (name === undefined) throw new InvalidArgumentError(`group ${group}: not a grouping this server knows`);
  return name;
}

const searchPages = { size: 20, max: 1000 };

export function queryService(store: Store): GrpcService {
  const tables = new TableQueries(store);
  const crawlOf = async (text: string) => {
    const crawl = text === "" ? await findPublishedCrawl(store) : await resolveCrawl(store, text);
    if (!crawl)
      throw new NotFoundError(text === "" ? "no published crawl yet" : `no completed crawl ${text}`);
    return crawl.crawl_id;
  };
  const implementation: QueryServiceServer = {
    getSummary: unaryHandler(async (request) => ({
      table: await tables.run(
        summarySql(
          viewOf(request.dataView, request.view),
          await crawlOf(request.crawl),
          groupingOf(request.group, request.groupBy, ""),
          request.filter ?? {},
        ),
      ),
    })),
    getTrend: unaryHandler(async (request) => ({
      table: await tables.run(
        trendSql(
          viewOf(request.dataView, request.view),
          groupingOf(request.group, request.groupBy, ""),
          request.filter ?? {},
          request.fromDate,
          request.toDate,
        ),
      ),
    })),
    compareCrawls: unaryHandler(async (request) => ({
      table: await tables.run(
        compareSql(
          await crawlOf(request.crawlA),
          await crawlOf(request.crawlB),
          groupingOf(request.group, request.groupBy, "tld"),
          compareSubjectOf(request.dataView),
        ),
      ),
    })),
    getDomainHistory: unaryHandler(async (request) => ({
      table: await tables.run(domainHistorySql(request.domain)),
    })),
    searchDomains: unaryHandler(async (request) => {
      const size = pageSize(request.pageSize, request.limit, searchPages);
      const prefix = request.prefix.toLowerCase();
      // The prefix is part of the token: a token is only good for the search it came from.
      const after = decodePageToken("SearchDomains", request.pageToken, 2);
      if (after && after[0] !== prefix)
        throw new InvalidArgumentError(
          `page_token: it is for the prefix ${JSON.stringify(after[0])}, not ${JSON.stringify(prefix)}`,
        );
      const { sql, params } = searchDomainsSql(prefix, size, after?.[1]);
      const found = (await store.query<{ domain: string }>(sql, params)).map((row) => row.domain);
      const domains = found.slice(0, size);
      return {
        domains,
        nextPageToken: found.length > size ? encodePageToken("SearchDomains", [prefix, domains.at(-1)!]) : "",
      };
    }),
  };
  return { name: "ipv6matrix.v1.QueryService", definition: QueryServiceService, implementation };
}
