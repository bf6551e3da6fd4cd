// ICMP (RFC 792) and ICMPv6 (RFC 4443) packets: echo requests built, and whatever a raw
// socket hands us parsed into an echo reply, an error quoting one of our echo requests, or a
// reason to ignore it. Pure: no sockets, no clocks. It trusts nothing: every length is
// checked, so truncated or garbage packets come back as { kind: "garbage" }, never a throw.

export type IcmpErrorKind = "time-exceeded" | "unreachable" | "too-big" | "parameter-problem";

/** What a received packet is to the prober. */
export type IcmpMessage =
  | { kind: "echo-reply"; from: string; id: number; seq: number }
  | {
      kind: "error";
      error: IcmpErrorKind;
      code: number;
      from: string;
      /** Next-hop MTU of fragmentation-needed (RFC 1191) or packet-too-big (RFC 8201); else 0. */
      mtu: number;
      /** The echo request it quotes: where it went and its identifier and sequence. */
      quoted: { destination: string; id: number; seq: number };
    }
  /** Well-formed, but nothing we asked for: echo requests, neighbour discovery, errors about other packets. */
  | { kind: "ignored"; reason: "not-ours" | "other-type" | "quotes-other-packet" }
  | { kind: "garbage"; reason: string };

export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const ICMP_HEADER = 8;
const ECHO_REQUEST_4 = 8;
const ECHO_REPLY_4 = 0;
const ECHO_REQUEST_6 = 128;
const ECHO_REPLY_6 = 129;
const PROTOCOL_ICMP = 1;
const PROTOCOL_ICMPV6 = 58;

/**
 * An echo request whose IP packet is `packetSize` bytes (at least headers + 8 bytes of data).
 * IPv4 carries its checksum; for ICMPv6 the kernel fills it in (RFC 3542 3.1: raw ICMPv6
 * sockets always compute it, since it covers the pseudo-header with our source address).
 */
export function echoRequest(family: 4 | 6, id: number, seq: number, packetSize = 0): Buffer {
  const header = family === 4 ? IPV4_HEADER : IPV6_HEADER;
  const length = Math.max(ICMP_HEADER + 8, packetSize - header);
  const packet = Buffer.alloc(length);
  packet[0] = family === 4 ? ECHO_REQUEST_4 : ECHO_REQUEST_6;
  packet.writeUInt16BE(id & 0xffff, 4);
  packet.writeUInt16BE(seq & 0xffff, 6);
  for (let i = ICMP_HEADER; i < length; i++) packet[i] = i & 0xff;
  if (family === 4) packet.writeUInt16BE(internetChecksum(packet, 0, length), 2);
  return packet;
}

/** The Internet checksum (RFC 1071) of bytes [start, end). */
export function internetChecksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4 packet as a raw ICMP socket delivers it: IP header, then the ICMP message. */
export function parseIcmp4(packet: Uint8Array): IcmpMessage {
  if (packet.length < IPV4_HEADER) return garbage(`${packet.length} bytes: shorter than an IPv4 header`);
  if (packet[0]! >> 4 !== 4) return garbage("not IPv4");
  const ihl = (packet[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER || ihl > packet.length) return garbage("bad IPv4 header length");
  if (packet[9] !== PROTOCOL_ICMP) return garbage("not ICMP");
  const total = (packet[2]! << 8) | packet[3]!;
  const end = Math.min(packet.length, total >= ihl ? total : packet.length);
  if (end - ihl < ICMP_HEADER) return garbage("ICMP message shorter than its 8-byte header");
  // Raw sockets see packets before icmp_rcv checks them: a bad checksum reaches us.
  if (internetChecksum(packet, ihl, end) !== 0) return garbage("bad ICMP checksum");
  const from = ipv4Text(packet, 12);
  const type = packet[ihl]!;
  const code = packet[ihl + 1]!;
  if (type === ECHO_REPLY_4)
    return { kind: "echo-reply", from, id: word(packet, ihl + 4), seq: word(packet, ihl + 6) };
  const error =
    type === 11
      ? "time-exceeded"
      : type === 3
        ? code === 4
          ? "too-big"
          : "unreachable"
        : type === 12
          ? "parameter-problem"
          : undefined;
  if (!error) return { kind: "ignored", reason: "other-type" };
  // RFC 792: the error quotes the original IP header and at least 64 bits of its data.
  const quoted = ihl + ICMP_HEADER;
  if (end - quoted < IPV4_HEADER) return garbage("error quotes less than an IPv4 header");
  if (packet[quoted]! >> 4 !== 4) return garbage("quoted packet is not IPv4");
  const quotedIhl = (packet[quoted]! & 0x0f) * 4;
  if (quotedIhl < IPV4_HEADER) return garbage("quoted packet has a bad header length");
  if (packet[quoted + 9] !== PROTOCOL_ICMP) return { kind: "ignored", reason: "quotes-other-packet" };
  const echo = quoted + quotedIhl;
  if (end - echo < ICMP_HEADER) return garbage("error quotes less than 8 bytes of the ICMP message");
  if (packet[echo] !== ECHO_REQUEST_4) return { kind: "ignored", reason: "quotes-other-packet" };
  return {
    kind: "error",
    error,
    code,
    from,
    // RFC 1191: the next-hop MTU in the low 16 bits of the second word; 0 from old routers.
    mtu: error === "too-big" ? word(packet, ihl + 6) : 0,
    quoted: {
      destination: ipv4Text(packet, quoted + 16),
      id: word(packet, echo + 4),
      seq: word(packet, echo + 6),
    },
  };
}

/** An ICMPv6 message as a raw ICMPv6 socket delivers it (no IPv6 header), and its source. */
export function parseIcmp6(message: Uint8Array, from: string): IcmpMessage {
  if (message.length < ICMP_HEADER) return garbage(`${message.length} bytes: shorter than an ICMPv6 header`);
  const type = message[0]!;
  const code = message[1]!;
  if (type === ECHO_REPLY_6) return { kind: "echo-reply", from, id: word(message, 4), seq: word(message, 6) };
  const error =
    type === 3
      ? "time-exceeded"
      : type === 1
        ? "unreachable"
        : type === 2
          ? "too-big"
          : type === 4
            ? "parameter-problem"
            : undefined;
  if (!error) return { kind: "ignored", reason: "other-type" };
  // RFC 4443 2.4: as much of the invoking packet as fits in the minimum MTU.
  const quoted = ICMP_HEADER;
  if (message.length - quoted < IPV6_HEADER) return garbage("error quotes less than an IPv6 header");
  if (message[quoted]! >> 4 !== 6) return garbage("quoted packet is not IPv6");
  // Our echo requests carry no extension headers, so anything else is not ours.
  if (message[quoted + 6] !== PROTOCOL_ICMPV6) return { kind: "ignored", reason: "quotes-other-packet" };
  const echo = quoted + IPV6_HEADER;
  if (message.length - echo < ICMP_HEADER)
    return garbage("error quotes less than 8 bytes of the ICMPv6 message");
  if (message[echo] !== ECHO_REQUEST_6) return { kind: "ignored", reason: "quotes-other-packet" };
  return {
    kind: "error",
    error,
    code,
    from,
    // RFC 8201 / RFC 4443 3.2: the MTU of the next-hop link, 32 bits.
    mtu: error === "too-big" ? dword(message, 4) : 0,
    quoted: {
      destination: ipv6Text(message, quoted + 24),
      id: word(message, echo + 4),
      seq: word(message, echo + 6),
    },
  };
}

function garbage(reason: string): IcmpMessage {
  return { kind: "garbage", reason };
}

function word(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function dword(bytes: Uint8Array, at: number): number {
  return word(bytes, at) * 65536 + word(bytes, at + 2);
}

export function ipv4Text(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** RFC 5952 text: lower case, leading zeros dropped, the first longest run of 2+ zero groups as "::". */
export function ipv6Text(bytes: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(word(bytes, at + 2 * i));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}
