// The dns6 verdict and reply classification as pure functions: which cut breaks the chain and why,
// the min-servers rule for the domain's own zone, parent/child agreement, referrals and lameness.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DecodedPacket } from "dns-packet";
import { classifyReply, nextLabel } from "./response.js";
import { type CutCheck, cutReason, dns6Verdict, type NameCheck, parentChildAgree } from "./verdict.js";

const name = (n: string, status: NameCheck["status"], inBailiwick = false): NameCheck => ({
  name: n,
  inBailiwick,
  addresses: status === "no_address" ? [] : ["2001:db8::1"],
  status,
});
const cut = (zone: string, names: NameCheck[], extra: Partial<CutCheck> = {}): CutCheck => ({
  zone,
  names,
  servers: names.filter((n) => n.status === "answers").length,
  parentNs: names.map((n) => n.name),
  parentAaaa: {},
  childNs: names.map((n) => n.name),
  ...extra,
});
const root = cut(".", [name("2001:db8:53::1", "answers")]);
const tld = cut("example", [name("a.nic.example", "answers", true)]);

describe("dns6 verdict", () => {
  it("is ready with two IPv6-answering servers at the domain's zone and one at every cut above", () => {
    const verdict = dns6Verdict(
      "d.example",
      [root, tld, cut("d.example", [name("ns1.d.example", "answers", true), name("ns.p.net", "answers")])],
      { kind: "reached" },
      2,
    );
    assert.deepEqual(verdict, {
      ready: true,
      reason: "",
      brokenZone: "",
      minServers: 1,
      zoneServers: 2,
      cuts: [".", "example", "d.example"],
      cutServers: [1, 1, 2],
      parentChildAgree: true,
    });
  });

  it("needs min_ipv6_nameservers at the domain's zone only", () => {
    const one = cut("d.example", [name("ns1.p.net", "answers"), name("ns2.p.net", "no_address")]);
    const verdict = dns6Verdict("d.example", [root, tld, one], { kind: "reached" }, 2);
    assert.deepEqual(
      [verdict.reason, verdict.brokenZone, verdict.zoneServers],
      ["one_ipv6_nameserver", "d.example", 1],
    );
    assert.equal(dns6Verdict("d.example", [root, tld, one], { kind: "reached" }, 1).ready, true);
  });

  it("names the first broken cut from the top, and the best its names got", () => {
    const brokenTld = cut("example", [name("a.nic.example", "silent", true)]);
    const verdict = dns6Verdict("d.example", [root, brokenTld], { kind: "reached" }, 2);
    assert.deepEqual(
      [verdict.reason, verdict.brokenZone, verdict.minServers, verdict.zoneServers],
      ["ns_silent_v6", "example", 0, 0],
    );
    const reason = (...names: NameCheck[]) => cutReason(cut("z", names));
    assert.equal(reason(name("a", "silent"), name("b", "lame")), "lame_v6");
    assert.equal(reason(name("a", "ipv4_mapped"), name("b", "silent")), "ns_silent_v6");
    assert.equal(reason(name("a", "ipv4_mapped"), name("b", "no_address")), "ipv4_mapped");
    assert.equal(reason(name("a", "no_address", true), name("b", "no_address")), "no_aaaa_glue");
    assert.equal(reason(name("a", "no_address")), "ns_without_aaaa");
  });

  it("says no_domain when the walk found no zone, with min_servers 0", () => {
    const verdict = dns6Verdict("gone.example", [root, tld], { kind: "no_domain" }, 2);
    assert.deepEqual(
      [verdict.ready, verdict.reason, verdict.brokenZone, verdict.minServers, verdict.cutServers],
      [false, "no_domain", "gone.example", 0, [1, 1]],
    );
  });

  it("agrees when the child's NS set and in-bailiwick AAAA equal the referral's", () => {
    const base = cut("d.example", [name("ns1.d.example", "answers", true), name("ns.p.net", "answers")], {
      parentAaaa: { "ns1.d.example": ["2001:db8::5"] },
      childAaaa: { "ns1.d.example": ["2001:db8::5"] },
    });
    assert.equal(parentChildAgree(base), true);
    assert.equal(parentChildAgree({ ...base, childNs: ["ns1.d.example"] }), false);
    assert.equal(parentChildAgree({ ...base, childAaaa: { "ns1.d.example": ["2001:db8::6"] } }), false);
    const { childNs: _, ...unanswered } = base;
    assert.equal(parentChildAgree(unanswered), false);
  });
});

describe("replies of authoritative servers", () => {
  const packet = (fields: Partial<DecodedPacket> & { flags?: number }): DecodedPacket =>
    ({
      type: "response",
      flags: 0,
      questions: [],
      answers: [],
      authorities: [],
      additionals: [],
      ...fields,
    }) as DecodedPacket;

  it("takes a referral to a zone below that holds the name, with its AAAA glue", () => {
    const reply = classifyReply(
      packet({
        authorities: [
          { type: "NS", name: "d.example", data: "ns1.d.example" },
          { type: "NS", name: "d.example", data: "ns.p.net" },
        ],
        additionals: [{ type: "AAAA", name: "ns1.d.example", data: "2001:db8::5" }],
      }),
      "example",
      "d.example",
    );
    assert.deepEqual(reply, {
      kind: "referral",
      zone: "d.example",
      ns: ["ns.p.net", "ns1.d.example"],
      aaaa: { "ns1.d.example": ["2001:db8::5"] },
    });
  });

  it("calls an upward referral, REFUSED and a non-authoritative answer lame", () => {
    const up = packet({ authorities: [{ type: "NS", name: ".", data: "a.root" }] });
    assert.equal(classifyReply(up, "d.example", "d.example").kind, "lame");
    assert.equal(classifyReply(packet({ flags: 5 }), "d.example", "d.example").kind, "lame");
    assert.equal(classifyReply(packet({ flags: 0x0400 | 5 }), "d.example", "d.example").kind, "lame");
    assert.equal(
      classifyReply(packet({ flags: 0x0400 | 3, flag_aa: true }), "example", "x.example").kind,
      "nxdomain",
    );
  });

  it("walks one label at a time", () => {
    assert.equal(nextLabel(".", "www.d.example"), "example");
    assert.equal(nextLabel("example", "www.d.example"), "d.example");
    assert.equal(nextLabel("d.example", "www.d.example"), "www.d.example");
  });
});
