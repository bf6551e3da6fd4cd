import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reverseName } from "./reverse.js";

describe("reverse names", () => {
  it("turns an IPv4 address into its in-addr.arpa name (RFC 1035 3.5)", () => {
    assert.equal(reverseName("192.0.2.10"), "10.2.0.192.in-addr.arpa");
  });
  it("turns an IPv6 address into nibbles under ip6.arpa (RFC 3596 2.5)", () => {
    assert.equal(
      reverseName("2001:db8::1"),
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
    );
    assert.equal(reverseName("::ffff:192.0.2.1")?.startsWith("1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0"), true);
  });
  it("refuses what is not an address", () => {
    assert.equal(reverseName("example.com"), null);
    assert.equal(reverseName("300.1.1.1"), null);
  });
});
