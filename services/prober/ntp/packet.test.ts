// The NTP packet's bytes against RFC 5905's layout, written out by hand, and its timestamps
// round-tripped over any time (fast-check), the 2036 era wrap included.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeHeader,
  encodeHeader,
  encodeRequest,
  NtpPacketError,
  refidText,
  timestampOf,
  unixMsOf,
} from "./packet.js";

describe("NTP request (mode 3)", () => {
  it("is 48 bytes: LI 0, version 4, mode 3 (0x23), all zero but the transmit timestamp", () => {
    const transmit = Buffer.from("0123456789abcdef", "hex");
    const { bytes } = encodeRequest(transmit);
    assert.equal(bytes.length, 48);
    assert.equal(bytes[0], 0x23);
    assert.ok(bytes.subarray(1, 40).every((b) => b === 0));
    assert.equal(bytes.subarray(40).toString("hex"), "0123456789abcdef");
  });

  it("draws a new random transmit timestamp per request", () => {
    const seen = new Set(Array.from({ length: 50 }, () => encodeRequest().transmit.toString("hex")));
    assert.equal(seen.size, 50);
  });
});

describe("NTP header", () => {
  it("decodes a server reply written byte by byte", () => {
    const reply = Buffer.from(
      [
        "24", // LI 0, VN 4, mode 4
        "02", // stratum 2
        "06", // poll 6
        "e9", // precision -23
        "00008000", // root delay 0.5 s
        "00004000", // root dispersion 0.25 s
        "c0000201", // refid 192.0.2.1
        "e9b7a1000000000",
        "0",
        "0123456789abcdef", // origin
        "e9b7a10080000000", // receive: x.5 s
        "e9b7a100c0000000", // transmit: x.75 s
      ].join(""),
      "hex",
    );
    const h = decodeHeader(reply);
    assert.deepEqual(
      [h.leap, h.version, h.mode, h.stratum, h.poll, h.precision, h.rootDelay, h.rootDispersion],
      [0, 4, 4, 2, 6, -23, 0.5, 0.25],
    );
    assert.equal(refidText(h.refid, h.stratum), "192.0.2.1");
    assert.equal(h.origin.toString("hex"), "0123456789abcdef");
    // 0xe9b7a100 s after 1900 = 3921125632 s; minus 2208988800 = 1712136832 s Unix.
    assert.equal(unixMsOf(h.receive, 1712136832_000), 1712136832_500);
    assert.equal(unixMsOf(h.transmit, 1712136832_000), 1712136832_750);
    assert.deepEqual(encodeHeader(h), reply);
  });

  it("refuses fewer than 48 bytes, naming the length", () => {
    assert.throws(
      () => decodeHeader(Buffer.alloc(47)),
      (e: Error) => e instanceof NtpPacketError && /47 bytes/.test(e.message),
    );
  });

  it("reads a kiss code as text", () => {
    assert.equal(refidText(Buffer.from("RATE"), 0), "RATE");
    assert.equal(refidText(Buffer.from("GPS\0"), 1), "GPS");
  });

  it("round-trips any header", () => {
    const ts = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.record({
          leap: fc.integer({ min: 0, max: 3 }),
          version: fc.integer({ min: 0, max: 7 }),
          mode: fc.integer({ min: 0, max: 7 }),
          stratum: fc.integer({ min: 0, max: 255 }),
          poll: fc.integer({ min: -128, max: 127 }),
          precision: fc.integer({ min: -128, max: 127 }),
          rootDelay: fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 65536),
          rootDispersion: fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 65536),
          refid: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)),
          reference: ts,
          origin: ts,
          receive: ts,
          transmit: ts,
        }),
        (h) => {
          assert.deepEqual(decodeHeader(encodeHeader(h)), { ...h });
        },
      ),
    );
  });
});

describe("NTP timestamps", () => {
  it("are the Unix time plus 2208988800 s, to the microsecond, in every era near our clock", () => {
    assert.equal(timestampOf(0).toString("hex"), "83aa7e8000000000");
    fc.assert(
      fc.property(
        // 1900 to 2200, and a server within a day of our clock.
        fc.double({ min: -2_208_988_800_000, max: 7_258_118_400_000, noNaN: true }),
        fc.double({ min: -86_400_000, max: 86_400_000, noNaN: true }),
        (unixMs, skew) => {
          const back = unixMsOf(timestampOf(unixMs), unixMs + skew);
          assert.ok(Math.abs(back - unixMs) < 0.001, `${unixMs} came back as ${back}`);
        },
      ),
    );
  });

  it("wraps in 2036 and is read back in the right era", () => {
    const after = Date.UTC(2036, 1, 7, 6, 28, 20);
    assert.equal(timestampOf(after).readUInt32BE(0), 4);
    assert.equal(unixMsOf(timestampOf(after), after - 10_000), after);
  });
});
