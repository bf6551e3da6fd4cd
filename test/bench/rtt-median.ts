// The round-trip-time comparison of issue 17 ("RTT medians within 1 ms of scamper's"), shared by
// the crawl bench and test/prober/kernel-rtt.test.ts: per address, the mean of its RTTs; then the
// median over addresses, for scamper's pings and the crawl's ping_avg alike. Pure.

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The RTTs (ms) of each destination's echo replies in scamper's JSON output (`-O json`), any number of runs. */
export function scamperPingRtts(output: string): Map<string, number[]> {
  const rtts = new Map<string, number[]>();
  for (const line of output.split("\n")) {
    if (!line.startsWith('{"type":"ping"')) continue;
    const record = JSON.parse(line) as { dst: string; responses?: { from: string; rtt: number }[] };
    const list = rtts.get(record.dst) ?? [];
    for (const response of record.responses ?? []) if (response.from === record.dst) list.push(response.rtt);
    rtts.set(record.dst, list);
  }
  return rtts;
}

/** The median over destinations of the mean of each one's RTTs (those with none, or NaN, are left out). */
export function medianOfMeans(rtts: Map<string, number[]>): number {
  const means = [...rtts.values()]
    .filter((list) => list.length > 0)
    .map((list) => list.reduce((sum, rtt) => sum + rtt, 0) / list.length)
    .filter(Number.isFinite);
  return median(means);
}
