// TCP reachability of one port (SPEC 4 tcp80, tcp443): a connection attempt with a timeout,
// told apart as open, closed (reset), filtered (nothing within the timeout) or unreachable
// (the network said no), through failure.ts's one vocabulary. An open connection is reset at
// once: no data, no TIME_WAIT left.

import { connect } from "node:net";
import type { PortState } from "../../gen/ipv6matrix/v1/common.js";
import { type Failure, failureOfErrno, localErrnos, portStateOf } from "./failure.js";

export interface TcpOutcome {
  readonly state: PortState;
  /** How the handshake failed; "" when it completed (open). */
  readonly failure: Failure | "";
  readonly elapsedMs: number;
}

/** A local shortage (descriptors, ports): not the network's answer, so the caller retries later. */
export class LocalResourceError extends Error {
  override name = "LocalResourceError";
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
      if (!open && code && localErrnos.has(code)) {
        reject(new LocalResourceError(`tcp ${ip} port ${port}: ${code} (local resource)`));
        return;
      }
      const failure = open ? "" : failureOfErrno(code);
      resolve({ state: portStateOf(failure), failure, elapsedMs });
    }
    socket.once("connect", () => settle(undefined, true));
    socket.on("error", (error: NodeJS.ErrnoException) => settle(error.code));
  });
}
