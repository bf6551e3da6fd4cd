// CrawlService over gRPC (proto/ipv6matrix/v1/crawl.proto): submit a crawl
// (domains streamed, or a path or URL the server reads), follow it, list,
// cancel and resume crawls. The work is done by the CrawlManager; this maps
// calls, errors and progress.

import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import {
  type CrawlServiceServer,
  CrawlServiceService,
  type SubmitCrawlRequest,
} from "../../gen/ipv6matrix/v1/crawl.js";
import { NotFoundError } from "../runtime/api-errors.js";
import { type CrawlRecord, findCrawlByRequestId, getCrawl, listCrawlPage } from "../runtime/crawls.js";
import { grpcError, unaryHandler } from "../runtime/grpc-errors.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { metricNamesOf } from "../runtime/metric-names.js";
import { decodePageToken, encodePageToken, pageSize } from "../runtime/page-token.js";
import type { AddressMeasures } from "../runtime/progress.js";
import { ProgressRates, readProgress } from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import type { CrawlManager } from "./crawl-manager.js";
import { finalStates, toCrawl, toProgress } from "./crawl-messages.js";
import { checkDate } from "./crawl-options.js";
import { MAJESTIC_MILLION_URL, SourceError, spoolWriter } from "./domain-source.js";

export interface CrawlServiceOptions {
  readonly store: Store;
  readonly manager: CrawlManager;
  readonly dataDir: string;
  /** The options a submission leaves empty come from here (the api's configuration). */
  readonly defaults: CrawlOptions;
  readonly measures: AddressMeasures;
  readonly watchIntervalMs?: number;
}

const crawlPages = { size: 50, max: 1000 };

/** A submission's options over the defaults: whatever it leaves empty, the api's configuration gives. */
export function mergeOptions(requested: CrawlOptions | undefined, defaults: CrawlOptions): CrawlOptions {
  const r = requested;
  const pick = <T>(value: T[] | undefined, fallback: T[]) => (value && value.length > 0 ? value : fallback);
  const num = (value: number | undefined, fallback: number) => (value ? value : fallback);
  return {
    features: pick(r?.features, defaults.features),
    // Typed metrics win; the pipeline carries the names either way.
    metrics: r?.typedMetrics.length ? metricNamesOf(r.typedMetrics) : pick(r?.metrics, defaults.metrics),
    wwwPrefixes: pick(r?.wwwPrefixes, defaults.wwwPrefixes),
    ntpPrefixes: pick(r?.ntpPrefixes, defaults.ntpPrefixes),
    date: r?.date ? checkDate(r.date) : defaults.date,
    nameservers: pick(r?.nameservers, defaults.nameservers),
    pingCount: num(r?.pingCount, defaults.pingCount),
    tcpTimeoutSeconds: num(r?.tcpTimeoutSeconds, defaults.tcpTimeoutSeconds),
    smtpTimeoutSeconds: num(r?.smtpTimeoutSeconds, defaults.smtpTimeoutSeconds),
    traceMaxTtl: num(r?.traceMaxTtl, defaults.traceMaxTtl),
    traceTimeoutSeconds: num(r?.traceTimeoutSeconds, defaults.traceTimeoutSeconds),
    typedMetrics: [],
  };
}

export function crawlService(options: CrawlServiceOptions): GrpcService {
  const { store, manager } = options;
  // Submissions of a request id still being recorded in this process: a retry that arrives
  // before the first attempt's crawl is in the store waits for it instead of racing it.
  const submitting = new Map<string, Promise<CrawlRecord>>();
  const submitOnce = (requestId: string, submit: () => Promise<CrawlRecord>): Promise<CrawlRecord> => {
    if (requestId === "") return submit();
    const pending = submitting.get(requestId);
    if (pending) return pending.catch(() => submitOnce(requestId, submit));
    const started = (async () => (await findCrawlByRequestId(store, requestId)) ?? (await submit()))();
    submitting.set(requestId, started);
    return started.finally(() => submitting.delete(requestId));
  };
  const found = async (crawlId: string): Promise<CrawlRecord> => {
    const crawl = await getCrawl(store, crawlId);
    if (!crawl) throw new NotFoundError(`no crawl ${crawlId}`);
    return crawl;
  };

  const implementation: CrawlServiceServer = {
    submitCrawl(call, callback) {
      const incoming = join(options.dataDir, "spool", `incoming-${randomBytes(6).toString("hex")}.txt`);
      let first: SubmitCrawlRequest | undefined;
      let streamed = 0;
      let writer: ReturnType<typeof spoolWriter> | undefined;
      const ready = mkdir(join(options.dataDir, "spool"), { recursive: true }).then(() => {
        writer = spoolWriter(incoming);
      });
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        void rm(incoming, { force: true });
        callback(grpcError(error));
      };
      call.on("data", (request: SubmitCrawlRequest) => {
        first ??= request;
        streamed += request.domains.length;
        void ready.then(() => writer!.write(request.domains));
      });
      call.on("error", fail);
      call.on("end", () => {
        (async () => {
          await ready;
          await writer!.close();
          const crawlOptions = mergeOptions(first?.options, options.defaults);
          const source = first?.source ?? "";
          if (source !== "" && streamed > 0)
            throw new SourceError("give a source or stream domains, not both");
          const requestId = first?.requestId ?? "";
          if (streamed === 0) await rm(incoming, { force: true });
          const record = await submitOnce(requestId, () =>
            streamed > 0
              ? manager.submit(crawlOptions, "", incoming, requestId)
              : manager.submit(crawlOptions, source || MAJESTIC_MILLION_URL, undefined, requestId),
          );
          // A repeated request id: the list streamed again is not needed.
          await rm(incoming, { force: true });
          callback(null, { crawl: toCrawl(record) });
        })().catch(fail);
      });
    },

    getCrawl: unaryHandler(async (request) => ({ crawl: toCrawl(await found(request.crawlId)) })),

    listCrawls: unaryHandler(async (request) => {
      const size = pageSize(request.pageSize, request.limit, crawlPages);
      const after = decodePageToken("ListCrawls", request.pageToken, 2);
      const page = await listCrawlPage(store, size, after && { started_at: after[0]!, crawl_id: after[1]! });
      return {
        crawls: page.crawls.map(toCrawl),
        nextPageToken: page.next
          ? encodePageToken("ListCrawls", [page.next.started_at, page.next.crawl_id])
          : "",
      };
    }),

    cancelCrawl: unaryHandler(async (request) => ({ crawl: toCrawl(await manager.cancel(request.crawlId)) })),

    resumeCrawl: unaryHandler(async (request) => ({ crawl: toCrawl(await manager.resume(request.crawlId)) })),

    watchCrawl(call) {
      const rates = new ProgressRates();
      let stopped = false;
      call.on("cancelled", () => {
        stopped = true;
      });
      (async () => {
        await found(call.request.crawlId);
        while (!stopped) {
          const crawl = await found(call.request.crawlId);
          const stages = await readProgress(store, crawl.crawl_id, Math.max(crawl.domains, 0), {
            ...options.measures,
            reverse: asksReverse(crawl.options),
          });
          call.write({ progress: toProgress(crawl, rates.add(stages, Date.now())) });
          if (finalStates.includes(crawl.state)) break;
          await new Promise((resolve) => setTimeout(resolve, options.watchIntervalMs ?? 1000));
        }
        call.end();
      })().catch((error) => call.destroy(grpcError(error)));
    },
  };
  return { name: "ipv6matrix.v1.CrawlService", definition: CrawlServiceService, implementation };
}

/** Whether a crawl's stored options (JSON of CrawlOptions) ask the PTR of every address. */
function asksReverse(stored: string): boolean {
  try {
    const metrics = (JSON.parse(stored) as { metrics?: unknown }).metrics;
    return Array.isArray(metrics) && metrics.includes("reverse");
  } catch {
    return false;
  }
}
