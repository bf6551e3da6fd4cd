// SMTP probes (smtp.ts) on worker threads: the TLS handshake after STARTTLS costs about a
// millisecond of CPU per address in Node, more than every other probe of the address
// together, so on one event loop it capped the prober near 300 addresses a second. Threads
// put it on the other cores. Same outcomes as smtpProbe; pacing stays with the caller.

import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { threadEntry } from "../runtime/thread-entry.js";
import { type SmtpOptions, type SmtpOutcome, smtpProbe } from "./smtp.js";
import type { SmtpReply, SmtpRequest } from "./smtp-thread.js";
import { LocalResourceError } from "./tcp.js";

/** Threads by default: one core is left to the main thread's ICMP and TCP. */
export function defaultSmtpThreads(): number {
  return Math.max(1, Math.min(4, cpus().length - 1));
}

interface Pending {
  readonly ip: string;
  readonly options: SmtpOptions;
  resolve(outcome: SmtpOutcome): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

export class SmtpThreads {
  private readonly threads: Thread[] = [];
  private nextId = 0;
  private broken: Error | undefined;
  private closed = false;

  /** `size` threads, started on the first probe. */
  constructor(
    private readonly size: number,
    private readonly onBroken?: (error: Error) => void,
  ) {}

  probe(ip: string, options: SmtpOptions): Promise<SmtpOutcome> {
    if (this.broken || this.closed || this.size < 1) return smtpProbe(ip, options);
    if (this.threads.length === 0) this.start();
    let thread = this.threads[0]!;
    for (const candidate of this.threads)
      if (candidate.pending.size < thread.pending.size) thread = candidate;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { ip, options, resolve, reject });
      thread.worker.postMessage({ id, ip, options } satisfies SmtpRequest);
    });
  }

  close(): void {
    this.closed = true;
    for (const thread of this.threads.splice(0)) {
      for (const pending of thread.pending.values()) pending.reject(new Error("SMTP threads closed"));
      thread.pending.clear();
      void thread.worker.terminate();
    }
  }

  private start(): void {
    const entry = threadEntry(import.meta.url, "./smtp-thread.ts", "smtp-thread");
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(entry);
      const thread: Thread = { worker, pending: new Map() };
      worker.unref();
      worker.on("message", (reply: SmtpReply) => {
        const pending = thread.pending.get(reply.id);
        if (!pending) return;
        thread.pending.delete(reply.id);
        if (thread.pending.size === 0) worker.unref();
        if ("outcome" in reply) pending.resolve(reply.outcome);
        else if (reply.error.local) pending.reject(new LocalResourceError(reply.error.message));
        else pending.reject(new Error(reply.error.message));
      });
      // A thread that cannot start or dies: its probes and every later one run on this thread.
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (!this.closed) this.fail(new Error(`SMTP thread exited with code ${code}`));
      });
      this.threads.push(thread);
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    if (!this.broken) {
      this.broken = error;
      this.onBroken?.(error);
    }
    for (const thread of this.threads.splice(0)) {
      this.rescue(thread);
      void thread.worker.terminate();
    }
  }

  /** Probes a thread still held are measured again here, from the start. */
  private rescue(thread: Thread): void {
    for (const pending of thread.pending.values())
      smtpProbe(pending.ip, pending.options).then(pending.resolve, pending.reject);
    thread.pending.clear();
    thread.worker.unref();
  }
}
