// The project's one rate limiter: the generic cell rate algorithm (virtual scheduling), as
// the resolver's questions per second per name server and the prober's packets per second
// (global and per destination) use it. Pure: it is given the time and answers how long to
// wait; it never queues a caller or drops one.

/**
 * One bucket: each reservation takes the next slot on a schedule of 1/rate seconds, with
 * `burst` slots that may go at once; a caller whose slot lies in the future waits for it.
 * An idle limiter banks no more than the burst. A rate of 0 means no limit.
 */
export class RateLimiter {
  private readonly stepMs: number;
  private readonly toleranceMs: number;
  /** Theoretical arrival time (ms) of the next slot; -Infinity: idle from the start. */
  private tat = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, burst = 1) {
    this.stepMs = perSecond > 0 ? 1000 / perSecond : 0;
    this.toleranceMs = Math.max(0, Math.floor(burst) - 1) * this.stepMs;
  }

  /** Reserves one slot at nowMs; returns the milliseconds to wait before using it (0: at once). */
  reserve(nowMs: number): number {
    if (this.stepMs === 0) return 0;
    const at = Math.max(nowMs, this.tat - this.toleranceMs);
    this.tat = Math.max(this.tat, at) + this.stepMs;
    return at - nowMs;
  }

  /** True when the limiter is as it was new (its whole burst free): its state may be forgotten. */
  idleAt(nowMs: number): boolean {
    return this.tat <= nowMs;
  }

  /** Resolves when the caller may go (undefined: at once), on the process's monotonic clock. */
  take(): Promise<void> | undefined {
    const wait = this.reserve(performance.now());
    return wait < 1 ? undefined : new Promise((resolve) => setTimeout(resolve, wait));
  }
}
