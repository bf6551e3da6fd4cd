// How many ProberService.Probe calls one caller may make (prober.caller_budget per minute):
// a token bucket per caller, full at start, refilled continuously. Pure: it is given the time.
// It does not pace packets (the Prober's RateLimiter does, for Probe and crawls alike).

export class CallerBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  /** `perMinute` calls per caller per minute, and as many at once; 0 allows none. */
  constructor(readonly perMinute: number) {}

  /** Takes one call from `caller`'s budget; returns 0, or the seconds until one is free again. */
  take(caller: string, nowMs: number): number {
    if (this.perMinute === 0) return Number.POSITIVE_INFINITY;
    if (nowMs - this.lastSweep > 60_000) this.sweep(nowMs);
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(caller) ?? { tokens: this.perMinute, at: nowMs };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (nowMs - bucket.at) * perMs);
    bucket.at = nowMs;
    this.buckets.set(caller, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perMs / 1000);
  }

  /** Callers whose bucket is full again hold no state. */
  private sweep(nowMs: number): void {
    this.lastSweep = nowMs;
    const perMs = this.perMinute / 60_000;
    for (const [caller, bucket] of this.buckets)
      if (bucket.tokens + (nowMs - bucket.at) * perMs >= this.perMinute) this.buckets.delete(caller);
  }
}
