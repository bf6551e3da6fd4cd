// The raw-socket package as echo-socket.ts and flow-socket.ts use it: its API typed here (it
// ships no types), the Linux socket options it does not name, and the one place it is loaded.
// What the sockets are for, how packets are paced and matched, is theirs; nothing here sends.

import { createRequire } from "node:module";

export interface RawWrap {
  send(buffer: Buffer, offset: number, length: number, address: string, done: (bytes: number) => void): void;
  recv(buffer: Buffer, done: (buffer: Buffer, bytes: number, source: string) => void): void;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  pause(recv: boolean, send: boolean): void;
  removeAllListeners(event: string): void;
  on(event: string, listener: () => void): void;
}

export interface RawSocket {
  wrap: RawWrap;
  on(event: "error", listener: (error: Error) => void): void;
  close(): void;
}

// Linux socket options raw-socket does not name.
export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_RCVBUFFORCE = 33;
export const IPPROTO_IP = 0;
export const IP_TTL = 2;
export const IP_MTU_DISCOVER = 10;
export const IPPROTO_IPV6 = 41;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MTU_DISCOVER = 23;
export const IPV6_DONTFRAG = 62;
// PROBE: set DF (IPv4) / never fragment (IPv6) and ignore the kernel's cached path MTU, so a
// probe of any size leaves as it is and the PMTU search sees the network's answer (RFC 1191, 8201).
export const PMTUDISC_PROBE = 3;
export const SOL_RAW = 255;
export const ICMP_FILTER = 1;
export const SOL_ICMPV6 = 58;
export const ICMP6_FILTER = 1;

interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number }): RawSocket;
}

/**
 * Loads raw-socket (a missing native addon throws here, as an installation error) and returns
 * the opener of a raw socket of one IP protocol (1 ICMP, 58 ICMPv6, 6 TCP, 17 UDP) and family,
 * which throws as raw-socket does without CAP_NET_RAW.
 */
export function rawSocketOpener(): (protocol: number, family: 4 | 6) => RawSocket {
  const raw = createRequire(import.meta.url)("raw-socket") as RawSocketModule;
  // raw-socket's AddressFamily.IPv4 = 1, IPv6 = 2.
  return (protocol, family) => raw.createSocket({ protocol, addressFamily: family === 4 ? 1 : 2 });
}
