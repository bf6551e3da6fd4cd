import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PrefixSet } from "./address.js";
import {
  forbiddenReason,
  isForbiddenDestination,
  isValidHostAddress,
  specialPurpose,
  specialRanges,
} from "./special-purpose.js";

// The registries' tables, typed by hand from iana.org as of 2026 (iana-ipv4-special-registry and
// iana-ipv6-special-registry), one row per entry: block | name | RFC | Source | Destination |
// Forwardable | Globally Reachable | Reserved-by-Protocol | an address whose most specific entry
// is this one | an address just outside the block (or "-").
const ipv4Registry = `
0.0.0.0/8          | "This network"                            | RFC 791, Section 3.2            | True  | False | False | False | True  | 0.1.2.3        | 1.0.0.0
0.0.0.0/32         | "This host on this network"               | RFC 1122, Section 3.2.1.3       | True  | False | False | False | True  | 0.0.0.0        | -
10.0.0.0/8         | Private-Use                               | RFC 1918                        | True  | True  | True  | False | False | 10.255.255.255 | 11.0.0.0
100.64.0.0/10      | Shared Address Space                      | RFC 6598                        | True  | True  | True  | False | False | 100.127.0.1    | 100.128.0.0
127.0.0.0/8        | Loopback                                  | RFC 1122, Section 3.2.1.3       | False | False | False | False | True  | 127.0.0.1      | 128.0.0.0
169.254.0.0/16     | Link Local                                | RFC 3927                        | True  | True  | False | False | True  | 169.254.1.1    | 169.255.0.0
172.16.0.0/12      | Private-Use                               | RFC 1918                        | True  | True  | True  | False | False | 172.31.255.1   | 172.32.0.0
192.0.0.0/24       | IETF Protocol Assignments                 | RFC 6890, Section 2.1           | False | False | False | False | False | 192.0.0.100    | 192.0.1.0
192.0.0.0/29       | IPv4 Service Continuity Prefix            | RFC 7335                        | True  | True  | True  | False | False | 192.0.0.7      | -
192.0.0.8/32       | IPv4 dummy address                        | RFC 7600                        | True  | False | False | False | False | 192.0.0.8      | -
192.0.0.9/32       | Port Control Protocol Anycast             | RFC 7723                        | True  | True  | True  | True  | False | 192.0.0.9      | -
192.0.0.10/32      | Traversal Using Relays around NAT Anycast | RFC 8155                        | True  | True  | True  | True  | False | 192.0.0.10     | -
192.0.0.170/32     | NAT64/DNS64 Discovery                     | RFC 8880; RFC 7050, Section 2.2 | False | False | False | False | True  | 192.0.0.170    | -
192.0.0.171/32     | NAT64/DNS64 Discovery                     | RFC 8880; RFC 7050, Section 2.2 | False | False | False | False | True  | 192.0.0.171    | -
192.0.2.0/24       | Documentation (TEST-NET-1)                | RFC 5737                        | False | False | False | False | False | 192.0.2.1      | 192.0.3.0
192.31.196.0/24    | AS112-v4                                  | RFC 7535                        | True  | True  | True  | True  | False | 192.31.196.1   | 192.31.197.0
192.52.193.0/24    | AMT                                       | RFC 7450                        | True  | True  | True  | True  | False | 192.52.193.1   | 192.52.192.255
192.88.99.0/24     | Deprecated (6to4 Relay Anycast)           | RFC 7526                        | N/A   | N/A   | N/A   | N/A   | N/A   | 192.88.99.1    | 192.88.100.0
192.88.99.2/32     | 6a44-relay anycast address                | RFC 6751                        | True  | True  | True  | False | False | 192.88.99.2    | -
192.168.0.0/16     | Private-Use                               | RFC 1918                        | True  | True  | True  | False | False | 192.168.1.1    | 192.169.0.0
192.175.48.0/24    | Direct Delegation AS112 Service           | RFC 7534                        | True  | True  | True  | True  | False | 192.175.48.6   | 192.175.49.0
198.18.0.0/15      | Benchmarking                              | RFC 2544                        | True  | True  | True  | False | False | 198.19.255.1   | 198.20.0.0
198.51.100.0/24    | Documentation (TEST-NET-2)                | RFC 5737                        | False | False | False | False | False | 198.51.100.7   | 198.51.101.0
203.0.113.0/24     | Documentation (TEST-NET-3)                | RFC 5737                        | False | False | False | False | False | 203.0.113.9    | 203.0.112.255
240.0.0.0/4        | Reserved                                  | RFC 1112, Section 4             | False | False | False | False | True  | 240.0.0.1      | 239.255.255.255
255.255.255.255/32 | Limited Broadcast                         | RFC 8190; RFC 919, Section 7    | False | True  | False | False | True  | 255.255.255.255 | -
`;

const ipv6Registry = `
::1/128           | Loopback Address                                   | RFC 4291                  | False | False | False | False | True  | ::1                  | ::2
::/128            | Unspecified Address                                | RFC 4291                  | True  | False | False | False | True  | ::                   | -
::ffff:0:0/96     | IPv4-mapped Address                                | RFC 4291                  | False | False | False | False | True  | ::ffff:127.0.0.1     | ::fffe:0:0
64:ff9b::/96      | IPv4-IPv6 Translat.                                | RFC 6052                  | True  | True  | True  | True  | False | 64:ff9b::c000:201    | 64:ff9b:0:0:0:1::
64:ff9b:1::/48    | IPv4-IPv6 Translat.                                | RFC 8215                  | True  | True  | True  | False | False | 64:ff9b:1:ffff::1    | 64:ff9b:2::
100::/64          | Discard-Only Address Block                         | RFC 6666                  | True  | True  | True  | False | False | 100::ffff            | 100:0:0:2::
100:0:0:1::/64    | Dummy IPv6 Prefix                                  | RFC 9780                  | True  | False | False | False | False | 100:0:0:1::1         | -
2001::/23         | IETF Protocol Assignments                          | RFC 2928                  | False | False | False | False | False | 2001:5::1            | 2001:200::1
2001::/32         | TEREDO                                             | RFC 4380; RFC 8190        | True  | True  | True  | N/A   | False | 2001:0:4136:e378::1  | -
2001:1::1/128     | Port Control Protocol Anycast                      | RFC 7723                  | True  | True  | True  | True  | False | 2001:1::1            | -
2001:1::2/128     | Traversal Using Relays around NAT Anycast          | RFC 8155                  | True  | True  | True  | True  | False | 2001:1::2            | -
2001:1::3/128     | DNS-SD Service Registration Protocol Anycast       | RFC 9665                  | True  | True  | True  | True  | False | 2001:1::3            | -
2001:2::/48       | Benchmarking                                       | RFC 5180; RFC Errata 1752 | True  | True  | True  | False | False | 2001:2::1            | -
2001:3::/32       | AMT                                                | RFC 7450                  | True  | True  | True  | True  | False | 2001:3:ff::1         | -
2001:4:112::/48   | AS112-v6                                           | RFC 7535                  | True  | True  | True  | True  | False | 2001:4:112::1        | -
2001:10::/28      | Deprecated (previously ORCHID)                     | RFC 4843                  | N/A   | N/A   | N/A   | N/A   | N/A   | 2001:1f::1           | -
2001:20::/28      | ORCHIDv2                                           | RFC 7343                  | True  | True  | True  | True  | False | 2001:2f::1           | -
2001:30::/28      | Drone Remote ID Protocol Entity Tags (DETs) Prefix | RFC 9374                  | True  | True  | True  | True  | False | 2001:30::1           | -
2001:db8::/32     | Documentation                                      | RFC 3849                  | False | False | False | False | False | 2001:db8:ffff::1     | 2001:db9::1
2002::/16         | 6to4                                               | RFC 3056                  | True  | True  | True  | N/A   | False | 2002:c000:201::1     | 2003::1
2620:4f:8000::/48 | Direct Delegation AS112 Service                    | RFC 7534                  | True  | True  | True  | True  | False | 2620:4f:8000::42     | 2620:4f:8001::1
3fff::/20         | Documentation                                      | RFC 9637                  | False | False | False | False | False | 3fff:fff::1          | 3fff:1000::1
5f00::/16         | Segment Routing (SRv6) SIDs                        | RFC 9602                  | True  | True  | True  | False | False | 5f00:1::1            | 5f01::1
fc00::/7          | Unique-Local                                       | RFC 4193; RFC 8190        | True  | True  | True  | False | False | fd00::1              | fe00::1
fe80::/10         | Link-Local Unicast                                 | RFC 4291                  | True  | True  | False | False | True  | fe80::1              | fec0::1
`;

function rows(table: string) {
  return table
    .trim()
    .split("\n")
    .map((line) => {
      const [prefix, name, rfc, s, d, f, g, r, inside, outside] = line
        .split("|")
        .map((cell) => cell.trim()) as string[];
      const flag = (c: string | undefined) => (c === "True" ? true : c === "False" ? false : "n/a");
      return {
        entry: {
          prefix: prefix!,
          name: name!,
          rfc: rfc!,
          source: flag(s),
          destination: flag(d),
          forwardable: flag(f),
          globallyReachable: flag(g),
          reservedByProtocol: flag(r),
        },
        inside: inside!,
        outside: outside!,
      };
    });
}

const registries = [
  { registry: "ipv4-special", rows: rows(ipv4Registry) },
  { registry: "ipv6-special", rows: rows(ipv6Registry) },
];

describe("IANA special-purpose registries", () => {
  for (const { registry, rows: table } of registries) {
    it(`${registry}: every entry of the registry, and nothing else`, () => {
      const held = specialRanges
        .filter((range) => range.registry === registry)
        .map(({ kind: _kind, registry: _registry, ...entry }) => entry);
      assert.deepEqual(
        held,
        table.map((row) => row.entry),
      );
    });
    for (const { entry, inside, outside } of table) {
      it(`${registry} ${entry.prefix} (${entry.name}): most specific match, and its edge`, () => {
        assert.equal(specialPurpose(inside)?.prefix, entry.prefix, inside);
        if (outside !== "-") assert.notEqual(specialPurpose(outside)?.prefix, entry.prefix, outside);
      });
    }
  }

  it("more specific entries win over the block that holds them", () => {
    assert.equal(
      specialPurpose("2001:2::1")?.kind,
      "benchmarking",
      "not ietf-protocol (the old ip6Type's answer)",
    );
    assert.equal(specialPurpose("2001:0:c633:6401::66")?.kind, "teredo");
    assert.equal(specialPurpose("192.0.0.9")?.kind, "pcp-anycast");
    assert.equal(specialPurpose("0.0.0.0")?.name, '"This host on this network"');
    assert.equal(specialPurpose("192.88.99.2")?.kind, "6a44-relay");
  });

  it("the address-space additions: multicast and site-local", () => {
    assert.equal(specialPurpose("224.0.0.1")?.kind, "multicast");
    assert.equal(specialPurpose("239.255.255.250")?.kind, "multicast");
    assert.equal(specialPurpose("ff02::1")?.kind, "multicast");
    assert.equal(specialPurpose("fec0::1")?.kind, "site-local");
  });

  it("global addresses are in no entry; garbage neither", () => {
    for (const ip of [
      "8.8.8.8",
      "172.32.0.1",
      "2a00:1450:4001::1",
      "2001:200::1",
      "not-an-ip",
      "",
      "fe80::1%eth0",
    ])
      assert.equal(specialPurpose(ip), undefined, ip);
  });
});

describe("valid host addresses and forbidden destinations (decision 010)", () => {
  const none = new PrefixSet([]);
  it("loopback, private, link-local, ULA, unspecified, mapped, documentation are forbidden", () => {
    for (const ip of [
      "127.0.0.1",
      "0.0.0.0",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "100.64.0.1",
      "169.254.169.254",
      "255.255.255.255",
      "224.0.0.1",
      "192.0.2.1",
      "198.18.0.1",
      "::1",
      "::",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "fe80::1",
      "fd00::1",
      "fc00::1",
      "ff02::1",
      "2001:db8::1",
      "2001:2::1",
      "2001:10::1",
      "64:ff9b:1::1",
      "100::1",
    ])
      assert.equal(isForbiddenDestination(ip, none), true, ip);
  });
  it("global unicast, 6to4, Teredo, NAT64, anycast services are valid", () => {
    for (const ip of [
      "8.8.8.8",
      "2a00:1450:4001::200e",
      "2002:808:808::1",
      "2001:0:4136:e378::1",
      "64:ff9b::808:808",
      "192.0.0.9",
      "2001:1::1",
    ])
      assert.equal(isValidHostAddress(ip, none), true, ip);
  });
  it("prober.allow_ranges makes a range valid, and only that range", () => {
    const allow = ["192.0.2.0/24", "2001:db8::/32"];
    assert.equal(isValidHostAddress("192.0.2.5", allow), true);
    assert.equal(isValidHostAddress("2001:db8:a::1", allow), true);
    assert.equal(isValidHostAddress("198.51.100.1", allow), false);
    assert.equal(isValidHostAddress("::1", allow), false);
    assert.match(
      forbiddenReason("10.0.0.1", allow) ?? "",
      /10\.0\.0\.0\/8 \(private: Private-Use, RFC 1918\).*prober\.allow_ranges/,
    );
  });
  it("NAT64 and 6to4 addresses are judged by the IPv4 address they carry (RFC 6052 3.1, RFC 3056 2)", () => {
    for (const ip of [
      "64:ff9b::7f00:1",
      "64:ff9b::10.0.0.1",
      "64:ff9b::c000:201",
      "2002:a00:1::1",
      "2002:7f00:1::1",
      "2002:c000:201::1",
    ])
      assert.equal(isForbiddenDestination(ip, none), true, ip);
    assert.match(
      forbiddenReason("64:ff9b::7f00:1", none) ?? "",
      /nat64 address carrying 127\.0\.0\.1, which is forbidden: special-purpose range 127\.0\.0\.0\/8/,
    );
    assert.equal(
      isValidHostAddress("2002:c000:201::1", ["192.0.2.0/24"]),
      true,
      "the carried address is allowed",
    );
    assert.equal(
      isValidHostAddress("2002:a00:1::1", ["2002::/16"]),
      true,
      "the 6to4 address itself is allowed",
    );
    assert.equal(isValidHostAddress("2002:cb00:7137::1", ["2002::/16"]), true);
  });
  it("text that is not an address is forbidden and says so", () => {
    assert.match(forbiddenReason("not-an-ip", []) ?? "", /not an IP address/);
    assert.match(forbiddenReason("", []) ?? "", /not an IP address/);
  });
});
