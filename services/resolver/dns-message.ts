// DNS messages as the client sends and checks them, as pure functions: the
// query's wire form, the checks an answer must pass before it is believed,
// the outcome an answer stands for, and the CNAME chain inside it. No sockets
// here; every function takes bytes or a decoded packet and returns data.

import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from "dns-packet";

export type Outcome =
  | "OK"
  | "NODATA"
  | "NXDOMAIN"
  | "SERVFAIL"
  | "REFUSED"
  | "TIMEOUT"
  | "MALFORMED"
  | "INVALID_NAME"
  | "OTHER";

/** The question types the client asks (RFC 1035 3.2.2, RFC 3596 for AAAA). */
export const questionTypes: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
};

/** The EDNS0 UDP payload size we advertise (RFC 6891 6.2.5; 1232 as DNS Flag Day 2020 chose). */
export const EDNS_PAYLOAD = 1232;

/**
 * A query in wire form: header with RD (unless `recursion` is false: the chain walk asks
 * authoritative servers, RFC 1034 4.3.1), one question (class IN), and an EDNS0 OPT record
 * (RFC 6891 6.1.2) unless `edns` is false. Written by hand rather than through dns-packet's
 * encoder: it is the hot path of a crawl, and a query has one fixed shape. `name` must already
 * be a checked A-label name.
 */
export function encodeQuery(
  id: number,
  name: string,
  type: RecordType,
  edns = true,
  recursion = true,
): Buffer {
  const code = questionTypes[type];
  if (code === undefined) throw new Error(`unsupported question type ${type}`);
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  const labels = trimmed === "" ? [] : trimmed.split(".");
  let nameLength = 1;
  for (const label of labels) nameLength += 1 + label.length;
  const buffer = Buffer.allocUnsafe(12 + nameLength + 4 + (edns ? 11 : 0));
  buffer.writeUInt16BE(id, 0);
  buffer.writeUInt16BE(recursion ? 0x0100 : 0, 2); // QR=0, OPCODE=QUERY, RD as asked
  buffer.writeUInt16BE(1, 4); // QDCOUNT
  buffer.writeUInt32BE(0, 6); // ANCOUNT, NSCOUNT
  buffer.writeUInt16BE(edns ? 1 : 0, 10); // ARCOUNT
  let offset = 12;
  for (const label of labels) {
    buffer[offset++] = label.length;
    offset += buffer.write(label, offset, "latin1");
  }
  buffer[offset++] = 0;
  buffer.writeUInt16BE(code, offset);
  buffer.writeUInt16BE(1, offset + 2); // class IN
  offset += 4;
  if (edns) {
    buffer[offset] = 0; // root owner name
    buffer.writeUInt16BE(41, offset + 1); // OPT
    buffer.writeUInt16BE(EDNS_PAYLOAD, offset + 3);
    buffer.writeUInt32BE(0, offset + 5); // extended RCODE, version 0, no DO bit
    buffer.writeUInt16BE(0, offset + 9); // no options
  }
  return buffer;
}

export interface Question {
  readonly name: string;
  readonly type: RecordType;
  /**
   * Decode the authority and additional sections too (the chain walk reads referrals and glue);
   * a crawl's stub questions read the answer section alone.
   */
  readonly allSections?: boolean;
}

export type Checked =
  | { readonly kind: "answer"; readonly packet: DecodedPacket }
  /** Ours (id and source matched) but unreadable. */
  | { readonly kind: "malformed"; readonly reason: string }
  /** Readable, but not an answer to this question: dropped, the wait goes on (RFC 5452 9.1). */
  | { readonly kind: "mismatch"; readonly reason: string };

/**
 * Decodes an answer and checks that it answers `question`: QR set, opcode
 * QUERY, exactly one question with the same name (case-insensitively), type
 * and class. dns-packet refuses compression pointers that do not point
 * backwards, which rules out pointer loops; anything it throws on is
 * "malformed". Never throws.
 */
export function checkAnswer(message: Uint8Array, question: Question): Checked {
  const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message);
  const broken = wireProblem(bytes);
  if (broken) return { kind: "malformed", reason: broken };
  let packet: DecodedPacket;
  try {
    // The header, the question and the answer section are all a crawl reads (the layout of the
    // rest was checked above): leaving the authority and additional records undecoded saves a
    // fifth of the DNS client's time on negative answers, which carry an SOA.
    const sections = Buffer.from(bytes);
    if (!question.allSections) sections.writeUInt32BE(0, 8);
    packet = dnsPacket.decode(sections);
  } catch (error) {
    return { kind: "malformed", reason: (error as Error).message || "cannot decode" };
  }
  if (!packet.flag_qr) return { kind: "mismatch", reason: "not a response" };
  const opcode = (packet as { opcode?: unknown }).opcode;
  if (opcode !== "QUERY") return { kind: "mismatch", reason: `opcode ${String(opcode)}` };
  const questions = packet.questions ?? [];
  const asked = questions[0];
  if (questions.length !== 1 || !asked) return { kind: "mismatch", reason: "not one question" };
  if (
    asked.type !== question.type ||
    (asked.class !== undefined && asked.class !== "IN") ||
    !sameName(asked.name, question.name)
  )
    return { kind: "mismatch", reason: "another question" };
  return { kind: "answer", packet };
}

/**
 * What is wrong with a message's layout, or null: every section's records
 * within the message, each RDLENGTH within it, A and AAAA data of 4 and 16
 * bytes (RFC 1035 3.4.1, RFC 3596 2.2), names of labels and backward
 * pointers. dns-packet trusts RDLENGTH and reads past the end of a short
 * packet ("192.0.2.undefined"); this walk runs first so it never has to.
 */
export function wireProblem(bytes: Buffer): string | null {
  if (bytes.length < 12) return "shorter than a header";
  let offset = 12;
  const skipName = (): boolean => {
    for (let hops = 0; hops < 128; hops++) {
      if (offset >= bytes.length) return false;
      const length = bytes[offset]!;
      if (length === 0) {
        offset += 1;
        return true;
      }
      if ((length & 0xc0) === 0xc0) {
        // A pointer ends the name where it stands; dns-packet checks where it points.
        if (offset + 2 > bytes.length) return false;
        offset += 2;
        return true;
      }
      if ((length & 0xc0) !== 0) return false;
      offset += 1 + length;
    }
    return false;
  };
  const questions = bytes.readUInt16BE(4);
  for (let i = 0; i < questions; i++) {
    if (!skipName() || offset + 4 > bytes.length) return "question runs past the end";
    offset += 4;
  }
  const records = bytes.readUInt16BE(6) + bytes.readUInt16BE(8) + bytes.readUInt16BE(10);
  for (let i = 0; i < records; i++) {
    if (!skipName() || offset + 10 > bytes.length) return "record runs past the end";
    const type = bytes.readUInt16BE(offset);
    const rdlength = bytes.readUInt16BE(offset + 8);
    offset += 10;
    if (offset + rdlength > bytes.length) return "record data runs past the end";
    if ((type === 1 && rdlength !== 4) || (type === 28 && rdlength !== 16))
      return `${type === 1 ? "A" : "AAAA"} record of ${rdlength} bytes`;
    offset += rdlength;
  }
  return null;
}

/** Case-insensitive DNS name equality (RFC 4343), trailing dots ignored. */
export function sameName(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

export function canonical(name: unknown): string {
  const text = typeof name === "string" ? name.toLowerCase() : "";
  return text.endsWith(".") && text.length > 1 ? text.slice(0, -1) : text;
}

/**
 * The RCODE as a number: the header's four bits, extended by the OPT record's upper eight when
 * there is one (RFC 6891 6.1.3: BADVERS is 16). Read from the flags, not from dns-packet's name
 * for it, which has none for codes 11-15 and cannot say 16 and up. -1 when the packet has no flags.
 */
export function rcodeOf(packet: DecodedPacket): number {
  const flags = (packet as unknown as { flags?: unknown }).flags;
  if (typeof flags !== "number") return -1;
  const opt = (packet.additionals ?? []).find((record) => record.type === "OPT") as
    | { extendedRcode?: unknown }
    | undefined;
  const extended = typeof opt?.extendedRcode === "number" ? opt.extendedRcode : 0;
  return (extended << 4) | (flags & 0xf);
}

/** The outcome an RCODE stands for; NOERROR is OK or NODATA depending on the records found. */
export function outcomeOfRcode(rcode: number, hasRecords: boolean): Outcome {
  switch (rcode) {
    case 0:
      return hasRecords ? "OK" : "NODATA";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 5:
      return "REFUSED";
    default:
      return "OTHER";
  }
}

export interface ChainWalk {
  /** The name the chain ends at (the asked name when there is no alias). */
  readonly target: string;
  /** Alias targets in order. */
  readonly chain: string[];
  /** Records of the asked type owned by `target`. */
  readonly records: Answer[];
  /** The chain came back to a name it had passed, or was longer than the limit. */
  readonly broken?: "loop" | "too long";
}

/**
 * Follows the CNAME records of one answer section from `name` (RFC 1034
 * 3.6.2: a recursive server returns the chain and the records at its end).
 * Records of the asked type must be owned by the chain's end; others are
 * ignored, so an answer cannot slip in records for an unrelated name.
 */
export function walkChain(
  answers: readonly Answer[],
  name: string,
  type: RecordType,
  limit: number,
): ChainWalk {
  const chain: string[] = [];
  const start = canonical(name);
  let target = start;
  if (type !== "CNAME" && answers.some((r) => r.type === "CNAME")) {
    for (;;) {
      const alias = answers.find((r) => r.type === "CNAME" && canonical(r.name) === target);
      if (!alias) break;
      const next = canonical((alias as { data?: unknown }).data);
      if (next === "") break;
      if (next === start || chain.includes(next)) return { target, chain, records: [], broken: "loop" };
      if (chain.length >= limit) return { target, chain, records: [], broken: "too long" };
      chain.push(next);
      target = next;
    }
  }
  const records = answers.filter((r) => r.type === type && canonical(r.name) === target);
  return { target, chain, records };
}

/** One record's data as text: an address, a name, "10 mx.example.com", the SOA fields, TXT strings. */
export function recordText(record: Answer): string {
  const data = (record as { data?: unknown }).data;
  switch (record.type) {
    case "A":
    case "AAAA":
      return typeof data === "string" ? data : "";
    case "NS":
    case "CNAME":
    case "PTR":
    case "DNAME":
      return canonical(data);
    case "MX": {
      const mx = data as { preference?: unknown; exchange?: unknown } | undefined;
      return `${Number(mx?.preference ?? 0)} ${canonical(mx?.exchange)}`;
    }
    case "SOA": {
      const soa = (data ?? {}) as Record<string, unknown>;
      return [
        canonical(soa["mname"]),
        canonical(soa["rname"]),
        ...["serial", "refresh", "retry", "expire", "minimum"].map((k) => Number(soa[k] ?? 0)),
      ].join(" ");
    }
    case "TXT": {
      const parts = Array.isArray(data) ? data : [data];
      return parts.map((part) => (Buffer.isBuffer(part) ? part.toString("latin1") : String(part))).join("");
    }
    default:
      return Buffer.isBuffer(data) ? data.toString("hex") : JSON.stringify(data ?? null);
  }
}
