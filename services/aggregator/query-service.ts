// QueryService over gRPC (proto/ipv6matrix/v1/query.proto): the website's data
// views, trends over the published crawls, crawl comparison, a domain's
// history and domain search. SQL lives in queries/; this only maps requests
// and rows.

import { type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import { type QueryServiceServer, QueryServiceService, type Table } from "../../gen/ipv6matrix/v1/query.js";
import { findPublishedCrawl, resolveCrawl } from "../runtime/crawls.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import type { Params, Row, Store } from "../runtime/store.js";
import { compareSql } from "./queries/compare.js";
import { domainHistorySql, searchDomainsSql } from "./queries/domains.js";
import { QueryError, summarySql, trendSql } from "./queries/views.js";

export function toTable(rows: readonly Row[]): Table {
  const columns = Object.keys(rows[0] ?? {});
  return {
    columns,
    rows: rows.map((row) => ({
      cells: columns.map((column) => (row[column] === null ? "" : String(row[column]))),
    })),
  };
}

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/** Runs a handler; a QueryError or an unknown crawl is INVALID_ARGUMENT / NOT_FOUND, not INTERNAL. */
function unary<Req, Res>(run: (request: Req) => Promise<Res>): Handler<Req, Res> {
  return (call, callback) => {
    run(call.request).then(
      (response) => callback(null, response),
      (error: Error) =>
        callback({
          code:
            error instanceof QueryError
              ? status.INVALID_ARGUMENT
              : error instanceof NotFound
                ? status.NOT_FOUND
                : status.INTERNAL,
          details: error.message,
        }),
    );
  };
}

class NotFound extends Error {}

export function queryService(store: Store): GrpcService {
  const query = async ({ sql, params }: { sql: string; params: Params }) =>
    toTable(await store.query(sql, params));
  const crawlOf = async (text: string) => {
    const crawl = text === "" ? await findPublishedCrawl(store) : await resolveCrawl(store, text);
    if (!crawl) throw new NotFound(text === "" ? "no published crawl yet" : `no completed crawl ${text}`);
    return crawl.crawl_id;
  };
  const implementation: QueryServiceServer = {
    getSummary: unary(async (request) => ({
      table: await query(
        summarySql(request.view, await crawlOf(request.crawl), request.groupBy, filterOf(request.filter)),
      ),
    })),
    getTrend: unary(async (request) => ({
      table: await query(
        trendSql(request.view, request.groupBy, filterOf(request.filter), request.fromDate, request.toDate),
      ),
    })),
    compareCrawls: unary(async (request) => ({
      table: await query(
        compareSql(await crawlOf(request.crawlA), await crawlOf(request.crawlB), request.groupBy || "tld"),
      ),
    })),
    getDomainHistory: unary(async (request) => ({ table: await query(domainHistorySql(request.domain)) })),
    searchDomains: unary(async (request) => {
      const { sql, params } = searchDomainsSql(request.prefix, request.limit);
      return { domains: (await store.query<{ domain: string }>(sql, params)).map((row) => row.domain) };
    }),
  };
  return { name: "ipv6matrix.v1.QueryService", definition: QueryServiceService, implementation };
}

function filterOf(
  filter: { countries: string[]; types: string[]; tlds: string[]; minSample: number } | undefined,
) {
  return filter ?? {};
}
