import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHostName, type NameCheck, normaliseName, tldOf } from "./domain-name.js";

const reason = (check: NameCheck) => (check.ok ? `accepted as ${check.name}` : check.reason);

describe("domain names (SPEC 1)", () => {
  it("trims, lower-cases and drops the trailing dot", () => {
    assert.deepEqual(normaliseName("  Example.COM. "), { ok: true, name: "example.com" });
  });
  it("turns internationalised names into A-labels", () => {
    assert.deepEqual(normaliseName("bücher.de"), { ok: true, name: "xn--bcher-kva.de" });
  });
  it("rejects what is not a domain, with the reason", () => {
    assert.match(reason(normaliseName("a..b")), /empty label \(two dots in a row\)/);
    assert.match(reason(normaliseName(`${"a".repeat(64)}.com`)), /longer than 63/);
    assert.match(reason(normaliseName(`${"abcdefghi.".repeat(26)}com`)), /longer than 253/);
    assert.match(reason(normaliseName("localhost")), /no TLD/);
    assert.match(reason(normaliseName("192.0.2.1")), /address/);
    assert.match(reason(normaliseName("not a domain")), /white space/);
    assert.equal(
      reason(normaliseName("exa$mple.com")),
      'label "exa$mple" has a character a host name cannot have: "$" (U+0024) at position 4',
    );
  });
  it("takes the last label as the TLD, as the original did", () => {
    assert.equal(tldOf("example.co.uk"), "uk");
  });
});

describe("host names", () => {
  it("lower-cases and drops the trailing dot; a single label is a name (a name server may be one)", () => {
    assert.deepEqual(checkHostName(" WWW.Example.COM. "), { ok: true, name: "www.example.com" });
    assert.deepEqual(checkHostName("localhost"), { ok: true, name: "localhost" });
    assert.deepEqual(checkHostName("_dmarc.example.com"), { ok: true, name: "_dmarc.example.com" });
  });

  it("converts internationalised names to A-labels (RFC 5891)", () => {
    assert.deepEqual(checkHostName("bücher.example"), { ok: true, name: "xn--bcher-kva.example" });
  });

  it("rejects names over 253 characters, empty and over-long labels, and odd characters, saying why", () => {
    const long = `${"a".repeat(60)}.`.repeat(5) + "com";
    assert.match(reason(checkHostName(long)), /longer than 253/);
    assert.match(reason(checkHostName("a..example")), /empty label/);
    assert.match(reason(checkHostName(`${"b".repeat(64)}.example`)), /longer than 63/);
    assert.match(reason(checkHostName("bad name.example")), /white space/);
    assert.equal(reason(checkHostName("-lead.example")), 'label "-lead" starts with a hyphen');
    assert.equal(reason(checkHostName("trail-.example")), 'label "trail-" ends with a hyphen');
    assert.equal(checkHostName("").ok, false);
    assert.equal(checkHostName(".").ok, false);
    assert.equal(
      reason(checkHostName("\u0000.example")),
      'label "\\u0000" has a character a host name cannot have: U+0000 at position 1',
    );
  });

  // Issue 16, hostile-input pass: ".lead.com" was reported as "two dots in a row".
  it("says a name that starts with a dot starts with a dot", () => {
    assert.equal(reason(normaliseName(".lead.com")), "starts with a dot (an empty first label)");
    assert.equal(reason(checkHostName("lead.com..")), "ends with two dots (an empty last label)");
  });

  // Issue 16: a zero-width space was silently dropped (UTS 46 maps it to nothing), so
  // "exa\u200Bmple.com" was crawled as example.com.
  it("reports invisible characters by code point instead of dropping them", () => {
    assert.equal(reason(normaliseName("exa\u200bmple.com")), "has an invalid character U+200B at position 4");
    assert.equal(reason(normaliseName("bü\u00adcher.de")), "has an invalid character U+00AD at position 3");
    assert.equal(reason(normaliseName("exam\ufeffple.com")), "has an invalid character U+FEFF at position 5");
    assert.equal(reason(normaliseName("ex\u2060ample.com")), "has an invalid character U+2060 at position 3");
  });
});
