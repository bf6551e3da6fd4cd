import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { projectRoot } from "../runtime/config.js";
import type { DnsAnswer } from "./dns-client.js";
import { hostAddresses } from "./host-actor.js";
import { loadPrefixTable } from "./ip6-type.js";

const table = loadPrefixTable(resolve(projectRoot, "config/v6prefix.conf"));
const answer = (type: string, ...ips: string[]): DnsAnswer =>
  ({
    outcome: "OK",
    rcode: 0,
    records: ips.map((data) => ({ type, name: "www.papa.nz", data })),
    cnameChain: [],
    server: "",
    rttMs: 0,
    tcp: false,
  }) as DnsAnswer;

describe("a host's addresses (SPEC 3, issue 15 items 8 and 9)", () => {
  it("keeps every address, marks the ones no host can have, classifies IPv6", () => {
    const got = hostAddresses(
      answer("A", "127.0.0.1", "0.0.0.0", "192.0.2.9", "8.8.8.8"),
      answer(
        "AAAA",
        "::1",
        "fe80::1",
        "fd00::1",
        "2002:c000:201::200:5efe:c000:201",
        "2001:db8::5efe:c000:2a",
      ),
      ["192.0.2.0/24", "2001:db8::/32"],
      table,
    );
    assert.deepEqual(
      got.map((a) => [a.ip, a.invalid, a.ip6Type, a.prefixId, a.prefixName]),
      [
        ["127.0.0.1", true, "", "", ""],
        ["0.0.0.0", true, "", "", ""],
        ["192.0.2.9", false, "", "", ""], // documentation, but prober.allow_ranges allows it
        ["8.8.8.8", false, "", "", ""],
        ["::1", true, "loopback", "", ""],
        ["fe80::1", true, "link-local", "", ""],
        ["fd00::1", true, "ula", "", ""],
        ["2002:c000:201::200:5efe:c000:201", false, "6to4", "U0001", "6-to-4 address"],
        ["2001:db8::5efe:c000:2a", false, "isatap", "", ""],
      ],
    );
  });
  it("documentation addresses are not valid where nothing allows them", () => {
    const [v4, v6] = hostAddresses(answer("A", "192.0.2.9"), answer("AAAA", "2001:db8::1"), [], table);
    assert.equal(v4?.invalid, true);
    assert.equal(v6?.invalid, true);
  });
});
