// How fast the prober may send: a global packets-per-second cap and a per-destination one,
// as two GCRA (virtual scheduling) buckets. Pure: it is given the time and answers how long
// to wait; the caller owns the timers. It does not queue, so one busy destination never
// holds back packets to the others.

export interface RateLimits {
  /** Packets per second over every destination (prober.pps). */
  readonly pps: number;
  /** Packets per second to one destination address (prober.per_destination_pps). */
  readonly perDestinationPps: number;
  /** Seconds of sending at full rate that may go at once (the bucket's depth); default 0.05. */
  readonly burstSeconds?: number;
}

export const defaultRateLimits: RateLimits = { pps: 10_000, perDestinationPps: 20 };

export class RateLimiter {
  private readonly globalStep: number;
  private readonly globalTolerance: number;
  private readonly destinationStep: number;
  private readonly destinationTolerance: number;
  /** Theoretical arrival time (ms) of the next packet: globally, and per destination. */
  private globalTat = 0;
  private readonly destinationTat = new Map<string, number>();
  private lastSweep = 0;

  constructor(limits: RateLimits) {
    const burst = limits.burstSeconds ?? 0.05;
    this.globalStep = 1000 / limits.pps;
    this.globalTolerance = Math.max(0, Math.floor(limits.pps * burst) - 1) * this.globalStep;
    this.destinationStep = 1000 / limits.perDestinationPps;
    // A destination may take one second's worth at once: a ping run and a traceroute start together.
    this.destinationTolerance = Math.max(0, Math.ceil(limits.perDestinationPps) - 1) * this.destinationStep;
  }

  /**
   * Reserves the destination's slot for one packet; returns the ms to wait before taking the
   * global one. Two steps, so a packet held back by its destination does not take a global
   * slot in the future that packets to other destinations could use now.
   */
  reserveDestination(destination: string, nowMs: number): number {
    const tat = this.destinationTat.get(destination) ?? nowMs;
    const at = Math.max(nowMs, tat - this.destinationTolerance);
    this.destinationTat.set(destination, Math.max(tat, at) + this.destinationStep);
    if (nowMs - this.lastSweep > 10_000) this.sweep(nowMs);
    return at - nowMs;
  }

  /** Reserves a global slot now; returns the ms to wait before sending. */
  reserveGlobal(nowMs: number): number {
    const at = Math.max(nowMs, this.globalTat - this.globalTolerance);
    this.globalTat = Math.max(this.globalTat, at) + this.globalStep;
    return at - nowMs;
  }

  /** Destinations whose bucket is full again hold no state. */
  private sweep(nowMs: number): void {
    this.lastSweep = nowMs;
    for (const [destination, tat] of this.destinationTat)
      if (tat <= nowMs) this.destinationTat.delete(destination);
  }

  /** Destinations with state (for tests and metrics). */
  get trackedDestinations(): number {
    return this.destinationTat.size;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when one packet to `destination` may leave (the timers around the pure limiter). */
export async function paced(limiter: RateLimiter, destination: string): Promise<void> {
  const wait = limiter.reserveDestination(destination, performance.now());
  if (wait > 1) await sleep(wait);
  const global = limiter.reserveGlobal(performance.now());
  if (global > 1) await sleep(global);
}
