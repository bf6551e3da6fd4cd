// Judging replies (RFC 5905 8): only a reply carrying our origin timestamp counts; then
// mode, stratum and leap decide; offset and delay from the four timestamps, checked by hand.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { judgeReply, type Outstanding } from "./reply.js";

const origin = "0123456789abcdef";
const sent: Outstanding[] = [{ transmit: origin, sentMs: 1712136832_000 }];

/** A reply byte by byte: first byte (LI, VN, mode), stratum, refid, origin, receive, transmit. */
function reply(
  first: string,
  stratum: string,
  refid: string,
  originHex: string,
  receive: string,
  transmit: string,
): Buffer {
  return Buffer.from(
    `${first}${stratum}06e9` +
      "00000000" +
      "00000000" +
      refid +
      "0000000000000000" +
      originHex +
      receive +
      transmit,
    "hex",
  );
}
// 0xe9b7a100 = 1712136832 s Unix; 0x80000000 = .5 s; 0x40000000 = .25 s.
const receivedAt = (fraction: string) => `e9b7a100${fraction}`;

describe("judgeReply", () => {
  it("answered: offset ((t2-t1)+(t3-t4))/2 and delay (t4-t1)-(t3-t2) from hand-picked times", () => {
    // t1 = 0, t2 = 500, t3 = 750, t4 = 1000 (ms past the second): offset 125, delay 750.
    const v = judgeReply(
      reply("24", "02", "c0000201", origin, receivedAt("80000000"), receivedAt("c0000000")),
      sent,
      1712136833_000,
    );
    assert.deepEqual(v, { kind: "answered", stratum: 2, offsetMs: 125, rttMs: 750, refid: "192.0.2.1" });
  });

  it("ignores a reply whose origin is not our transmit timestamp (spoofed or stale), and short packets", () => {
    const other = reply(
      "24",
      "02",
      "c0000201",
      "fedcba9876543210",
      receivedAt("80000000"),
      receivedAt("c0000000"),
    );
    assert.equal(judgeReply(other, sent, 1712136833_000).kind, "ignored");
    assert.equal(judgeReply(Buffer.alloc(20), sent, 1712136833_000).kind, "ignored");
    assert.equal(judgeReply(other, [], 1712136833_000).kind, "ignored");
  });

  it("a kiss-o'-death (stratum 0) fails with its code", () => {
    const v = judgeReply(
      reply("e4", "00", "52415445", origin, receivedAt("80000000"), receivedAt("c0000000")),
      sent,
      1712136833_000,
    );
    assert.deepEqual(v, {
      kind: "failed",
      failure: "ntp_kiss_of_death",
      stratum: 0,
      refid: "RATE",
      kissCode: "RATE",
    });
  });

  it("leap 3 or stratum 16 is unsynchronised; mode 3 echoed back or a zero transmit is invalid", () => {
    const judge = (first: string, stratum: string, transmit = receivedAt("c0000000")) =>
      judgeReply(
        reply(first, stratum, "c0000201", origin, receivedAt("80000000"), transmit),
        sent,
        1712136833_000,
      );
    assert.deepEqual(
      [judge("e4", "02"), judge("24", "10"), judge("23", "02"), judge("24", "02", "0000000000000000")].map(
        (v) => v.kind === "failed" && v.failure,
      ),
      ["ntp_unsynchronized", "ntp_unsynchronized", "ntp_invalid_reply", "ntp_invalid_reply"],
    );
  });

  it("never throws on any bytes, and answers only what carries an outstanding origin", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const v = judgeReply(bytes, sent, 1712136833_000);
        if (v.kind !== "ignored") assert.equal(Buffer.from(bytes.subarray(24, 32)).toString("hex"), origin);
      }),
    );
  });
});
