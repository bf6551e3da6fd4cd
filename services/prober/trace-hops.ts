// Traceroute bookkeeping, pure: which TTLs to send next with several in flight, what each
// answered, when a silent TTL is asked again, when the trace is over, and the result (hops to
// the destination, the path of responders with "*" where none answered). traceroute.ts owns
// the sockets and clocks.

export type HopAnswer =
  /** The destination itself answered (echo reply, or an error it sent). */
  | { kind: "destination"; from: string; rttMs: number }
  /** A router said the TTL ran out (RFC 792 type 11, RFC 4443 type 3). */
  | { kind: "time-exceeded"; from: string; rttMs: number }
  /** A router said it cannot go on (unreachable and the like): nothing beyond is worth a probe. */
  | { kind: "stop"; from: string; rttMs: number }
  | { kind: "silent" };

export interface TraceHop {
  ttl: number;
  /** Empty when nothing answered. */
  address: string;
  rttMs: number;
}

export interface TraceSummary {
  /** TTL at which the destination answered; 0 when it did not. */
  hops: number;
  reached: boolean;
  path: TraceHop[];
}

export interface TraceLimits {
  readonly maxTtl: number;
  /** TTLs in flight at once. */
  readonly window: number;
  /** Consecutive silent TTLs after which the trace gives up (scamper's gap limit). */
  readonly gapLimit: number;
  /**
   * Probes sent again to a TTL that stayed silent, before it counts as "*" (scamper's attempts
   * minus one): one lost packet must not read as a silent router or an unreachable host. 0 if unset.
   */
  readonly retries?: number;
  /**
   * Probes in all to the TTL just below the lowest one the destination answered, while it stays
   * silent: a lost answer there would otherwise move the hop count up by one (a lost echo reply at
   * hop 4 and a reply at hop 5 read as 5 hops). Default retries + 1: no more than any TTL.
   */
  readonly edgeAttempts?: number;
}

export class TraceHops {
  private readonly answers = new Map<number, HopAnswer>();
  /** Probes sent so far, by TTL. */
  private readonly attempts = new Map<number, number>();
  /** Silent TTLs waiting to be asked again, lowest first. */
  private readonly retryQueue: number[] = [];
  private highestSent = 0;
  private inFlight = 0;
  /** The lowest TTL at which the destination (or a router that stopped us) answered. */
  private endTtl = Number.POSITIVE_INFINITY;

  constructor(private readonly limits: TraceLimits) {}

  /** TTLs to send now (retries first); call again after every record(). */
  next(): number[] {
    const ttls: number[] = [];
    while (this.inFlight < this.limits.window && this.retryQueue.length > 0) {
      const ttl = this.retryQueue.shift()!;
      // The destination answered lower down, or the gap closed below: it cannot change the result.
      if (ttl > this.endTtl || ttl > this.gapEnd()) continue;
      this.send(ttl, ttls);
    }
    while (this.inFlight < this.limits.window && this.mayGoFurther()) {
      this.highestSent++;
      this.send(this.highestSent, ttls);
    }
    return ttls;
  }

  /** One probe's outcome; a TTL has one probe in flight at a time. */
  record(ttl: number, answer: HopAnswer): void {
    if (ttl < 1 || ttl > this.highestSent || this.answers.has(ttl)) return;
    this.inFlight--;
    if (answer.kind === "silent" && this.askAgain(ttl)) {
      this.retry(ttl);
      return;
    }
    this.answers.set(ttl, answer);
    if ((answer.kind === "destination" || answer.kind === "stop") && ttl < this.endTtl) {
      this.endTtl = ttl;
      // The TTL below already counted as silent: ask it again, it may be the destination.
      if (
        answer.kind === "destination" &&
        this.answers.get(ttl - 1)?.kind === "silent" &&
        this.askAgain(ttl - 1)
      ) {
        this.answers.delete(ttl - 1);
        this.retry(ttl - 1);
      }
    }
  }

  /** Whether a silent TTL gets another probe: the usual retries, more just below the destination. */
  private askAgain(ttl: number): boolean {
    const sent = this.attempts.get(ttl) ?? 1;
    const retries = this.limits.retries ?? 0;
    const edge = ttl === this.endTtl - 1 && this.answers.get(this.endTtl)?.kind === "destination";
    return sent <= retries || (edge && sent < (this.limits.edgeAttempts ?? retries + 1));
  }

  private retry(ttl: number): void {
    this.retryQueue.push(ttl);
    this.retryQueue.sort((a, b) => a - b);
  }

  /**
   * Over: nothing is worth sending, and every TTL up to where the trace ends (the destination,
   * a router that stopped it, the gap, max_ttl) is answered or timed out. Probes above that
   * end may still be in flight; they cannot change the result.
   */
  get done(): boolean {
    if (this.mayGoFurther()) return false;
    const end = Math.min(this.highestSent, this.endTtl, this.gapEnd());
    for (let ttl = 1; ttl <= end; ttl++) if (!this.answers.has(ttl)) return false;
    return true;
  }

  /** Probes sent to `ttl` so far (for tests and the benchmark). */
  attemptsAt(ttl: number): number {
    return this.attempts.get(ttl) ?? 0;
  }

  private send(ttl: number, ttls: number[]): void {
    this.inFlight++;
    this.attempts.set(ttl, (this.attempts.get(ttl) ?? 0) + 1);
    ttls.push(ttl);
  }

  private mayGoFurther(): boolean {
    const next = this.highestSent + 1;
    return next <= this.limits.maxTtl && next <= this.endTtl && next <= this.gapEnd();
  }

  /** The TTL where gapLimit silent TTLs in a row, above the last that answered, end; else infinity. */
  private gapEnd(): number {
    let lastAnswered = 0;
    for (const [ttl, answer] of this.answers)
      if (answer.kind !== "silent" && ttl > lastAnswered) lastAnswered = ttl;
    for (let ttl = lastAnswered + 1; ttl <= lastAnswered + this.limits.gapLimit; ttl++) {
      if (this.answers.get(ttl)?.kind !== "silent") return Number.POSITIVE_INFINITY;
    }
    return lastAnswered + this.limits.gapLimit;
  }

  summary(): TraceSummary {
    const destinationTtl = [...this.answers]
      .filter(([, answer]) => answer.kind === "destination")
      .reduce((lowest, [ttl]) => Math.min(lowest, ttl), Number.POSITIVE_INFINITY);
    const reached = Number.isFinite(destinationTtl);
    // Not reached: up to the last TTL anything answered at; trailing silence says nothing.
    let last = reached ? destinationTtl : 0;
    if (!reached)
      for (const [ttl, answer] of this.answers) if (answer.kind !== "silent" && ttl > last) last = ttl;
    const path: TraceHop[] = [];
    for (let ttl = 1; ttl <= last; ttl++) {
      const answer = this.answers.get(ttl);
      path.push(
        answer && answer.kind !== "silent"
          ? { ttl, address: answer.from, rttMs: Math.round(answer.rttMs * 1000) / 1000 }
          : { ttl, address: "", rttMs: 0 },
      );
    }
    return { hops: reached ? destinationTtl : 0, reached, path };
  }
}
