import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { projectRoot } from "../runtime/config.js";
import { classifyIpv6, loadPrefixTable, parsePrefixTable } from "./ip6-type.js";

const table = loadPrefixTable(resolve(projectRoot, "config/v6prefix.conf"));

describe("ip6Type (SPEC 3)", () => {
  it("finds tunnels from the original's table, with the entry's id and name", () => {
    assert.deepEqual(classifyIpv6("2002:c000:0201::1", table), {
      type: "6to4",
      eui64: false,
      prefixId: "U0001",
      prefixName: "6-to-4 address",
    });
    assert.deepEqual(classifyIpv6("2001:0:4136:e378:8000:63bf:3fff:fdd2", table), {
      type: "teredo",
      eui64: false,
      prefixId: "U3000",
      prefixName: "Teredo Tunnel",
    });
    const free = classifyIpv6("2a01:e35:1234::1", table);
    assert.equal(free.type, "6rd");
    assert.equal(free.prefixId, "U2001", "the /28 entry, the /32 does not hold it");
    assert.equal(free.prefixName, "Free - subscriber batch 2 - http://www.free.fr");
    assert.equal(
      classifyIpv6("2a01:e30::1", table).prefixId,
      "U2000",
      "both hold it: the /32 is the more specific",
    );
    assert.equal(classifyIpv6("2001:470:1f0a:12::2", table).type, "tserv6.fra1.");
  });
  it("marks ISATAP interface identifiers, private (0:5efe) and global (200:5efe)", () => {
    assert.equal(classifyIpv6("2a00:1450:4001:1::5efe:c000:201", table).type, "isatap");
    assert.equal(classifyIpv6("2a00:1450:4001:1:0:5efe:10.0.0.1", table).type, "isatap");
    assert.equal(classifyIpv6("2a00:1450:4001:1:200:5efe:c000:201", table).type, "isatap");
    assert.equal(
      classifyIpv6("2001:db8:1::5efe:c000:201", table).type,
      "isatap",
      "ISATAP before documentation",
    );
    assert.equal(classifyIpv6("fe80::200:5efe:c000:201", table).type, "isatap");
    assert.equal(
      classifyIpv6("2a00:1450:4001:1:100:5efe:c000:201", table).type,
      "native",
      "no other u/g bits",
    );
    assert.equal(classifyIpv6("2a00:1450:4001:1:0:5eff:c000:201", table).type, "native");
    const tunnelled = classifyIpv6("2002:c000:201:1:200:5efe:c000:201", table);
    assert.equal(tunnelled.type, "6to4", "a table entry names the tunnel first");
    assert.equal(tunnelled.prefixId, "U0001");
  });
  it("adds the IANA special-purpose registries, the most specific entry first", () => {
    assert.equal(classifyIpv6("64:ff9b::c000:201", table).type, "nat64");
    assert.equal(classifyIpv6("2001:db8::1", table).type, "documentation");
    assert.equal(classifyIpv6("2001:2::1", table).type, "benchmarking", "2001:2::/48, not 2001::/23");
    assert.equal(classifyIpv6("fd12:3456::1", table).type, "ula");
    assert.equal(classifyIpv6("fe80::1", table).type, "link-local");
    assert.equal(classifyIpv6("::1", table).type, "loopback");
    assert.deepEqual(classifyIpv6("2a00:1450:4001::200e", table), {
      type: "native",
      eui64: false,
      prefixId: "",
      prefixName: "",
    });
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
    assert.throws(
      () => parsePrefixTable("U1, a, b, c, 10.0.0.0/8\n", "t.conf"),
      /t\.conf:1: 10\.0\.0\.0\/8 is not an IPv6 prefix/,
    );
  });
  it("keeps the commas of a name", () => {
    const one = parsePrefixTable("UA000, tb, Some, Broker, Inc, de, 2001:db8:a::/48\n");
    assert.equal(classifyIpv6("2001:db8:a::1", one).prefixName, "Some, Broker, Inc");
  });
});
