import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normaliseName, tldOf } from "./domain-name.js";

describe("domain names (SPEC 1)", () => {
  it("trims, lower-cases and drops the trailing dot", () => {
    assert.deepEqual(normaliseName("  Example.COM. "), { ok: true, name: "example.com" });
  });
  it("turns internationalised names into A-labels", () => {
    assert.deepEqual(normaliseName("bücher.de"), { ok: true, name: "xn--bcher-kva.de" });
  });
  it("rejects what is not a domain, with the reason", () => {
    assert.match((normaliseName("a..b") as { reason: string }).reason, /empty label/);
    assert.match((normaliseName(`${"a".repeat(64)}.com`) as { reason: string }).reason, /longer than 63/);
    assert.match(
      (normaliseName(`${"abcdefghi.".repeat(26)}com`) as { reason: string }).reason,
      /longer than 253/,
    );
    assert.match((normaliseName("localhost") as { reason: string }).reason, /no TLD/);
    assert.match((normaliseName("192.0.2.1") as { reason: string }).reason, /address/);
    assert.match((normaliseName("not a domain") as { reason: string }).reason, /white space/);
    assert.match((normaliseName("exa$mple.com") as { reason: string }).reason, /characters/);
  });
  it("takes the last label as the TLD, as the original did", () => {
    assert.equal(tldOf("example.co.uk"), "uk");
  });
});
