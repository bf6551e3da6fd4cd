// The look-up half of a MaxMind DB reader: address text to bytes, and the walk down the binary
// search tree to a data pointer (MaxMind DB spec 2.0, "Search Tree Section"). It exists for
// speed: mmdb-lib's own address parsing (split, parseInt, arrays) held IPv6 look-ups near
// 110,000/s; this runs them at several times that. Decoding records is left to mmdb-lib.
// It keeps its own address parser rather than services/runtime/address.ts (issue 20), because a
// benchmark says so: parsing alone, parseAddress ran 11.5 M IPv4 / 4.9 M IPv6 addresses/s against
// 1.5 M / 0.45 M for runtime/address's parseIp plus its BigInt-to-bytes step, while whole look-ups
// (`npm run bench:geo -- --count 200000 --rounds 3`, GeoLite2 City, load average 6) ran 674,000
// IPv4 and 1,943,000 IPv6 /s: the shared parser would cost IPv6 look-ups about four fifths.

/**
 * Parses an IPv4 or IPv6 address into `out` (16 bytes or more) and returns 4 or 16, the number
 * of bytes written, or 0 for text that is not an address. Accepts what net.isIP accepts except
 * zone ids (fe80::1%eth0), which a public address never has. An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1) is returned as the 4 bytes of the IPv4 address it carries.
 */
export function parseAddress(text: string, out: Uint8Array): 0 | 4 | 16 {
  if (text.indexOf(":") === -1) return parseIPv4(text, 0, text.length, out, 0) ? 4 : 0;
  const length = parseIPv6(text, out);
  if (length === 0) return 0;
  // ::ffff:a.b.c.d: ten zero bytes, then ff ff.
  for (let i = 0; i < 10; i++) if (out[i] !== 0) return 16;
  if (out[10] !== 0xff || out[11] !== 0xff) return 16;
  out[0] = out[12]!;
  out[1] = out[13]!;
  out[2] = out[14]!;
  out[3] = out[15]!;
  return 4;
}

/** Dotted quad from text[start, end) into out[at..at+3]: decimal octets, no leading zeros. */
function parseIPv4(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let octet = 0;
  let digits = 0;
  let count = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || count === 4) return false;
      out[at + count++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return false;
      digits++;
    } else return false;
  }
  return count === 4;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Returns 16, or 0 when the text is not an IPv6 address. */
function parseIPv6(text: string, out: Uint8Array): 0 | 16 {
  const end = text.length;
  let groups = 0; // 16-bit groups written to out
  let gap = -1; // group index where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return 0;
    gap = 0;
    i = 2;
    if (i === end) {
      out.fill(0, 0, 16);
      return 16;
    }
  }
  while (i < end) {
    if (groups === 8) return 0;
    const groupStart = i;
    let value = 0;
    let digits = 0;
    while (i < end) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = (value << 4) | h;
      if (++digits > 4) return 0;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // An embedded IPv4 address ends the text and fills two groups.
      if (groups > 6 || !parseIPv4(text, groupStart, end, out, groups * 2)) return 0;
      groups += 2;
      i = end;
      break;
    }
    if (digits === 0) return 0;
    out[groups * 2] = value >> 8;
    out[groups * 2 + 1] = value & 0xff;
    groups++;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return 0;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return 0;
      gap = groups;
      i++;
    } else if (i === end) return 0;
  }
  if (gap < 0) return groups === 8 ? 16 : 0;
  if (groups > 7) return 0;
  // Move the groups after "::" to the end and zero the gap.
  const tail = (groups - gap) * 2;
  out.copyWithin(16 - tail, gap * 2, groups * 2);
  out.fill(0, gap * 2, 16 - tail);
  return 16;
}

/** Where a MaxMind DB's search tree is and how its records are laid out (its metadata). */
export interface TreeLayout {
  readonly nodeCount: number;
  readonly recordSize: number;
  readonly ipVersion: number;
}

/** Walks one database's search tree. The buffer is the whole file. */
export class TreeWalker {
  private readonly nodeCount: number;
  private readonly recordSize: number;
  private readonly nodeBytes: number;
  /** The node where IPv4 addresses start: after 96 zero bits in an IPv6 tree. */
  private readonly ipv4Start: number;

  constructor(
    private readonly db: Uint8Array,
    layout: TreeLayout,
  ) {
    this.nodeCount = layout.nodeCount;
    this.recordSize = layout.recordSize;
    this.nodeBytes = layout.recordSize / 4;
    let node = 0;
    if (layout.ipVersion === 6)
      for (let i = 0; i < 96 && node < this.nodeCount; i++) node = this.record(node, 0);
    this.ipv4Start = node;
  }

  /** Left (bit 0) or right (bit 1) record of a node. */
  private record(node: number, bit: number): number {
    const b = this.db;
    const o = node * this.nodeBytes;
    if (this.recordSize === 24)
      return bit === 0
        ? (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!
        : (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!;
    if (this.recordSize === 28)
      return bit === 0
        ? ((b[o + 3]! & 0xf0) << 20) | (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!
        : ((b[o + 3]! & 0x0f) << 24) | (b[o + 4]! << 16) | (b[o + 5]! << 8) | b[o + 6]!;
    const p = bit === 0 ? o : o + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /**
   * The data pointer (a record value above nodeCount) for the first `length` bytes (4 or 16)
   * of `address`, or 0 when the database has no data for it. Callers must not pass 16 bytes to
   * an IPv4 tree: it would walk their first 32 bits and answer for an unrelated network.
   */
  find(address: Uint8Array, length: 4 | 16): number {
    let node = length === 4 ? this.ipv4Start : 0;
    const bits = length * 8;
    const nodeCount = this.nodeCount;
    for (let i = 0; i < bits && node < nodeCount; i++)
      node = this.record(node, (address[i >> 3]! >> (7 - (i & 7))) & 1);
    return node > nodeCount ? node : 0;
  }
}
