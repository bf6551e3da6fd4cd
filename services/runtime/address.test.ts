import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalIp,
  cidr,
  formatIp,
  inCidr,
  PrefixMap,
  PrefixSet,
  parseCidr,
  parseIp,
  reverseName,
} from "./address.js";

describe("addresses", () => {
  it("parses both families to integers, embedded dotted quads included", () => {
    assert.deepEqual(parseIp("192.0.2.1"), { family: 4, value: 0xc0000201n });
    assert.deepEqual(parseIp("::ffff:192.0.2.1"), { family: 6, value: 0xffffc0000201n });
    assert.deepEqual(parseIp("2001:DB8::1"), { family: 6, value: (0x20010db8n << 96n) | 1n });
    assert.deepEqual(parseIp("::"), { family: 6, value: 0n });
    assert.equal(parseIp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")?.value, (1n << 128n) - 1n);
  });
  it("refuses what is not an address, zone ids included", () => {
    for (const text of ["", "1.2.3", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "example.com", "::g"])
      assert.equal(parseIp(text), undefined, text);
  });
  it("writes RFC 5952 text", () => {
    assert.equal(canonicalIp("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    assert.equal(canonicalIp("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
    assert.equal(canonicalIp("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert.equal(canonicalIp("2001:db8:1:1:1:1:0:1"), "2001:db8:1:1:1:1:0:1", "one zero group stays");
    assert.equal(canonicalIp("::ffff:192.0.2.1"), "::ffff:c000:201");
    assert.equal(formatIp(4, 0xcb007109n), "203.0.113.9");
    assert.equal(canonicalIp("not an address"), "not an address");
  });
});

describe("prefixes", () => {
  it("parses net/bits, clears host bits, refuses the rest", () => {
    assert.equal(parseCidr("10.1.2.3/8")?.text, "10.0.0.0/8");
    assert.equal(parseCidr("2001:db8:5ca0::/44")?.bits, 44);
    for (const text of [
      "10.0.0.0/33",
      "::/129",
      "10.0.0.0",
      "10.0.0.0/8/1",
      "x/8",
      "10.0.0.0/-1",
      "10.0.0.0/ 8",
    ])
      assert.equal(parseCidr(text), undefined, text);
    assert.throws(
      () => cidr("10.0.0.0/33", "prober.allow_ranges"),
      /prober\.allow_ranges: "10\.0\.0\.0\/33" is not a CIDR/,
    );
  });
  it("matches lengths that are not a multiple of 8, and never across families", () => {
    const set = new PrefixSet(["2001:db8:5ca0::/44", "198.18.0.0/15", "0.0.0.0/0"]);
    assert.equal(set.has("2001:db8:5caf:ffff::1"), true);
    assert.equal(set.has("2001:db8:5cb0::1"), false);
    assert.equal(set.has("198.19.255.1"), true);
    assert.equal(set.has("198.20.0.0"), true, "0.0.0.0/0 takes every IPv4 address");
    assert.equal(new PrefixSet(["198.18.0.0/15"]).has("198.20.0.0"), false);
    assert.equal(new PrefixSet(["::/0"]).has("192.0.2.1"), false, "an IPv6 prefix never takes IPv4");
    assert.equal(inCidr(parseIp("::ffff:192.0.2.1")!, cidr("192.0.2.0/24")), false);
  });
  it("answers with the most specific prefix", () => {
    const map = new PrefixMap([
      ["2001::/23", "a"],
      ["2001:2::/48", "b"],
      ["2001::/32", "c"],
    ]);
    assert.equal(map.lookup("2001:2::1"), "b");
    assert.equal(map.lookup("2001:0:1::1"), "c");
    assert.equal(map.lookup("2001:5::1"), "a");
    assert.equal(map.lookup("2001:200::1"), undefined);
  });
  it("says whether a whole prefix lies inside the set", () => {
    const set = new PrefixSet(["2001:db8::/32", "127.0.0.0/8"]);
    assert.equal(set.covers("2001:db8:1::/48"), true);
    assert.equal(set.covers("2001:db8::/31"), false);
    assert.equal(set.covers("127.0.0.1/32"), true);
    assert.equal(set.covers("10.0.0.0/8"), false);
  });
});

describe("reverse names", () => {
  it("in-addr.arpa and ip6.arpa nibbles, as RFC 1035 3.5 and RFC 3596 2.5 write them", () => {
    assert.equal(reverseName("192.0.2.1"), "1.2.0.192.in-addr.arpa");
    assert.equal(
      reverseName("2001:db8::567:89ab"),
      "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
    );
    assert.equal(reverseName("fe80::1%eth0")?.slice(0, 8), "1.0.0.0.");
    assert.equal(reverseName("example.com"), undefined);
  });
});
