import assert from "node:assert/strict";
import { test } from "node:test";
import { AllowedRanges, notProbedReason, specialRangeOf } from "./special-ranges.js";

test("special-purpose addresses of both families", () => {
  const cases: [string, string | undefined][] = [
    ["10.1.2.3", "private"],
    ["172.31.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["127.0.0.1", "loopback"],
    ["169.254.1.1", "link-local"],
    ["224.0.0.1", "multicast"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["198.19.255.1", "documentation"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["0.1.2.3", "reserved"],
    ["::1", "loopback"],
    ["::", "reserved"],
    ["::ffff:10.0.0.1", "reserved"],
    ["fe80::1", "link-local"],
    ["fd00::1", "private"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["100::1", "reserved"],
    // Globally routed: probed.
    ["8.8.8.8", undefined],
    ["172.32.0.1", undefined],
    ["2a00:1450:4001::1", undefined],
    ["2002:cb00:7137::1", undefined],
    ["2001:0:c633:6401::66", undefined],
  ];
  for (const [ip, kind] of cases) assert.equal(specialRangeOf(ip)?.kind, kind, ip);
});

test("prober.allow_ranges lets a special range be probed, and only that range", () => {
  const allowed = new AllowedRanges(["192.0.2.0/24", "2001:db8::/32"]);
  assert.equal(notProbedReason("192.0.2.5", allowed), undefined);
  assert.equal(notProbedReason("2001:db8:a::1", allowed), undefined);
  assert.match(notProbedReason("198.51.100.1", allowed) ?? "", /198\.51\.100\.0\/24 \(documentation/);
  assert.match(notProbedReason("10.0.0.1", allowed) ?? "", /private, RFC 1918.*prober\.allow_ranges/);
});

test("garbage is not probed and says so", () => {
  assert.match(notProbedReason("not-an-ip", new AllowedRanges([])) ?? "", /not an IP address/);
  assert.match(notProbedReason("", new AllowedRanges([])) ?? "", /not an IP address/);
});

test("prefix lengths that are not a multiple of 8", () => {
  const allowed = new AllowedRanges(["2001:db8:5ca0::/44", "198.18.0.0/15", "0.0.0.0/0"]);
  assert.equal(allowed.allows("2001:db8:5caf:ffff::1"), true);
  assert.equal(allowed.allows("2001:db8:5cb0::1"), false);
  assert.equal(allowed.allows("198.19.255.1"), true);
  assert.equal(allowed.allows("198.20.0.0"), true, "0.0.0.0/0 takes every IPv4 address");
  assert.equal(new AllowedRanges(["198.18.0.0/15"]).allows("198.20.0.0"), false);
  assert.equal(new AllowedRanges(["::/0"]).allows("192.0.2.1"), false, "an IPv6 prefix never takes IPv4");
});
