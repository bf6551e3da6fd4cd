// TCP reachability of one port (SPEC 4 tcp80, tcp443): a connection attempt with a timeout,
// told apart as open, closed (reset), filtered (nothing within the timeout) or unreachable
// (the network said no). An open connection is reset at once: no data, no TIME_WAIT left.

import { connect } from "node:net";
import { PortState } from "../../gen/ipv6matrix/v1/common.js";

export interface TcpOutcome {
  readonly state: PortState;
  /** ooni-style failure string: connection_refused, generic_timeout, host_unreachable, ...; "" when open. */
  readonly failure: string;
  readonly elapsedMs: number;
}

/** A local shortage (descriptors, ports): not the network's answer, so the caller retries later. */
export class LocalResourceError extends Error {
  override name = "LocalResourceError";
}

const LOCAL_ERRORS = new Set(["EMFILE", "ENFILE", "EADDRNOTAVAIL", "ENOBUFS", "ENOMEM"]);

export function portStateOf(code: string | undefined): { state: PortState; failure: string } {
  switch (code) {
    case "ECONNREFUSED":
    case "ECONNRESET":
      return { state: PortState.PORT_STATE_CLOSED, failure: "connection_refused" };
    case "ETIMEDOUT":
      return { state: PortState.PORT_STATE_FILTERED, failure: "generic_timeout" };
    case "EHOSTUNREACH":
    case "EHOSTDOWN":
      return { state: PortState.PORT_STATE_UNREACHABLE, failure: "host_unreachable" };
    case "ENETUNREACH":
      return { state: PortState.PORT_STATE_UNREACHABLE, failure: "network_unreachable" };
    case "EACCES":
    case "EPERM":
      return { state: PortState.PORT_STATE_UNREACHABLE, failure: "administratively_prohibited" };
    default:
      return { state: PortState.PORT_STATE_UNREACHABLE, failure: `unknown_failure ${code ?? ""}`.trim() };
  }
}

export function tcpProbe(ip: string, port: number, timeoutMs: number): Promise<TcpOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip, port, noDelay: true });
    // Timers run before I/O in the event loop: after a busy stretch a connection that came in
    // time waits unread behind its own timeout. setImmediate reads it first.
    const timer = setTimeout(() => setImmediate(() => settle("ETIMEDOUT")), timeoutMs);
    let settled = false;
    function settle(code: string | undefined, open = false) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const elapsedMs = performance.now() - started;
      if (open) socket.resetAndDestroy();
      else socket.destroy();
      if (!open && code && LOCAL_ERRORS.has(code)) {
        reject(new LocalResourceError(`tcp ${ip} port ${port}: ${code} (local resource)`));
        return;
      }
      resolve(
        open
          ? { state: PortState.PORT_STATE_OPEN, failure: "", elapsedMs }
          : { ...portStateOf(code), elapsedMs },
      );
    }
    socket.once("connect", () => settle(undefined, true));
    socket.on("error", (error: NodeJS.ErrnoException) => settle(error.code));
  });
}
