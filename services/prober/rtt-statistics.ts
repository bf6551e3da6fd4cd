// RTT statistics of one ping run (SPEC 4: sent, received, min, avg, max, mdev in ms). Pure.
// mdev is computed as iputils ping does (the original's icmplib too): the standard deviation
// sqrt(mean(rtt²) - mean(rtt)²), not the mean absolute deviation.

export interface RttStatistics {
  sent: number;
  received: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
  mdevMs: number;
}

/** Statistics over the RTTs (ms) of the replies received; all zero when none came. */
export function rttStatistics(sent: number, rtts: readonly number[]): RttStatistics {
  const received = rtts.length;
  if (received === 0) return { sent, received: 0, minMs: 0, avgMs: 0, maxMs: 0, mdevMs: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let sumSquares = 0;
  for (const rtt of rtts) {
    if (rtt < min) min = rtt;
    if (rtt > max) max = rtt;
    sum += rtt;
    sumSquares += rtt * rtt;
  }
  const avg = sum / received;
  // Rounding can make the difference a hair below zero for equal RTTs.
  const mdev = Math.sqrt(Math.max(0, sumSquares / received - avg * avg));
  return { sent, received, minMs: round(min), avgMs: round(avg), maxMs: round(max), mdevMs: round(mdev) };
}

/** Microsecond resolution, as the clocks behind these figures have. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
