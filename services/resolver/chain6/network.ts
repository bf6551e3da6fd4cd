// The chain walk's only contact with the network: one question, without recursion, to one
// authoritative server's IPv6 address on port 53, over UDP and again over TCP when truncated
// (the resolver's own udp-pool.ts and tcp-query.ts, in their `iterative` mode). It refuses, before
// any packet, an address the prober could not be sent to, and what an address is (destinationOf)
// is pure. It decides nothing about referrals or verdicts (response.ts, verdict.ts).

import type { DecodedPacket, RecordType } from "dns-packet";
import { PrefixSet, parseIp } from "../../runtime/address.js";
import type { Endpoint } from "../../runtime/config.js";
import { type AllowRanges, forbiddenReason } from "../../runtime/special-purpose.js";
import { InFlightLimit } from "../in-flight-limit.js";
import { tcpQuery } from "../tcp-query.js";
import { UdpPool, type UdpResult } from "../udp-pool.js";

export type Exchange =
  | { readonly kind: "answer"; readonly packet: DecodedPacket; readonly tcp: boolean }
  /** No answer after the retries (timeouts, ICMP errors), or an answer that could not be read. */
  | { readonly kind: "silent"; readonly reason: string };

/** What the walk asks through; tests may give it another (test/resolver/chain6.test.ts). */
export interface Chain6Network {
  /** One question to one IPv6 address; never rejects. Counts as one query, retries included. */
  ask(address: string, name: string, type: RecordType): Promise<Exchange>;
}

/**
 * IPv4 carried in IPv6 (RFC 4291 2.5.5 mapped and compatible, RFC 6052 NAT64 and its local-use
 * prefix, RFC 6145 SIIT translated): such an AAAA does not give the name server an IPv6 path of its
 * own; it is the reason `ipv4_mapped`, and never sent to.
 */
const carriesIpv4 = new PrefixSet(
  ["::ffff:0:0/96", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96"],
  "IPv4-carrying prefixes",
);

export type Destination = "ok" | "ipv4_mapped" | "forbidden";

/** Whether the walk may send to `address`: IPv6, not carrying IPv4, and what the prober may probe. */
export function destinationOf(address: string, allowRanges: AllowRanges): Destination {
  const parsed = parseIp(address);
  if (parsed?.family !== 6) return "forbidden";
  // ::1 and :: lie in ::/96 but are no carried IPv4 address.
  if (carriesIpv4.has(parsed) && parsed.value > 1n) return "ipv4_mapped";
  return forbiddenReason(address, allowRanges) === undefined ? "ok" : "forbidden";
}

export interface Ipv6NetworkOptions {
  /** resolver.timeout, in milliseconds, per try. */
  readonly timeoutMs: number;
  /** resolver.retries: further tries of the same address after a timeout. */
  readonly retries: number;
  /** Questions in flight at once over the whole walk. */
  readonly maxInFlight: number;
  /** prober.allow_ranges: special-purpose ranges that may be sent to all the same. */
  readonly allowRanges: AllowRanges;
  /**
   * Where an address's port 53 is; by default the address itself. Tests map lab addresses onto
   * servers on loopback ports; the safety check is made on the address, before this.
   */
  readonly endpointOf?: (address: string) => Endpoint;
}

export class Ipv6Network implements Chain6Network {
  private readonly limit: InFlightLimit;

  constructor(private readonly options: Ipv6NetworkOptions) {
    this.limit = new InFlightLimit(options.maxInFlight);
  }

  async ask(address: string, name: string, type: RecordType): Promise<Exchange> {
    if (destinationOf(address, this.options.allowRanges) !== "ok")
      return { kind: "silent", reason: `not sent: ${address} is no address the prober may probe` };
    const server = this.options.endpointOf?.(address) ?? { host: address, port: 53 };
    await this.limit.acquire();
    // A pool of one socket per question: the walk meets thousands of servers once each, and a
    // pool kept per server would hold a socket per server for the whole crawl.
    const pool = new UdpPool({
      server,
      sockets: 1,
      questionsPerSocket: 1_000_000,
      timeoutMs: this.options.timeoutMs,
      iterative: true,
    });
    try {
      let last = "timeout";
      for (let attempt = 0; attempt <= this.options.retries; attempt++) {
        const result: UdpResult = await pool.send(name, type);
        if (result.kind === "answer") {
          if (!result.packet.flag_tc) return { kind: "answer", packet: result.packet, tcp: false };
          // RFC 7766 5: a truncated answer is asked again over TCP.
          const tcp = await tcpQuery(name, type, server, this.options.timeoutMs, true);
          if (tcp.kind === "answer") return { kind: "answer", packet: tcp.packet, tcp: true };
          last = tcp.kind === "timeout" ? "TCP timeout" : `TCP: ${tcp.reason}`;
          continue;
        }
        last = result.kind === "timeout" ? "timeout" : result.reason;
      }
      return { kind: "silent", reason: last };
    } finally {
      pool.close();
      this.limit.release();
    }
  }
}
