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

/** Echo requests to `destination` (canonical text); only replies from it count. */
export async function ping(
  socket: EchoSocket,
  destination: string,
  options: PingOptions,
): Promise<RttStatistics> {
  const answers: Promise<number | undefined>[] = [];
  for (let i = 0; i < options.count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    answers.push(
      socket
        .probe({ destination, ttl: 64, timeoutMs: options.timeoutMs })
        .then((outcome) => (outcome.kind === "reply" ? outcome.rttMs : undefined)),
    );
  }
  const rtts = (await Promise.all(answers)).filter((rtt): rtt is number => rtt !== undefined);
  return rttStatistics(options.count, rtts);
}
