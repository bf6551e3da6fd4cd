// The raw sockets of echo-socket.ts and flow-socket.ts: the stamped-socket addon
// (native/stamped-socket) loaded in one place, the Linux socket options they set, and the clock
// their round-trip times are read on. What the sockets are for, how packets are paced and
// matched, is theirs; nothing here sends.

import { createRequire } from "node:module";
import type { Socket, StampedSocketError } from "stamped-socket";

/**
 * A raw socket whose receives carry the kernel's receive time (SO_TIMESTAMPNS) and whose sends
 * return the clock read right before sendto; both on one clock, in ms (see decision 009).
 */
export type RawSocket = Socket;

export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_RCVBUFFORCE = 33;
export const IPPROTO_IP = 0;
export const IP_MTU_DISCOVER = 10;
export const IPPROTO_IPV6 = 41;
export const IPV6_MTU_DISCOVER = 23;
export const IPV6_DONTFRAG = 62;
// PROBE: set DF (IPv4) / never fragment (IPv6) and ignore the kernel's cached path MTU, so a
// probe of any size leaves as it is and the PMTU search sees the network's answer (RFC 1191, 8201).
export const PMTUDISC_PROBE = 3;
export const SOL_RAW = 255;
export const ICMP_FILTER = 1;
export const SOL_ICMPV6 = 58;
export const ICMP6_FILTER = 1;

/** What recv writes beside the packet: [bytes, receive time ms, 1 if the kernel stamped it]. */
export const RECV_BYTES = 0;
export const RECV_TIME = 1;
export const RECV_KERNEL_STAMPED = 2;

type Addon = typeof import("stamped-socket");

let addon: Addon | undefined;

function load(): Addon {
  addon ??= createRequire(import.meta.url)("stamped-socket") as Addon;
  return addon;
}

/**
 * Loads the addon (a missing build throws here, as an installation error) and returns the
 * opener of a raw socket of one IP protocol (1 ICMP, 58 ICMPv6, 6 TCP, 17 UDP) and family,
 * which throws an error with code EPERM without CAP_NET_RAW.
 */
export function rawSocketOpener(): (protocol: number, family: 4 | 6) => RawSocket {
  const { Socket } = load();
  return (protocol, family) => new Socket(family, protocol);
}

/** The clock of RawSocket.send and recv, for a time taken outside them. */
export function socketClockMs(): number {
  return load().now();
}

/** A full socket buffer: our own congestion, not the network's answer. */
export function isSocketCongestion(error: unknown): boolean {
  const code = (error as Partial<StampedSocketError>).code;
  return code === "EAGAIN" || code === "EWOULDBLOCK" || code === "ENOBUFS";
}
