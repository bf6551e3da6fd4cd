// The NTPv4 packet (RFC 5905 7.3) and its 64-bit timestamps: a client request (mode 3) and
// the header of any reply, decoded field by field. Bytes only: no sockets, no clock, and no
// judgement of a reply (reply.ts).

import { randomBytes } from "node:crypto";

/** The fixed header; extension fields and a MAC may follow and are not read. */
export const NTP_HEADER_BYTES = 48;
export const NTP_PORT = 123;
export const MODE_CLIENT = 3;
export const MODE_SERVER = 4;
/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
const NTP_UNIX_SECONDS = 2_208_988_800;
const ERA_MS = 2 ** 32 * 1000;

export interface NtpRequest {
  readonly bytes: Buffer;
  /** Our transmit timestamp: random, not our clock, so the reply's origin proves it answers us. */
  readonly transmit: Buffer;
}

/**
 * A mode-3 request, version 4. The transmit timestamp is 8 random bytes (as chrony's client
 * does): the server copies it into the reply's origin field, so only a reply to this very
 * request carries it, and our clock is not sent to anyone. The send time is kept locally.
 */
export function encodeRequest(transmit: Buffer = randomBytes(8)): NtpRequest {
  if (transmit.length !== 8)
    throw new RangeError(`ntp/packet.ts: transmit timestamp of ${transmit.length} bytes, not 8`);
  const bytes = Buffer.alloc(NTP_HEADER_BYTES);
  bytes[0] = (0 << 6) | (4 << 3) | MODE_CLIENT;
  transmit.copy(bytes, 40);
  return { bytes, transmit: Buffer.from(transmit) };
}

export interface NtpHeader {
  /** Leap indicator: 0-2 synchronised, 3 the server's clock is not. */
  readonly leap: number;
  readonly version: number;
  readonly mode: number;
  readonly stratum: number;
  readonly poll: number;
  readonly precision: number;
  /** Seconds (16.16 fixed point). */
  readonly rootDelay: number;
  readonly rootDispersion: number;
  /** The four bytes: a kiss code or source name (stratum 0 and 1), an address otherwise. */
  readonly refid: Buffer;
  readonly reference: Buffer;
  readonly origin: Buffer;
  readonly receive: Buffer;
  readonly transmit: Buffer;
}

export class NtpPacketError extends Error {
  override name = "NtpPacketError";
}

/** The header of a packet of at least 48 bytes; NtpPacketError naming the length otherwise. */
export function decodeHeader(bytes: Uint8Array): NtpHeader {
  if (bytes.length < NTP_HEADER_BYTES)
    throw new NtpPacketError(`ntp/packet.ts: ${bytes.length} bytes, an NTP header needs ${NTP_HEADER_BYTES}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    leap: b[0]! >> 6,
    version: (b[0]! >> 3) & 7,
    mode: b[0]! & 7,
    stratum: b[1]!,
    poll: b.readInt8(2),
    precision: b.readInt8(3),
    rootDelay: b.readUInt32BE(4) / 65536,
    rootDispersion: b.readUInt32BE(8) / 65536,
    refid: Buffer.from(b.subarray(12, 16)),
    reference: Buffer.from(b.subarray(16, 24)),
    origin: Buffer.from(b.subarray(24, 32)),
    receive: Buffer.from(b.subarray(32, 40)),
    transmit: Buffer.from(b.subarray(40, 48)),
  };
}

/** Encodes a full header (the lab's responder and the tests build replies with it). */
export function encodeHeader(h: NtpHeader): Buffer {
  const b = Buffer.alloc(NTP_HEADER_BYTES);
  b[0] = ((h.leap & 3) << 6) | ((h.version & 7) << 3) | (h.mode & 7);
  b[1] = h.stratum & 0xff;
  b.writeInt8(h.poll, 2);
  b.writeInt8(h.precision, 3);
  b.writeUInt32BE(Math.min(0xffffffff, Math.round(h.rootDelay * 65536)), 4);
  b.writeUInt32BE(Math.min(0xffffffff, Math.round(h.rootDispersion * 65536)), 8);
  h.refid.copy(b, 12, 0, 4);
  h.reference.copy(b, 16, 0, 8);
  h.origin.copy(b, 24, 0, 8);
  h.receive.copy(b, 32, 0, 8);
  h.transmit.copy(b, 40, 0, 8);
  return b;
}

/** Unix milliseconds (fractional) as an NTP timestamp; the era wraps (2036) as RFC 5905 does. */
export function timestampOf(unixMs: number): Buffer {
  const ntpMs = unixMs + NTP_UNIX_SECONDS * 1000;
  const wrapped = ((ntpMs % ERA_MS) + ERA_MS) % ERA_MS;
  const seconds = Math.floor(wrapped / 1000);
  const fraction = Math.floor(((wrapped - seconds * 1000) / 1000) * 2 ** 32);
  const b = Buffer.alloc(8);
  b.writeUInt32BE(seconds >>> 0, 0);
  b.writeUInt32BE(Math.min(fraction, 0xffffffff) >>> 0, 4);
  return b;
}

/**
 * An NTP timestamp as Unix milliseconds, in the era that puts it nearest `nearUnixMs` (our own
 * clock): the 32-bit seconds wrap every 136 years, and a server's clock is never that far off.
 */
export function unixMsOf(timestamp: Buffer, nearUnixMs: number): number {
  const inEra = (timestamp.readUInt32BE(0) + timestamp.readUInt32BE(4) / 2 ** 32) * 1000;
  const nearNtp = nearUnixMs + NTP_UNIX_SECONDS * 1000;
  const era = Math.round((nearNtp - inEra) / ERA_MS);
  return inEra + era * ERA_MS - NTP_UNIX_SECONDS * 1000;
}

/** Whether a timestamp is all zero (RFC 5905: a zero transmit timestamp means no valid reply). */
export const isZero = (timestamp: Buffer): boolean => timestamp.every((byte) => byte === 0);

/** The refid as text: the ASCII code of stratum 0 and 1 (RATE, GPS), a dotted quad above. */
export function refidText(refid: Buffer, stratum: number): string {
  if (stratum <= 1) {
    return [...refid]
      .filter((byte) => byte !== 0)
      .map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : "?"))
      .join("");
  }
  return [...refid].join(".");
}
