// How fast the prober may send: a global packets-per-second cap and a per-destination one,
// as two kinds of the runtime's GCRA bucket (runtime/rate-limit.ts). Pure: it is given the
// time and answers how long to wait; the caller owns the timers. It does not queue, so one
// busy destination never holds back packets to the others.

import { RateLimiter } from "../runtime/rate-limit.js";

export interface RateLimits {
  /** Packets per second over every destination (prober.pps). */
  readonly pps: number;
  /** Packets per second to one destination address (prober.per_destination_pps). */
  readonly perDestinationPps: number;
  /** Seconds of sending at full rate that may go at once (the bucket's depth); default 0.05. */
  readonly burstSeconds?: number;
}

export const defaultRateLimits: RateLimits = { pps: 10_000, perDestinationPps: 20 };

export class PacketPacer {
  private readonly global: RateLimiter;
  private readonly destinations = new Map<string, RateLimiter>();
  private lastSweep = 0;

  constructor(private readonly limits: RateLimits) {
    this.global = new RateLimiter(limits.pps, Math.floor(limits.pps * (limits.burstSeconds ?? 0.05)));
  }

  /**
   * Reserves the destination's slot for one packet; returns the ms to wait before taking the
   * global one. Two steps, so a packet held back by its destination does not take a global
   * slot in the future that packets to other destinations could use now.
   */
  reserveDestination(destination: string, nowMs: number): number {
    let limiter = this.destinations.get(destination);
    if (!limiter) {
      // A destination may take one second's worth at once: a ping run and a traceroute start together.
      const pps = this.limits.perDestinationPps;
      limiter = new RateLimiter(pps, Math.ceil(pps));
      this.destinations.set(destination, limiter);
    }
    const wait = limiter.reserve(nowMs);
    if (nowMs - this.lastSweep > 10_000) this.sweep(nowMs);
    return wait;
  }

  /** Reserves a global slot now; returns the ms to wait before sending. */
  reserveGlobal(nowMs: number): number {
    return this.global.reserve(nowMs);
  }

  /** Destinations whose bucket is full again hold no state. */
  private sweep(nowMs: number): void {
    this.lastSweep = nowMs;
    for (const [destination, limiter] of this.destinations)
      if (limiter.idleAt(nowMs)) this.destinations.delete(destination);
  }

  /** Destinations with state (for tests and metrics). */
  get trackedDestinations(): number {
    return this.destinations.size;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when one packet to `destination` may leave (the timers around the pure pacer). */
export async function paced(pacer: PacketPacer, destination: string): Promise<void> {
  const wait = pacer.reserveDestination(destination, performance.now());
  if (wait > 1) await sleep(wait);
  const global = pacer.reserveGlobal(performance.now());
  if (global > 1) await sleep(global);
}
