// The NTP probe of one address: a mode-3 request over a connected UDP socket to port 123,
// sent again once (or `retries` times) after silence, until a reply to one of our requests is
// judged (reply.ts) or the ICMP error of the network (refused, unreachable) ends it. The only
// socket code of the probe; it knows nothing of addresses it may not probe (prober.ts checks).

import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { type Failure, failureOfErrno, localErrnos } from "../failure.js";
import { LocalResourceError } from "../tcp.js";
import { encodeRequest, NTP_PORT } from "./packet.js";
import { judgeReply, type Outstanding } from "./reply.js";

export interface NtpOptions {
  /** Milliseconds to wait for a reply to one request. */
  readonly timeoutMs: number;
  /** Requests sent again after silence (1: two in all). */
  readonly retries: number;
  /** Tests only: the lab and production use 123. */
  readonly port?: number;
  /** Awaited before each request: the prober's packet pacer. */
  readonly pace?: () => Promise<void>;
}

export interface NtpOutcome {
  readonly answered: boolean;
  readonly stratum: number;
  readonly offsetMs: number;
  readonly rttMs: number;
  /** "" when answered. */
  readonly failure: Failure | "";
  readonly kissCode: string;
  readonly refid: string;
  /** Requests sent. */
  readonly requests: number;
}

/**
 * Our wall clock in fractional ms: Date.now() (1 ms steps) anchored once per probe, then
 * performance.now() (monotonic, sub-ms) for each send and receive, so t4 - t1 is exact to the
 * microsecond and a clock step during the probe cannot enter the round trip.
 */
function probeClock(): () => number {
  const anchor = Date.now() - performance.now();
  return () => anchor + performance.now();
}

export function ntpProbe(ip: string, options: NtpOptions): Promise<NtpOutcome> {
  const clock = probeClock();
  const outstanding: Outstanding[] = [];
  const socket: Socket = createSocket(isIPv6(ip) ? "udp6" : "udp4");
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (outcome: Partial<NtpOutcome> & Pick<NtpOutcome, "failure">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve({
        answered: false,
        stratum: 0,
        offsetMs: 0,
        rttMs: 0,
        kissCode: "",
        refid: "",
        requests: outstanding.length,
        ...outcome,
      });
    };
    socket.on("message", (bytes) => {
      // t4 first of all: every statement before it adds to the offset's error (README).
      const receivedMs = clock();
      if (done) return;
      const verdict = judgeReply(bytes, outstanding, receivedMs);
      if (verdict.kind === "ignored") return;
      if (verdict.kind === "answered")
        finish({
          answered: true,
          failure: "",
          stratum: verdict.stratum,
          offsetMs: verdict.offsetMs,
          rttMs: verdict.rttMs,
          refid: verdict.refid,
        });
      else
        finish({
          failure: verdict.failure,
          stratum: verdict.stratum,
          kissCode: verdict.kissCode,
          refid: verdict.refid,
        });
    });
    // A connected socket hears the ICMP errors of its peer (ECONNREFUSED for port unreachable).
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (done) return;
      if (error.code && localErrnos.has(error.code)) {
        done = true;
        clearTimeout(timer);
        socket.close();
        reject(
          new LocalResourceError(
            `ntp ${ip} port ${options.port ?? NTP_PORT}: ${error.code} (local resource)`,
          ),
        );
        return;
      }
      finish({ failure: failureOfErrno(error.code) });
    });
    const send = async () => {
      if (options.pace) await options.pace();
      if (done) return;
      const request = encodeRequest();
      // t1 just before the send: a connected socket's send(2) runs synchronously inside it.
      const sentMs = clock();
      outstanding.push({ transmit: request.transmit.toString("hex"), sentMs });
      socket.send(request.bytes);
      // Timers run before I/O in the event loop; setImmediate lets a reply that came in time be read first.
      timer = setTimeout(
        () =>
          setImmediate(() => {
            if (done) return;
            if (outstanding.length <= options.retries) void send();
            else finish({ failure: "generic_timeout" });
          }),
        options.timeoutMs,
      );
    };
    socket.connect(options.port ?? NTP_PORT, ip, () => void send());
  });
}
