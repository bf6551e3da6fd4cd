// UDP and TCP probe packets for traceroute past ICMP filters (SPEC 4 path: UDP to a high port,
// TCP SYN to a port found open, as scamper and Paris traceroute do), and the TCP answers a
// destination sends back parsed. Pure: no sockets. Checksums are ours (RFC 768, RFC 9293 with
// the RFC 8200 8.1 pseudo-header for IPv6), since a raw socket of these protocols leaves them to us.

import {
  IPV4_HEADER,
  IPV6_HEADER,
  internetChecksum,
  ipv4Text,
  PROTOCOL_TCP,
  PROTOCOL_UDP,
} from "./icmp-packet.js";

export const UDP_HEADER = 8;
export const TCP_HEADER = 20;
/** Where a UDP probe goes: the first port classic traceroute uses, unlikely to be served. */
export const UDP_PROBE_PORT = 33434;

export interface FlowAddresses {
  readonly family: 4 | 6;
  /** The local address the kernel will send from (source-address.ts), for the checksum. */
  readonly source: string;
  readonly destination: string;
}

/**
 * A UDP datagram whose length field is `length` (header included, at least 8). The length is
 * the probe's tag: the one field, besides the ports, that every ICMP error quotes, so the ports
 * (the flow a load balancer hashes) stay the same for every probe of a trace.
 */
export function udpProbe(addresses: FlowAddresses, sourcePort: number, length: number): Buffer {
  const packet = Buffer.alloc(Math.max(UDP_HEADER, length));
  packet.writeUInt16BE(sourcePort, 0);
  packet.writeUInt16BE(UDP_PROBE_PORT, 2);
  packet.writeUInt16BE(packet.length, 4);
  for (let i = UDP_HEADER; i < packet.length; i++) packet[i] = i & 0xff;
  // RFC 768: a computed 0 is sent as all ones (0 means "no checksum").
  packet.writeUInt16BE(checksum(addresses, PROTOCOL_UDP, packet) || 0xffff, 6);
  return packet;
}

/** A SYN whose sequence number is the probe's tag (every ICMP error quotes it, RFC 792's 64 bits). */
export function tcpSyn(addresses: FlowAddresses, sourcePort: number, port: number, sequence: number): Buffer {
  const packet = Buffer.alloc(TCP_HEADER);
  packet.writeUInt16BE(sourcePort, 0);
  packet.writeUInt16BE(port, 2);
  packet.writeUInt32BE(sequence >>> 0, 4);
  packet[12] = (TCP_HEADER / 4) << 4;
  packet[13] = 0x02; // SYN
  packet.writeUInt16BE(65_535, 14);
  packet.writeUInt16BE(checksum(addresses, PROTOCOL_TCP, packet), 16);
  return packet;
}

/** The size of the whole IP packet a probe of `length` transport bytes makes. */
export const ipPacketSize = (family: 4 | 6, length: number) =>
  length + (family === 4 ? IPV4_HEADER : IPV6_HEADER);

/** What a raw TCP socket received, when it answers a SYN of ours: SYN-ACK (open) or RST (closed). */
export interface TcpAnswer {
  readonly from: string;
  /** Our probe's ports: its destination port is the answer's source port. */
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** The sequence number of the SYN it answers (acknowledgement minus one). */
  readonly tag: number;
  readonly flags: "syn-ack" | "rst";
}

/**
 * A TCP segment as a raw TCP socket delivers it: IPv4 with its IP header, IPv6 without (the
 * source comes from recvfrom). Anything that is not a SYN-ACK or an RST with ACK is undefined.
 */
export function parseTcpAnswer(family: 4 | 6, packet: Uint8Array, source: string): TcpAnswer | undefined {
  let at = 0;
  let from = source;
  if (family === 4) {
    if (packet.length < IPV4_HEADER || packet[0]! >> 4 !== 4 || packet[9] !== PROTOCOL_TCP) return undefined;
    at = (packet[0]! & 0x0f) * 4;
    from = ipv4Text(packet, 12);
  }
  if (packet.length - at < TCP_HEADER) return undefined;
  const flags = packet[at + 13]!;
  const ack = (flags & 0x10) !== 0;
  const kind = flags & 0x04 ? "rst" : (flags & 0x12) === 0x12 ? "syn-ack" : undefined;
  if (!kind || !ack) return undefined;
  const view = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  return {
    from,
    sourcePort: view.readUInt16BE(at + 2),
    destinationPort: view.readUInt16BE(at),
    tag: (view.readUInt32BE(at + 8) - 1) >>> 0,
    flags: kind,
  };
}

function checksum(addresses: FlowAddresses, protocol: number, segment: Buffer): number {
  const pseudo =
    addresses.family === 4
      ? Buffer.concat([
          ipv4Bytes(addresses.source),
          ipv4Bytes(addresses.destination),
          Buffer.from([0, protocol]),
          u16(segment.length),
        ])
      : Buffer.concat([
          ipv6Bytes(addresses.source),
          ipv6Bytes(addresses.destination),
          u32(segment.length),
          Buffer.from([0, 0, 0, protocol]),
        ]);
  const whole = Buffer.concat([pseudo, segment]);
  return internetChecksum(whole, 0, whole.length);
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split(".").map(Number));
}

/** 16 bytes of an IPv6 address in any RFC 4291 spelling. */
export function ipv6Bytes(ip: string): Buffer {
  const bytes = Buffer.alloc(16);
  const [head = "", tail] = ip.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = [...h, ...new Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  for (const [i, g] of groups.entries()) bytes.writeUInt16BE(Number.parseInt(g, 16) & 0xffff, i * 2);
  return bytes;
}
