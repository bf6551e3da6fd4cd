// The DNS client on a worker thread of its own. The main thread runs the
// actors, the transport and protobuf; sending, receiving, checking and
// decoding every datagram (about 40 % of a crawl's CPU) happens here, on a
// second core. Questions go over in batches, one message a turn of the event
// loop, and answers come back the same way, so the cost of crossing threads
// is paid per batch, not per question. The answers are the same DnsAnswer
// objects the in-thread client gives (structured clones of them).

import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { RecordType } from "dns-packet";
import type { Counter } from "prom-client";
import { logger } from "../runtime/log.js";
import { threadEntry } from "../runtime/thread-entry.js";
import { type DnsAnswer, DnsClient, type DnsClientOptions, type DnsClientStats } from "./dns-client.js";
import { dnsMetrics, reportThreadInFlight } from "./dns-metrics.js";

/** What the resolver's actors need of a DNS client; DnsClient and ThreadedDnsClient both are one. */
export interface DnsAsker {
  readonly stats: DnsClientStats;
  readonly inFlight: number;
  query(name: string, type: RecordType): Promise<DnsAnswer>;
  close(): void;
}

/** Main thread to worker: questions as [id, name, type, id, name, type, ...]. */
interface Questions {
  readonly q: (number | string)[];
}

/** Worker to main thread: answers as [id, answer, ...], and the client's counters. */
interface Answers {
  readonly a: (number | DnsAnswer)[];
  readonly stats: DnsClientStats;
  readonly inFlight: number;
  /** The worker's metric values (its prom-client registry is its own). */
  readonly metrics?: MetricSnapshot;
}

type MetricSnapshot = { name: string; labels: Record<string, string | number>; value: number }[];

/** Whether a second thread can help: only with a second core. */
export function dnsThreadUseful(): boolean {
  return availableParallelism() >= 2;
}

interface Waiting {
  readonly name: string;
  readonly type: RecordType;
  readonly resolve: (answer: DnsAnswer) => void;
}

export class ThreadedDnsClient implements DnsAsker {
  stats: DnsClientStats = { questions: 0, queries: 0, tcp: 0, timeouts: 0 };
  inFlight = 0;
  private worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private batch: (number | string)[] = [];
  private scheduled = false;
  private closed = false;
  private readonly seen = new Map<string, number>();
  /** Stats of workers that died, so the totals keep counting. */
  private carried: DnsClientStats = { questions: 0, queries: 0, tcp: 0, timeouts: 0 };

  constructor(private readonly options: DnsClientOptions) {
    this.worker = this.start();
  }

  query(name: string, type: RecordType): Promise<DnsAnswer> {
    if (this.closed) return Promise.resolve(failure("client closed"));
    const id = this.nextId++;
    this.batch.push(id, name, type);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve) => this.waiting.set(id, { name, type, resolve }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    reportThreadInFlight(this, 0);
    void this.worker.terminate();
    for (const { resolve } of this.waiting.values()) resolve(failure("client closed"));
    this.waiting.clear();
  }

  private start(): Worker {
    // This module again, on the thread (runWorker below).
    const worker = new Worker(threadEntry(import.meta.url, "./dns-thread.ts", "dns-thread"), {
      workerData: this.options,
      // Its live data is the questions in flight: a small heap keeps the process's memory
      // bounded (a V8 heap otherwise grows with the allocation rate, not with what is live).
      resourceLimits: { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 48 },
    });
    worker.on("message", (message: Answers) => this.receive(message));
    worker.on("error", (error) => log.error({ error: error.message }, "DNS thread failed"));
    worker.on("exit", (code) => this.restart(worker, code));
    // Only questions in flight keep the process alive (see query and receive).
    if (this.waiting.size === 0) worker.unref();
    return worker;
  }

  /** A worker that died (out of memory, a bug) is replaced, and its questions asked again. */
  private restart(dead: Worker, code: number): void {
    if (this.closed || dead !== this.worker) return;
    log.error({ code, pending: this.waiting.size }, "DNS thread exited; starting another");
    this.carried = sum(this.carried, this.stats);
    this.seen.clear();
    this.worker = this.start();
    for (const [id, { name, type }] of this.waiting) this.batch.push(id, name, type);
    this.flush();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0 || this.closed) return;
    const message: Questions = { q: this.batch };
    this.batch = [];
    this.worker.postMessage(message);
  }

  private receive(message: Answers): void {
    const a = message.a;
    for (let i = 0; i < a.length; i += 2) {
      const id = a[i] as number;
      const waiting = this.waiting.get(id);
      if (!waiting) continue;
      this.waiting.delete(id);
      waiting.resolve(a[i + 1] as DnsAnswer);
    }
    this.stats = sum(this.carried, message.stats);
    this.inFlight = message.inFlight;
    if (message.metrics) this.applyMetrics(message.metrics);
    if (this.waiting.size === 0) this.worker.unref();
  }

  /** Adds the worker's counter increments since its last snapshot to this thread's registry. */
  private applyMetrics(snapshot: MetricSnapshot): void {
    for (const { name, labels, value } of snapshot) {
      const key = `${name}${JSON.stringify(labels)}`;
      const delta = value - (this.seen.get(key) ?? 0);
      this.seen.set(key, value);
      if (name === nameOf(dnsMetrics.inFlight)) reportThreadInFlight(this, value);
      else if (delta > 0) counterNamed(name)?.inc(labels, delta);
    }
  }
}

function sum(a: DnsClientStats, b: DnsClientStats): DnsClientStats {
  return {
    questions: a.questions + b.questions,
    queries: a.queries + b.queries,
    tcp: a.tcp + b.tcp,
    timeouts: a.timeouts + b.timeouts,
  };
}

const log = logger({ service: "resolver", actor: "dns-thread" });

function failure(reason: string): DnsAnswer {
  return {
    outcome: "TIMEOUT",
    rcode: -1,
    records: [],
    cnameChain: [],
    server: "",
    rttMs: 0,
    tcp: false,
    detail: reason,
  };
}

/** A prom-client metric's name (set by its constructor; the typings leave it out). */
function nameOf(metric: object): string {
  return (metric as { name: string }).name;
}

function counterNamed(name: string): Counter<string> | undefined {
  for (const counter of [dnsMetrics.questions, dnsMetrics.sent, dnsMetrics.passedOver, dnsMetrics.dropped])
    if (nameOf(counter) === name) return counter as Counter<string>;
  return undefined;
}

/** The worker's side: one DnsClient, questions in, answers out, a batch a turn. */
function runWorker(): void {
  const port = parentPort!;
  const client = new DnsClient(workerData as DnsClientOptions);
  let out: (number | DnsAnswer)[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const message: Answers = { a: out, stats: client.stats, inFlight: client.inFlight };
    out = [];
    port.postMessage(message);
  };
  // The metrics, a second apart, whether questions come or not.
  const metrics = setInterval(async () => {
    const snapshot: MetricSnapshot = [];
    for (const metric of [
      dnsMetrics.questions,
      dnsMetrics.sent,
      dnsMetrics.passedOver,
      dnsMetrics.dropped,
      dnsMetrics.inFlight,
    ]) {
      const { name, values } = await metric.get();
      for (const value of values) snapshot.push({ name, labels: value.labels, value: value.value });
    }
    const message: Answers = { a: [], stats: client.stats, inFlight: client.inFlight, metrics: snapshot };
    port.postMessage(message);
  }, 1000);
  metrics.unref();
  port.on("message", (message: Questions) => {
    const q = message.q;
    for (let i = 0; i < q.length; i += 3) {
      const id = q[i] as number;
      void client.query(q[i + 1] as string, q[i + 2] as RecordType).then((answer) => {
        out.push(id, answer);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    }
  });
}

if (!isMainThread && (workerData as DnsClientOptions | undefined)?.servers) runWorker();
