// The cap on questions in flight at once (over all servers) that, with the per-server
// rate (runtime/rate-limit.ts), keeps a crawl polite to its name servers. It makes the
// caller wait; it never drops a question.

/** A counting semaphore with a FIFO of waiters (O(1) per take and release). */
export class InFlightLimit {
  private used = 0;
  private waiters: (() => void)[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`in-flight limit must be at least 1, not ${limit}`);
  }

  get inFlight(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length - this.head;
  }

  /** Resolves once a slot is held; call release() exactly once afterwards. */
  acquire(): Promise<void> | undefined {
    if (this.used < this.limit) {
      this.used++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    if (this.head < this.waiters.length) {
      // The slot passes straight to the next waiter: `used` stays the same.
      const next = this.waiters[this.head]!;
      this.waiters[this.head++] = undefined as unknown as () => void;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      next();
      return;
    }
    this.used--;
  }
}
