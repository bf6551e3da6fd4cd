// Batches rows per table and writes them in one insert each, so the store sees
// a few large inserts instead of one per message. A caller's promise settles
// when its rows are written (the actor acknowledges only then); a failed
// insert fails every caller of that batch, and their messages are retried.

import type { Row, Store } from "../runtime/store.js";

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class BatchWriter {
  private rows = new Map<string, Row[]>();
  private waiters: Waiter[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly maxRows = 5000,
    private readonly maxDelayMs = 250,
  ) {}

  /** Resolves once the rows are in the store. */
  write(batch: readonly { table: string; rows: readonly Row[] }[]): Promise<void> {
    return new Promise((resolve, reject) => {
      for (const { table, rows } of batch) {
        if (rows.length === 0) continue;
        const pending = this.rows.get(table) ?? [];
        this.rows.set(table, pending);
        pending.push(...rows);
        this.count += rows.length;
      }
      this.waiters.push({ resolve, reject });
      if (this.count >= this.maxRows) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
    });
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.rows;
    const waiters = this.waiters;
    this.rows = new Map();
    this.waiters = [];
    this.count = 0;
    if (waiters.length === 0) return;
    try {
      for (const [table, tableRows] of rows) await this.store.insert(table, tableRows);
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
