import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkQueryName } from "./query-name.js";

describe("query names", () => {
  it("lower-cases and drops the trailing dot; a single label is a name (a name server may be one)", () => {
    assert.deepEqual(checkQueryName(" WWW.Example.COM. "), { ok: true, name: "www.example.com" });
    assert.deepEqual(checkQueryName("localhost"), { ok: true, name: "localhost" });
    assert.deepEqual(checkQueryName("_dmarc.example.com"), { ok: true, name: "_dmarc.example.com" });
  });

  it("converts internationalised names to A-labels (RFC 5891)", () => {
    assert.deepEqual(checkQueryName("bücher.example"), { ok: true, name: "xn--bcher-kva.example" });
  });

  it("rejects names over 253 characters, empty and over-long labels, and odd characters, saying why", () => {
    const long = `${"a".repeat(60)}.`.repeat(5) + "com";
    assert.match(String((checkQueryName(long) as { reason: string }).reason), /longer than 253/);
    assert.match(String((checkQueryName("a..example") as { reason: string }).reason), /empty label/);
    assert.match(
      String((checkQueryName(`${"b".repeat(64)}.example`) as { reason: string }).reason),
      /longer than 63/,
    );
    assert.match(String((checkQueryName("bad name.example") as { reason: string }).reason), /characters/);
    assert.match(String((checkQueryName("-lead.example") as { reason: string }).reason), /characters/);
    assert.equal(checkQueryName("").ok, false);
    assert.equal(checkQueryName(".").ok, false);
    assert.equal(checkQueryName("\u0000.example").ok, false);
  });
});
