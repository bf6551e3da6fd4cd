// SPEC 4 "path" at one address: the traceroute and the path MTU, with echo first and, when echo
// does not reach the destination, again with TCP SYN to a port found open or UDP to a high
// port; the row says which method reached it. Composition only: the hops are trace-hops.ts,
// the sizes pmtu.ts, the sockets echo-socket.ts and flow-socket.ts.

import { TraceMethod, type TraceResult } from "../../gen/ipv6matrix/v1/work.js";
import type { EchoSocket } from "./echo-socket.js";
import type { FlowSocket } from "./flow-socket.js";
import { echoSizedProbe, pathMtu, type SizedProbe } from "./pmtu.js";
import type { TraceLimits, TraceSummary } from "./trace-hops.js";
import { echoTtlProbe, fallbackMethods, flowTtlProbe, traceroute } from "./traceroute.js";

export interface PathTarget {
  readonly family: 4 | 6;
  readonly destination: string;
  /** Local address towards it ("" when unknown: then only echo is tried). */
  readonly source: string;
  readonly echo: EchoSocket;
  readonly flow: FlowSocket;
  readonly limits: TraceLimits & { readonly timeoutMs: number };
  /** The ports found open, once the port probes are done (asked only when echo fell short). */
  openPorts(): Promise<number[]>;
}

const methodOf = { udp: TraceMethod.TRACE_METHOD_UDP, tcp: TraceMethod.TRACE_METHOD_TCP } as const;

export async function measurePath(target: PathTarget): Promise<TraceResult> {
  const { destination, limits } = target;
  const [echoTrace, echoMtu] = await Promise.all([
    traceroute(echoTtlProbe(target.echo, destination, limits.timeoutMs), destination, limits),
    pathMtu(target.family, destination, echoSizedProbe(target.echo, destination, limits.timeoutMs)),
  ]);
  let trace: TraceSummary = echoTrace;
  let method = echoTrace.reached ? TraceMethod.TRACE_METHOD_ICMP : TraceMethod.TRACE_METHOD_UNSPECIFIED;
  let port = 0;
  let mtu = echoMtu.mtu;
  if ((!echoTrace.reached || mtu === 0) && target.source !== "") {
    const fallbacks = echoTrace.reached ? [] : fallbackMethods(await target.openPorts());
    for (const fallback of fallbacks) {
      const again = await traceroute(
        flowTtlProbe(target.flow, { destination, source: target.source, ...fallback }, limits.timeoutMs),
        destination,
        limits,
      );
      if (!again.reached) continue;
      trace = again;
      method = methodOf[fallback.method];
      port = fallback.port ?? 0;
      break;
    }
    // Only a destination's answer confirms a size: a UDP datagram that draws port unreachable does.
    if (mtu === 0) mtu = (await pathMtu(target.family, destination, udpSizedProbe(target))).mtu;
  }
  return {
    hops: trace.hops,
    reached: trace.reached,
    path: trace.path.map((hop) => ({ ...hop, name: "" })),
    mtu,
    notMeasuredReason: "",
    method,
    port,
  };
}

/** Path MTU probes as UDP datagrams, each from a port of its own (its size is its tag). */
function udpSizedProbe(target: PathTarget): SizedProbe {
  return (size) =>
    target.flow.probe({
      destination: target.destination,
      source: target.source,
      ttl: 64,
      method: "udp",
      sourcePort: target.flow.allocatePort(),
      packetSize: size,
      timeoutMs: target.limits.timeoutMs,
    });
}
