// Traceroute (SPEC 4 path): TTL / hop limit from 1 up to max_ttl, several TTLs in flight at
// once, each waiting up to the per-hop timeout. ICMP / ICMPv6 echo first, as mtr and the
// original did; past a filter that drops echo, TCP SYN to an open port or UDP to a high port,
// as scamper and Paris traceroute do (the flow fixed for the whole trace). Hop bookkeeping is in
// trace-hops.ts, the sockets in echo-socket.ts and flow-socket.ts; PTR names are the resolver's.

import type { EchoOutcome, EchoSocket } from "./echo-socket.js";
import type { FlowSocket } from "./flow-socket.js";
import { type HopAnswer, TraceHops, type TraceLimits, type TraceSummary } from "./trace-hops.js";

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

/** Sends one probe with this TTL / hop limit towards the destination; says what came back. */
export type TtlProbe = (ttl: number) => Promise<EchoOutcome>;

export type TraceMethod = "icmp" | "udp" | "tcp";

export function echoTtlProbe(socket: EchoSocket, destination: string, timeoutMs: number): TtlProbe {
  return (ttl) => socket.probe({ destination, ttl, timeoutMs });
}

/** UDP or TCP probes of one flow: one source port for the whole trace (Paris traceroute). */
export function flowTtlProbe(
  socket: FlowSocket,
  flow: { destination: string; source: string; method: "udp" | "tcp"; port?: number },
  timeoutMs: number,
): TtlProbe {
  const sourcePort = socket.allocatePort();
  return (ttl) => socket.probe({ ...flow, ttl, sourcePort, timeoutMs });
}

/**
 * The method to trace with once echo did not reach the destination: TCP SYN to a port the
 * prober found open (a firewall that lets the web through lets its SYNs through), else UDP to a
 * high port, which a host answers with port unreachable.
 */
export function fallbackMethods(
  openPorts: readonly number[],
): Array<{ method: "udp" | "tcp"; port?: number }> {
  return [
    ...(openPorts.length > 0 ? [{ method: "tcp" as const, port: openPorts[0]! }] : []),
    { method: "udp" as const },
  ];
}

export function traceroute(
  probe: TtlProbe,
  destination: string,
  options: TraceLimits,
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
        probe(ttl).then((outcome) => {
          hops.record(ttl, hopAnswer(destination, outcome));
          pump();
        });
      }
    };
    pump();
  });
}
