// Batches rows per table and writes them in a few large inserts. Rows are encoded
// as they arrive (RowEncoder), so what waits for an insert is bytes, not objects.
// A batch is sealed when the writer holds maxRows rows, maxDelayMs after its first
// row, or on flush(); at most maxInserts inserts run at once and sealed batches
// queue behind them, so the writer goes on encoding while the store parses.
// A caller's promise settles when all its rows are written (the actor acknowledges
// only then); a failed insert fails every caller with rows in it, and their
// messages are retried. It does not bound what callers hand it: they do, by
// waiting on their promises (the actor's maxInFlight).

import { storeMetrics } from "../runtime/metrics.js";
import type { EncodedRows, Row, Store } from "../runtime/store.js";
import { RowEncoder } from "../runtime/store-wire.js";

export interface BatchWriterOptions {
  /** Rows held (all tables together) that seal a batch. Keep it below what callers have in flight. Default 5000. */
  readonly maxRows?: number;
  /**
   * The longest a row waits for its batch to be sealed. Default 1 s: each seal makes a part per
   * table, which the store merges again and again; at 250 ms a 20k-domain crawl's chDB spent 24 s
   * of CPU merging, at 1 s 9 s (issue 17, docs/performance.md).
   */
  readonly maxDelayMs?: number;
  /** Inserts running at once; more sealed batches wait in order. Default 2. */
  readonly maxInserts?: number;
}

interface Waiter {
  /** Tables whose rows of this write are not yet in the store. */
  pending: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** One table's sealed rows: an insert per column set, and the writes waiting on them. */
interface SealedBatch {
  readonly table: string;
  readonly parts: EncodedRows[];
  readonly waiters: Waiter[];
}

export class BatchWriter {
  private readonly maxRows: number;
  private readonly maxDelayMs: number;
  private readonly maxInserts: number;
  private tables = new Map<string, { encoder: RowEncoder; waiters: Waiter[] }>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sealed: SealedBatch[] = [];
  private running = 0;
  /** maxDelayMs passed while every insert slot was busy: seal when one frees. */
  private due = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    options: BatchWriterOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 5000;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    this.maxInserts = options.maxInserts ?? 2;
  }

  /** Resolves once the rows are in the store. */
  write(batch: readonly { table: string; rows: readonly Row[] }[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { pending: 0, resolve, reject };
      try {
        for (const { table, rows } of batch) {
          if (rows.length === 0) continue;
          let pending = this.tables.get(table);
          if (!pending) {
            pending = { encoder: new RowEncoder(), waiters: [] };
            this.tables.set(table, pending);
          }
          for (const row of rows) pending.encoder.add(row);
          pending.waiters.push(waiter);
          waiter.pending += 1;
          this.count += rows.length;
        }
      } catch (error) {
        // A row that cannot be encoded (no columns) fails its own write; rows of it
        // already encoded still go, as a replay of the message would write them again.
        waiter.pending = -1;
        reject(error);
      }
      if (waiter.pending === 0) resolve();
      if (this.count >= this.maxRows) this.seal();
      else if (this.count > 0) this.timer ??= setTimeout(() => this.sealWhenFree(), this.maxDelayMs);
    });
  }

  /** Seals what is held and resolves once every batch sealed so far is written (or has failed its callers). */
  flush(): Promise<void> {
    this.seal();
    if (this.running === 0 && this.sealed.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * The delay is over: seal now if an insert can start at once, else when one ends and no sealed
   * batch is waiting (each seal makes an insert per table, so sealing whenever a slot frees still
   * queued small inserts behind each other). A store slower than
   * maxDelayMs an insert (a remote one under load) then gets fewer, larger inserts instead of a
   * queue of small ones, each paying the statement's fixed cost (issue 17: NATS mode's stalls).
   */
  private sealWhenFree(): void {
    this.timer = undefined;
    if (this.storeIsFree()) this.seal();
    else this.due = true;
  }

  /** An insert could start now: a free slot and no sealed batch already waiting for one. */
  private storeIsFree(): boolean {
    return this.running < this.maxInserts && this.sealed.length === 0;
  }

  private seal(): void {
    this.due = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [table, { encoder, waiters }] of this.tables) {
      if (encoder.rows > 0) this.sealed.push({ table, parts: encoder.take(), waiters });
    }
    this.tables = new Map();
    this.count = 0;
    this.startInserts();
  }

  private startInserts(): void {
    while (this.running < this.maxInserts && this.sealed.length > 0) {
      const batch = this.sealed.shift() as SealedBatch;
      this.running += 1;
      void this.insert(batch).finally(() => {
        this.running -= 1;
        if (this.due && this.count > 0 && this.storeIsFree()) this.seal();
        else this.startInserts();
        if (this.running === 0 && this.sealed.length === 0) {
          for (const resolve of this.idle.splice(0)) resolve();
        }
      });
    }
  }

  private async insert({ table, parts, waiters }: SealedBatch): Promise<void> {
    const timer = storeMetrics.insertSeconds.startTimer({ table });
    try {
      for (const part of parts) await this.store.insert(table, part);
    } catch (error) {
      timer({ outcome: "error" });
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    timer({ outcome: "ok" });
    for (const waiter of waiters) {
      waiter.pending -= 1;
      if (waiter.pending === 0) waiter.resolve();
    }
  }
}
