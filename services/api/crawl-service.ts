// CrawlService over gRPC (proto/ipv6matrix/v1/crawl.proto): submit a crawl
// (domains streamed, or a path or URL the server reads), follow it, list,
// cancel and resume crawls. The work is done by the CrawlManager; this maps
// calls, errors and progress.

import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { constants, type Http2Stream } from "node:http2";
import { join } from "node:path";
import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import {
  type CrawlServiceServer,
  CrawlServiceService,
  type SubmitCrawlRequest,
} from "../../gen/ipv6matrix/v1/crawl.js";
import { NotFoundError } from "../runtime/api-errors.js";
import { type Config, parseEndpoint } from "../runtime/config.js";
import { type CrawlRecord, findCrawlByRequestId, getCrawl, listCrawlPage } from "../runtime/crawls.js";
import { grpcError, unaryHandler } from "../runtime/grpc-errors.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { metricNamesOf } from "../runtime/metric-names.js";
import { NameserverPolicy } from "../runtime/nameserver-policy.js";
import { decodePageToken, encodePageToken, pageSize } from "../runtime/page-token.js";
import type { AddressMeasures } from "../runtime/progress.js";
import { crawlMeasures, ProgressRates, pauseAfterRead, readProgress } from "../runtime/progress.js";
import type { Store } from "../runtime/store.js";
import type { CrawlManager } from "./crawl-manager.js";
import { finalStates, toCrawl, toProgress } from "./crawl-messages.js";
import { checkDate } from "./crawl-options.js";
import { MAJESTIC_MILLION_URL, SourceError, SourceRefused, spoolWriter } from "./domain-source.js";

export interface CrawlServiceOptions {
  readonly store: Store;
  readonly manager: CrawlManager;
  readonly dataDir: string;
  /** The options a submission leaves empty come from here (the api's configuration). */
  readonly defaults: CrawlOptions;
  readonly measures: AddressMeasures;
  /** api.max_source_bytes, for streamed lists. */
  readonly maxSourceBytes: number;
  /** Which name servers a submission's options may name (resolver.nameservers, resolver.allow_nameservers). */
  readonly nameservers: NameserverPolicy;
  readonly watchIntervalMs?: number;
}

/** The name-server policy of a configuration, for CrawlServiceOptions. */
export function nameserverPolicyOf(config: Config): NameserverPolicy {
  return new NameserverPolicy(config.resolver.nameservers, config.resolver.allow_nameservers);
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
      let failed = false;
      // A place among api.max_running_crawls from the first byte: 200 clients streaming at once
      // do not all spool, only as many as may run.
      let release: () => void = () => {};
      try {
        release = manager.reserve();
      } catch (error) {
        failed = true;
        callback(grpcError(error));
        return;
      }
      const ready = mkdir(join(options.dataDir, "spool"), { recursive: true }).then(() => {
        writer = spoolWriter(incoming, options.maxSourceBytes);
      });
      const discard = () =>
        void ready.then(
          () => writer!.discard(),
          () => rm(incoming, { force: true }),
        );
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        release();
        discard();
        callback(grpcError(error));
      };
      call.on("data", (request: SubmitCrawlRequest) => {
        first ??= request;
        streamed += request.domains.length;
        void ready.then(() => {
          if (failed) return;
          try {
            writer!.write(request.domains);
          } catch (error) {
            fail(error);
          }
        }, fail);
      });
      call.on("error", fail);
      // A client that gives up mid-stream gets no crawl of the part it sent.
      call.on("cancelled", () => {
        if (failed) return;
        failed = true;
        release();
        discard();
      });
      call.on("end", () => {
        (async () => {
          await ready;
          if (failed) return;
          await writer!.close();
          // A cancelled stream ends too (grpc-js half-closes it, then reports the cancel): by
          // now, after the file's I/O, the cancel may be known, and the part sent is no crawl.
          if (failed || call.cancelled) return;
          const crawlOptions = mergeOptions(first?.options, options.defaults);
          for (const text of first?.options?.nameservers ?? []) {
            const server = parseEndpoint(text, 53);
            if (!server)
              throw new SourceError(
                `options.nameservers ${JSON.stringify(text)}: expected addr or addr:port`,
              );
            const refused = options.nameservers.refusal(server);
            if (refused) throw new SourceRefused(`options.${refused}`);
          }
          const source = first?.source ?? "";
          if (source !== "" && streamed > 0)
            throw new SourceError("give a source or stream domains, not both");
          const requestId = first?.requestId ?? "";
          if (streamed === 0) await rm(incoming, { force: true });
          // An empty submission is refused: the original's run script fetched the Majestic
          // Million when given no list, which would make an empty file a crawl of a million.
          if (streamed === 0 && source === "")
            throw new SourceError(
              `no domains: stream them or give a source (a path under api.source_dir or an http(s) URL, e.g. ${MAJESTIC_MILLION_URL})`,
            );
          let answered: (delivered: boolean) => void = () => {};
          const wanted = new Promise<boolean>((resolve) => {
            answered = resolve;
          });
          let submitted = false;
          const record = await submitOnce(requestId, () => {
            submitted = true;
            return streamed > 0
              ? manager.submit(crawlOptions, "", incoming, requestId, release, wanted)
              : manager.submit(crawlOptions, source, undefined, requestId, release, wanted);
          });
          // A repeated request id: the list streamed again is not needed, nor its place.
          if (!submitted) release();
          await rm(incoming, { force: true });
          if (call.cancelled) {
            answered(false);
            return;
          }
          callback(null, { crawl: toCrawl(record) });
          whenClosed(call, answered);
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
          const started = performance.now();
          const stages = await readProgress(
            store,
            crawl.crawl_id,
            Math.max(crawl.domains, 0),
            crawlMeasures(options.measures, storedMetrics(crawl.options)),
          );
          call.write({ progress: toProgress(crawl, rates.add(stages, Date.now())) });
          if (finalStates.includes(crawl.state)) break;
          const pauseMs = pauseAfterRead(performance.now() - started, options.watchIntervalMs ?? 1000);
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
        call.end();
      })().catch((error) => {
        // emit, not destroy: destroy ends the stream without a status and the client waits for ever.
        if (!stopped) call.emit("error", grpcError(error));
      });
    },
  };
  return { name: "ipv6matrix.v1.CrawlService", definition: CrawlServiceService, implementation };
}

/**
 * Tells whether the client stayed to the end of its call. A client that cancels a client stream
 * half-closes it and then resets it (RST_STREAM CANCEL), so its half-close looks like a complete
 * list: the crawl starts only once the HTTP/2 stream closed without a reset. The stream is
 * grpc-js's own (not public API); without it, the crawl starts at once, as before.
 */
function whenClosed(call: object, done: (clean: boolean) => void): void {
  const stream = (call as { call?: { stream?: Http2Stream } }).call?.stream;
  if (!stream || typeof stream.once !== "function") done(true);
  else if (stream.closed) done(stream.rstCode === constants.NGHTTP2_NO_ERROR);
  else stream.once("close", () => done(stream.rstCode === constants.NGHTTP2_NO_ERROR));
}

/** The metrics a crawl's stored options (JSON of CrawlOptions) ask. */
function storedMetrics(stored: string): string[] {
  try {
    const metrics = (JSON.parse(stored) as { metrics?: unknown }).metrics;
    return Array.isArray(metrics) ? metrics.filter((m): m is string => typeof m === "string") : [];
  } catch {
    return [];
  }
}
