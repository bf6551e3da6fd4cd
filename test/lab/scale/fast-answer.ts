// The scale lab's fast path to an authoritative answer: reads the query and writes the response
// bytes by hand for the one shape of question a crawl asks, and hands every other query to
// packetAnswer() (packet-answer.ts). dns-server.test.ts checks that the two agree.
import { EDNS_PAYLOAD, NEGATIVE_TTL, NOTIMP, NXDOMAIN, packetAnswer, TTL } from "./packet-answer.js";
import { domainName, lookupRecords, type RecordData, type RecordType, soaOf, type World } from "./rule.js";

/**
 * Room for any response fastAnswer() writes: a question of at most 271 bytes, at most two records
 * of at most 797 (owner and two names of 255 bytes, 30 of fields), an OPT record of 11.
 */
export const FAST_ANSWER_ROOM = 2048;

/** The rule's type of a question type code (RFC 1035 3.2.2, RFC 3596), or undefined. */
function ruleType(code: number): RecordType | undefined {
  switch (code) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 15:
      return "MX";
    case 28:
      return "AAAA";
  }
  return undefined;
}
const TYPE_CODES: Record<RecordType, number> = { A: 1, NS: 2, SOA: 6, PTR: 12, MX: 15, AAAA: 28 };
const CNAME = 5;
const TXT = 16;
const OPT = 41;
/** EDNS options dns-packet decodes field by field (ECS, keepalive, key tag), and so may throw on. */
const isParsedOption = (code: number) => code === 8 || code === 11 || code === 14;

/**
 * Writes the response to `query` into `out` by hand and returns its length, or 0 when the query
 * is not of the one shape handled here: header with one question and no answer or authority
 * records, a name of letters, digits, '-' and '_' (any case), class IN, and at most one
 * additional record, an OPT with root owner whose options dns-packet keeps as bytes. The bytes
 * decode to what packetAnswer() gives (the question copied as asked, the owner names lower case);
 * names are compressed against the question's when it is lower case.
 */
export function fastAnswer(world: World, query: Buffer, udp: boolean, out: Buffer): number {
  const size = query.length;
  if (size < 12 || u16(query, 4) !== 1 || (u16(query, 6) | u16(query, 8)) !== 0) return 0;
  const additionals = u16(query, 10);
  if (additionals > 1) return 0;

  // The question's name, lower-cased, with dots; at most 254 bytes of labels as dns-packet allows.
  let at = 12;
  let length = 0;
  let lowerCase = true;
  for (;;) {
    if (at >= size) return 0;
    const labelLength = query[at]!;
    if (labelLength === 0) break;
    if (labelLength > 63 || at + 1 + labelLength - 12 > 254 || at + 1 + labelLength > size) return 0;
    if (length > 0) nameScratch[length++] = 0x2e;
    for (let i = at + 1; i <= at + labelLength; i++) {
      let c = query[i]!;
      if (c >= 0x41 && c <= 0x5a) {
        c |= 0x20;
        lowerCase = false;
      } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f))
        return 0;
      nameScratch[length++] = c;
    }
    at += 1 + labelLength;
  }
  if (length === 0) return 0;
  const questionEnd = at + 5;
  if (questionEnd > size || u16(query, at + 3) !== 1) return 0;
  const typeCode = u16(query, at + 1);
  const edns = additionals === 1;
  if (edns && !plainOpt(query, questionEnd)) return 0;

  const name = nameScratch.toString("latin1", 0, length);
  const type = ruleType(typeCode);
  const found = lookupRecords(world, name, type ?? "A");
  let rcode = found.exists ? 0 : NXDOMAIN;
  let records: RecordData[] = [];
  let negative = false;
  if (type === undefined) {
    if (found.exists && typeCode !== TXT && typeCode !== CNAME) rcode = NOTIMP;
  } else if (found.records.length > 0) records = found.records;
  else negative = found.zone >= 0;

  const w = writer;
  w.start(out, name, lowerCase);
  out[0] = query[0]!;
  out[1] = query[1]!;
  out[2] = 0x84 | (query[2]! & 0x01); // QR, AA, RD as asked
  out[3] = rcode;
  put16(out, 4, 1);
  put16(out, 6, records.length);
  put16(out, 8, negative ? 1 : 0);
  put16(out, 10, edns ? 1 : 0);
  for (let i = 12; i < questionEnd; i++) out[i] = query[i]!; // the question as asked
  w.offset = questionEnd;
  for (const record of records) w.record(name, record, TTL);
  if (negative)
    w.record(domainName(world, found.zone), { type: "SOA", soa: soaOf(world, found.zone) }, NEGATIVE_TTL);
  if (edns) w.opt();
  // dns-packet writes names uncompressed: truncate (through packetAnswer) exactly when it would.
  if (udp && w.offset + w.saved > (edns ? EDNS_PAYLOAD : 512)) return 0;
  return w.offset;
}

const nameScratch = Buffer.alloc(256);

/** Whether an OPT record with root owner starts at `at` and its options lie within it, none parsed. */
function plainOpt(query: Buffer, at: number): boolean {
  if (at + 11 > query.length || query[at] !== 0 || u16(query, at + 1) !== OPT) return false;
  const end = at + 11 + u16(query, at + 9);
  if (end > query.length) return false;
  let option = at + 11;
  while (option < end) {
    if (option + 4 > end || isParsedOption(u16(query, option))) return false;
    option += 4 + u16(query, option + 2);
  }
  return option === end;
}

/** Writes records after the question; reused, since one answer is written at a time. */
class RecordWriter {
  out: Buffer = Buffer.alloc(0);
  offset = 0;
  /** Bytes that compression saved against dns-packet's uncompressed names. */
  saved = 0;
  private question = "";
  private compress = false;

  start(out: Buffer, question: string, lowerCase: boolean): void {
    this.out = out;
    this.offset = 0;
    this.saved = 0;
    this.question = question;
    this.compress = lowerCase;
  }

  record(owner: string, data: RecordData, ttl: number): void {
    const out = this.out;
    this.name(owner);
    put16(out, this.offset, TYPE_CODES[data.type]);
    put16(out, this.offset + 2, 1); // IN
    put32(out, this.offset + 4, ttl);
    const rdlength = this.offset + 8;
    this.offset += 10;
    switch (data.type) {
      case "A":
        put32(out, this.offset, data.address);
        this.offset += 4;
        break;
      case "AAAA":
        put32(out, this.offset, 0x20010db8);
        put32(out, this.offset + 4, data.group * 65536);
        put32(out, this.offset + 8, Math.floor(data.host / 2 ** 32));
        put32(out, this.offset + 12, data.host >>> 0);
        this.offset += 16;
        break;
      case "NS":
      case "PTR":
        this.name(data.name);
        break;
      case "MX":
        put16(out, this.offset, data.preference);
        this.offset += 2;
        this.name(data.exchange);
        break;
      case "SOA": {
        const soa = data.soa;
        this.name(soa.mname);
        this.name(soa.rname);
        out.writeUInt32BE(soa.serial, this.offset);
        put32(out, this.offset + 4, soa.refresh);
        put32(out, this.offset + 8, soa.retry);
        put32(out, this.offset + 12, soa.expire);
        put32(out, this.offset + 16, soa.minimum);
        this.offset += 20;
        break;
      }
    }
    put16(out, rdlength, this.offset - rdlength - 2);
  }

  /** `name` (lower case, no trailing dot) in labels, its longest tail that ends the question a pointer. */
  private name(name: string): void {
    const out = this.out;
    let at = this.offset;
    let label = 0;
    while (label < name.length) {
      const tail = this.compress ? questionTail(this.question, name, label) : -1;
      if (tail >= 0) {
        out[at] = 0xc0 | ((12 + tail) >> 8);
        out[at + 1] = (12 + tail) & 0xff;
        this.offset = at + 2;
        this.saved += name.length - label; // its labels and root byte, less the 2-byte pointer
        return;
      }
      let dot = name.indexOf(".", label);
      if (dot < 0) dot = name.length;
      out[at++] = dot - label;
      for (let i = label; i < dot; i++) out[at++] = name.charCodeAt(i);
      label = dot + 1;
    }
    out[at++] = 0;
    this.offset = at;
  }

  opt(): void {
    const out = this.out;
    out[this.offset] = 0; // root owner
    put16(out, this.offset + 1, OPT);
    put16(out, this.offset + 3, EDNS_PAYLOAD);
    put32(out, this.offset + 5, 0); // extended RCODE, version, flags
    put16(out, this.offset + 9, 0); // no options
    this.offset += 11;
  }
}
const writer = new RecordWriter();

// Unchecked 16- and 32-bit big-endian access: Buffer's methods validate their arguments each call.
const u16 = (b: Buffer, at: number) => (b[at]! << 8) | b[at + 1]!;
function put16(b: Buffer, at: number, value: number): void {
  b[at] = value >>> 8;
  b[at + 1] = value;
}
function put32(b: Buffer, at: number, value: number): void {
  b[at] = value >>> 24;
  b[at + 1] = value >>> 16;
  b[at + 2] = value >>> 8;
  b[at + 3] = value;
}

/**
 * Where name.slice(from) starts in `question` when it is a whole-label tail of it, else -1. In
 * the question's wire form the label starting at character s has its length byte at 12 + s.
 */
function questionTail(question: string, name: string, from: number): number {
  const length = name.length - from;
  const start = question.length - length;
  if (start < 0 || (start > 0 && question.charCodeAt(start - 1) !== 0x2e)) return -1;
  for (let i = 0; i < length; i++)
    if (question.charCodeAt(start + i) !== name.charCodeAt(from + i)) return -1;
  return start;
}

const answerScratch = Buffer.alloc(FAST_ANSWER_ROOM);

/** The answer to `query`: the fast path's when it takes the query, else dns-packet's. */
export function answer(world: World, query: Buffer, udp: boolean): Buffer | undefined {
  const length = fastAnswer(world, query, udp, answerScratch);
  if (length === 0) return packetAnswer(world, query, udp);
  const out = Buffer.allocUnsafe(length);
  answerScratch.copy(out, 0, 0, length);
  return out;
}
