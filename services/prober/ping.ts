// Ping (SPEC 4): `count` ICMP / ICMPv6 echo requests `interval` apart, each waiting up to
// `timeout` for its reply, over the shared EchoSocket. Sockets stay in echo-socket.ts and the
// arithmetic in rtt-statistics.ts; this file only paces the requests and keeps the RTTs.

import type { EchoSocket } from "./echo-socket.js";
import { type RttStatistics, rttStatistics } from "./rtt-statistics.js";

export interface PingOptions {
  readonly count: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface PingOutcome extends RttStatistics {
  /** Why no request could be sent at all (no route, ...): then the run is not a measurement. */
  readonly notSent: string;
}

/**
 * Echo requests to `destination` (canonical text); only replies from it count. A request the
 * kernel refused to send is not counted as sent (iputils ping does not count it either).
 */
export async function ping(
  socket: EchoSocket,
  destination: string,
  options: PingOptions,
): Promise<PingOutcome> {
  const answers: Promise<number | undefined>[] = [];
  let failed = 0;
  let failure = "";
  for (let i = 0; i < options.count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    const answer = socket.probe({ destination, ttl: 64, timeoutMs: options.timeoutMs }).then((outcome) => {
      if (outcome.kind === "send-failed") {
        failed++;
        failure = outcome.reason;
      }
      return outcome.kind === "reply" ? outcome.rttMs : undefined;
    });
    answers.push(answer);
  }
  const rtts = (await Promise.all(answers)).filter((rtt): rtt is number => rtt !== undefined);
  const sent = options.count - failed;
  return { ...rttStatistics(sent, rtts), notSent: sent === 0 ? `no request could be sent: ${failure}` : "" };
}
