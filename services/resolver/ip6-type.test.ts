import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { projectRoot } from "../runtime/config.js";
import { classifyIpv6, loadPrefixTable, parsePrefixTable } from "./ip6-type.js";

const table = loadPrefixTable(resolve(projectRoot, "config/v6prefix.conf"));

describe("ip6Type (SPEC 3)", () => {
  it("finds tunnels from the original's table", () => {
    assert.equal(classifyIpv6("2002:c000:0201::1", table).type, "6to4");
    assert.equal(classifyIpv6("2001:0:4136:e378:8000:63bf:3fff:fdd2", table).type, "teredo");
    assert.equal(classifyIpv6("2a01:e35:1234::1", table).type, "6rd");
    assert.equal(classifyIpv6("2001:470:1f0a:12::2", table).type, "tserv6.fra1.");
  });
  it("adds the IANA special-purpose ranges", () => {
    assert.equal(classifyIpv6("64:ff9b::c000:201", table).type, "nat64");
    assert.equal(classifyIpv6("2001:db8::1", table).type, "documentation");
    assert.equal(classifyIpv6("fd12:3456::1", table).type, "ula");
    assert.equal(classifyIpv6("fe80::1", table).type, "link-local");
    assert.equal(classifyIpv6("2a00:1450:4001::200e", table).type, "native");
  });
  it("marks EUI-64 interface identifiers", () => {
    assert.equal(classifyIpv6("2001:db8::211:22ff:fe33:4455", table).eui64, true);
    assert.equal(classifyIpv6("2001:db8::1", table).eui64, false);
  });
  it("names the line of a bad table entry", () => {
    assert.throws(
      () => parsePrefixTable("# x\nU1, a, b, c, 2002::/200\n", "t.conf"),
      /t\.conf:2: 2002::\/200 is not an IPv6 prefix/,
    );
  });
});
