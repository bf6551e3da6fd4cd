import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket, { type Answer } from "dns-packet";
import {
  checkAnswer,
  EDNS_PAYLOAD,
  encodeQuery,
  outcomeOfRcode,
  rcodeOf,
  recordText,
  walkChain,
} from "./dns-message.js";

const response = (over: Partial<dnsPacket.Packet> = {}) =>
  dnsPacket.encode({
    type: "response",
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: "A", name: "www.example.com" }],
    answers: [{ type: "A", name: "www.example.com", data: "192.0.2.1" }],
    ...over,
  });

describe("dns-message", () => {
  it("encodes a query dns-packet reads back: RD, one question, EDNS0 with a 1232-byte buffer (RFC 6891)", () => {
    const packet = dnsPacket.decode(encodeQuery(0xbeef, "WWW.Example.com.", "AAAA"));
    assert.equal(packet.id, 0xbeef);
    assert.equal(packet.type, "query");
    assert.equal(packet.flag_rd, true);
    assert.deepEqual(packet.questions, [{ name: "WWW.Example.com", type: "AAAA", class: "IN" }]);
    const opt = packet.additionals?.[0] as { type: string; udpPayloadSize: number };
    assert.equal(opt.type, "OPT");
    assert.equal(opt.udpPayloadSize, EDNS_PAYLOAD);
    assert.throws(() => encodeQuery(1, "x.example", "ANY" as "A"), /unsupported/);
  });

  it("accepts an answer to the question, whatever the case of the name (RFC 4343)", () => {
    const checked = checkAnswer(response(), { name: "WWW.EXAMPLE.COM", type: "A" });
    assert.equal(checked.kind, "answer");
  });

  it("drops what answers another question, and calls unreadable bytes malformed", () => {
    assert.equal(checkAnswer(response(), { name: "mail.example.com", type: "A" }).kind, "mismatch");
    assert.equal(checkAnswer(response(), { name: "www.example.com", type: "AAAA" }).kind, "mismatch");
    const query = dnsPacket.encode({
      type: "query",
      id: 7,
      questions: [{ type: "A", name: "www.example.com" }],
    });
    assert.equal(checkAnswer(query, { name: "www.example.com", type: "A" }).kind, "mismatch");
    const two = response({
      questions: [
        { type: "A", name: "www.example.com" },
        { type: "A", name: "www.example.com" },
      ],
    });
    assert.equal(checkAnswer(two, { name: "www.example.com", type: "A" }).kind, "mismatch");
    const whole = response();
    assert.equal(
      checkAnswer(whole.subarray(0, whole.length - 3), { name: "www.example.com", type: "A" }).kind,
      "malformed",
    );
  });

  it("refuses a compression pointer that points forward or at itself (no loops)", () => {
    // Header, question www.example.com A, one answer whose owner is a pointer.
    const question = Buffer.from(
      dnsPacket.encode({ type: "response", id: 7, questions: [{ type: "A", name: "www.example.com" }] }),
    );
    question.writeUInt16BE(1, 6);
    const answer = (pointer: number) =>
      Buffer.concat([
        question,
        Buffer.from([0xc0 | (pointer >> 8), pointer & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]),
      ]);
    assert.equal(checkAnswer(answer(12), { name: "www.example.com", type: "A" }).kind, "answer");
    const self = answer(question.length);
    assert.equal(checkAnswer(self, { name: "www.example.com", type: "A" }).kind, "malformed");
    assert.equal(
      checkAnswer(answer(question.length + 4), { name: "www.example.com", type: "A" }).kind,
      "malformed",
    );
  });

  it("calls records that run past the end, or A data of the wrong size, malformed", () => {
    const whole = response();
    for (let cut = 1; cut < whole.length - 12; cut++)
      assert.equal(
        checkAnswer(whole.subarray(0, whole.length - cut), { name: "www.example.com", type: "A" }).kind ===
          "answer",
        false,
        `cut ${cut}`,
      );
    const bytes = Buffer.from(whole);
    bytes.writeUInt16BE(5, bytes.length - 6); // RDLENGTH 5 for an A record
    assert.match(
      String(
        (
          checkAnswer(Buffer.concat([bytes, Buffer.from([0])]), { name: "www.example.com", type: "A" }) as {
            reason: string;
          }
        ).reason,
      ),
      /A record of 5 bytes/,
    );
  });

  it("maps RCODEs to outcomes", () => {
    assert.equal(outcomeOfRcode(0, true), "OK");
    assert.equal(outcomeOfRcode(0, false), "NODATA");
    assert.equal(outcomeOfRcode(2, false), "SERVFAIL");
    assert.equal(outcomeOfRcode(3, false), "NXDOMAIN");
    assert.equal(outcomeOfRcode(5, false), "REFUSED");
    assert.equal(outcomeOfRcode(4, false), "OTHER");
  });

  it("reads the RCODE from the header, extended by the OPT record (BADVERS is 16)", () => {
    const header = (rcode: number, extendedRcode?: number) => {
      const bytes = dnsPacket.encode({
        type: "response",
        id: 1,
        questions: [{ type: "A", name: "example.com" }],
        additionals:
          extendedRcode === undefined
            ? []
            : [{ type: "OPT", name: ".", udpPayloadSize: 1232, extendedRcode } as never],
      });
      bytes[3] = (bytes[3]! & 0xf0) | rcode;
      return rcodeOf(dnsPacket.decode(bytes));
    };
    assert.equal(header(4), 4);
    // 11-15 have no name in dns-packet; the number is kept all the same.
    assert.equal(header(11), 11);
    assert.equal(header(0, 1), 16);
    assert.equal(outcomeOfRcode(16, false), "OTHER");
  });

  const cname = (name: string, data: string) => ({ type: "CNAME", name, data }) as Answer;
  const a = (name: string, data: string) => ({ type: "A", name, data }) as Answer;

  it("follows a CNAME chain and keeps only the records of its end", () => {
    const walk = walkChain(
      [
        cname("www.example.com", "Edge.CDN.net."),
        cname("edge.cdn.net", "e1.cdn.net"),
        a("e1.cdn.net", "192.0.2.9"),
        a("other.net", "192.0.2.66"),
      ],
      "www.example.com",
      "A",
      8,
    );
    assert.deepEqual(walk.chain, ["edge.cdn.net", "e1.cdn.net"]);
    assert.deepEqual(
      walk.records.map((r) => recordText(r)),
      ["192.0.2.9"],
    );
    assert.equal(walk.target, "e1.cdn.net");
  });

  it("stops a CNAME loop and a chain over the limit", () => {
    assert.equal(
      walkChain([cname("a.test", "b.test"), cname("b.test", "a.test")], "a.test", "A", 8).broken,
      "loop",
    );
    const long = Array.from({ length: 5 }, (_, i) => cname(`n${i}.test`, `n${i + 1}.test`));
    assert.equal(walkChain(long, "n0.test", "A", 3).broken, "too long");
    assert.equal(walkChain(long, "n0.test", "A", 5).broken, undefined);
  });

  it("writes record data as text", () => {
    assert.equal(
      recordText({ type: "MX", name: "x", data: { preference: 10, exchange: "MX.x." } } as Answer),
      "10 mx.x",
    );
    assert.equal(
      recordText({ type: "TXT", name: "x", data: [Buffer.from("v=spf1"), Buffer.from(" -all")] } as Answer),
      "v=spf1 -all",
    );
    assert.equal(
      recordText({
        type: "SOA",
        name: "x",
        data: { mname: "ns.x.", rname: "h.x", serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
      } as Answer),
      "ns.x h.x 1 2 3 4 5",
    );
  });
});
