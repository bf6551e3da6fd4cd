// Traceroute (SPEC 4 path) with ICMP / ICMPv6 echo requests, as mtr and the original did: TTL /
// hop limit from 1 up to max_ttl, several TTLs in flight at once, each waiting up to the
// per-hop timeout. Hop bookkeeping is in trace-hops.ts; PTR names are left to the resolver.

import type { EchoOutcome, EchoSocket } from "./echo-socket.js";
import { type HopAnswer, TraceHops, type TraceLimits, type TraceSummary } from "./trace-hops.js";

export interface TraceOptions extends TraceLimits {
  readonly timeoutMs: number;
}

/** What one probe's outcome says about its hop. */
export function hopAnswer(destination: string, outcome: EchoOutcome): HopAnswer {
  switch (outcome.kind) {
    case "reply":
      return { kind: "destination", from: outcome.from, rttMs: outcome.rttMs };
    case "error":
      // An error from the destination itself (a port or admin unreachable) still means the probe got there.
      if (outcome.from === destination)
        return { kind: "destination", from: outcome.from, rttMs: outcome.rttMs };
      if (outcome.error === "time-exceeded")
        return { kind: "time-exceeded", from: outcome.from, rttMs: outcome.rttMs };
      return { kind: "stop", from: outcome.from, rttMs: outcome.rttMs };
    default:
      return { kind: "silent" };
  }
}

export function traceroute(
  socket: EchoSocket,
  destination: string,
  options: TraceOptions,
): Promise<TraceSummary> {
  const hops = new TraceHops(options);
  return new Promise((resolve) => {
    let over = false;
    const pump = () => {
      if (over) return;
      if (hops.done) {
        over = true;
        resolve(hops.summary());
        return;
      }
      for (const ttl of hops.next()) {
        socket.probe({ destination, ttl, timeoutMs: options.timeoutMs }).then((outcome) => {
          hops.record(ttl, hopAnswer(destination, outcome));
          pump();
        });
      }
    };
    pump();
  });
}
