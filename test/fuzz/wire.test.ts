// Property tests (fast-check) of the readers of packets and replies: DNS
// queries decode to what was asked, any bytes give a typed result, ICMP echo
// replies and errors give back the identifier and sequence they carry, SMTP
// replies come out as they were written whatever the chunking. Few runs in CI.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket from "dns-packet";
import fc from "fast-check";
import { echoRequest, internetChecksum, parseIcmp4, parseIcmp6 } from "../../services/prober/icmp-packet.js";
import { SmtpReplyParser } from "../../services/prober/smtp-reply.js";
import { checkAnswer, encodeQuery, questionTypes } from "../../services/resolver/dns-message.js";

const runs = { numRuns: Number(process.env["FUZZ_PROPERTY_RUNS"] ?? 200) };
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join("."));
const type = fc.constantFrom(...(Object.keys(questionTypes) as dnsPacket.RecordType[]));

describe("DNS messages", () => {
  it("a query decodes to its id, name and type", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), name, type, fc.boolean(), (id, asked, qtype, edns) => {
        const decoded = dnsPacket.decode(encodeQuery(id, asked, qtype, edns));
        assert.equal(decoded.id, id);
        assert.deepEqual(decoded.questions, [{ name: asked, type: qtype, class: "IN" }]);
        assert.equal((decoded.additionals ?? []).length, edns ? 1 : 0);
      }),
      runs,
    );
  });
  it("an answer built for the question is believed, with its records", () => {
    fc.assert(
      fc.property(name, fc.array(fc.ipV4(), { maxLength: 5 }), (asked, addresses) => {
        const answers = addresses.map((data) => ({ type: "A" as const, name: asked, ttl: 60, data }));
        const bytes = dnsPacket.encode({
          type: "response",
          id: 1,
          questions: [{ type: "A", name: asked, class: "IN" }],
          answers,
        } as dnsPacket.Packet);
        const checked = checkAnswer(bytes, { name: asked.toUpperCase(), type: "A" });
        assert.equal(checked.kind, "answer");
        if (checked.kind === "answer")
          assert.deepEqual(
            (checked.packet.answers ?? []).map((r) => (r as { data: string }).data),
            addresses,
          );
      }),
      runs,
    );
  });
  it("any bytes give answer, malformed or mismatch, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        assert.ok(
          ["answer", "malformed", "mismatch"].includes(
            checkAnswer(bytes, { name: "a.example", type: "AAAA" }).kind,
          ),
        );
      }),
      runs,
    );
  });
});

function ipv4Packet(icmp: Buffer, source = [192, 0, 2, 9]): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + icmp.length, 2);
  header[9] = 1;
  header.set(source, 12);
  return Buffer.concat([header, icmp]);
}

describe("ICMP packets", () => {
  const id = fc.integer({ min: 0, max: 0xffff });
  it("an echo reply gives back its id and sequence; its checksum sums to zero", () => {
    fc.assert(
      fc.property(id, id, fc.integer({ min: 0, max: 200 }), (ident, seq, size) => {
        const reply = echoRequest(4, ident, seq, size);
        reply[0] = 0;
        reply.writeUInt16BE(0, 2);
        reply.writeUInt16BE(internetChecksum(reply, 0, reply.length), 2);
        assert.equal(internetChecksum(reply, 0, reply.length), 0);
        assert.deepEqual(parseIcmp4(ipv4Packet(reply)), {
          kind: "echo-reply",
          from: "192.0.2.9",
          id: ident,
          seq,
        });
        const reply6 = echoRequest(6, ident, seq, size);
        reply6[0] = 129;
        assert.deepEqual(parseIcmp6(reply6, "2001:db8::9"), {
          kind: "echo-reply",
          from: "2001:db8::9",
          id: ident,
          seq,
        });
      }),
      runs,
    );
  });
  it("a time-exceeded quoting our request names its id and sequence; any prefix of it never throws", () => {
    fc.assert(
      fc.property(id, id, (ident, seq) => {
        const quoted = ipv4Packet(echoRequest(4, ident, seq), [192, 0, 2, 1]);
        quoted.set([198, 51, 100, 7], 16);
        const error = Buffer.concat([Buffer.from([11, 0, 0, 0, 0, 0, 0, 0]), quoted]);
        error.writeUInt16BE(internetChecksum(error, 0, error.length), 2);
        const packet = ipv4Packet(error);
        const parsed = parseIcmp4(packet);
        assert.equal(parsed.kind, "error");
        if (parsed.kind === "error")
          assert.deepEqual(parsed.quoted, { destination: "198.51.100.7", id: ident, seq });
        for (let end = 0; end < packet.length; end++) {
          const cut = Buffer.from(packet.subarray(0, end));
          assert.ok(["garbage", "ignored", "error", "echo-reply"].includes(parseIcmp4(cut).kind));
        }
      }),
      runs,
    );
  });
  it("any bytes give a typed result", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        assert.ok(["garbage", "ignored", "error", "echo-reply"].includes(parseIcmp4(bytes).kind));
        assert.ok(["garbage", "ignored", "error", "echo-reply"].includes(parseIcmp6(bytes, "::1").kind));
      }),
      runs,
    );
  });
});

describe("SMTP replies", () => {
  const text = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
  const reply = fc.record({
    code: fc.integer({ min: 200, max: 599 }),
    lines: fc.array(text, { minLength: 1, maxLength: 6 }),
  });
  it("written replies come out as written, however the bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.array(reply, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 17 }),
        (replies, step) => {
          const wire = Buffer.from(
            replies
              .map((r) =>
                r.lines
                  .map((line, i) => `${r.code}${i < r.lines.length - 1 ? "-" : " "}${line}\r\n`)
                  .join(""),
              )
              .join(""),
          );
          const parser = new SmtpReplyParser();
          const out = [];
          for (let at = 0; at < wire.length; at += step)
            out.push(...parser.push(wire.subarray(at, at + step)));
          assert.deepEqual(
            out,
            replies.map((r) => ({ kind: "reply", reply: { code: r.code, lines: r.lines } })),
          );
        },
      ),
      runs,
    );
  });
  it("any bytes end in replies and at most one failure, never a throw", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (chunks) => {
        const parser = new SmtpReplyParser();
        const out = chunks.flatMap((chunk) => parser.push(chunk));
        const failures = out.filter((r) => r.kind === "failure").length;
        assert.ok(failures <= 1);
        if (failures === 1) assert.equal(out.at(-1)!.kind, "failure");
      }),
      runs,
    );
  });
});
