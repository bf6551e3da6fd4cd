// The two caps that keep a crawl polite to its name servers: questions in
// flight at once (over all servers) and questions per second per server.
// Both make the caller wait; neither drops a question.

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

/**
 * Questions per second to one server, as the generic cell rate algorithm
 * does it: each question reserves the next free slot on a schedule of
 * 1/rate seconds, with a burst of `burst` slots; a caller whose slot lies in
 * the future waits for it. 0 means no limit.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly burstMs: number;
  private next = 0;

  constructor(
    perSecond: number,
    burst = Math.max(1, Math.ceil(perSecond / 20)),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
    this.burstMs = this.intervalMs * burst;
  }

  /** Reserves one slot; returns how many milliseconds to wait before using it (0: at once). */
  reserve(): number {
    if (this.intervalMs === 0) return 0;
    const now = this.now();
    // An idle limiter may not bank more than the burst.
    const start = Math.max(this.next, now - this.burstMs + this.intervalMs);
    this.next = start + this.intervalMs;
    return Math.max(0, start - now);
  }

  /** Resolves when the caller may send. */
  take(): Promise<void> | undefined {
    const wait = this.reserve();
    return wait < 1 ? undefined : new Promise((resolve) => setTimeout(resolve, wait));
  }
}
