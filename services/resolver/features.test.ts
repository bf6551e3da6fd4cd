import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Feature } from "../../gen/ipv6matrix/v1/common.js";
import { mxJobs, nsJobs, prefixedHosts } from "./features.js";
import { analyseSoa } from "./soa-analysis.js";

describe("features (SPEC 2)", () => {
  it("ranks NS hosts in answer order", () => {
    assert.deepEqual(nsJobs(["NS2.example.com.", "ns1.other.net", "ns2.example.com"]), [
      { type: Feature.FEATURE_NS, host: "ns2.example.com", priority: 1 },
      { type: Feature.FEATURE_NS, host: "ns1.other.net", priority: 2 },
    ]);
  });
  it("sorts MX by preference, keeps the preference, drops the null MX", () => {
    const jobs = mxJobs([
      { exchange: "b.example.com", preference: 20 },
      { exchange: "a.example.com.", preference: 10 },
      { exchange: "c.example.com", preference: 20 },
      { exchange: ".", preference: 0 },
    ]);
    assert.deepEqual(
      jobs.map((j) => [j.host, j.priority]),
      [
        ["a.example.com", 10],
        ["b.example.com", 20],
        ["c.example.com", 20],
      ],
    );
  });
  it("prefixes WWW and NTP hosts with priority 0", () => {
    assert.deepEqual(prefixedHosts(Feature.FEATURE_WWW, "example.com", ["www", "www.ipv6"]), [
      { type: Feature.FEATURE_WWW, host: "www.example.com", priority: 0 },
      { type: Feature.FEATURE_WWW, host: "www.ipv6.example.com", priority: 0 },
    ]);
  });
  it("analyses the SOA: primary by SOA and by rank, in-house, secondaries", () => {
    const soa = {
      mname: "NS0.Example.com.",
      rname: "h.example.com",
      serial: 1,
      refresh: 2,
      retry: 3,
      expire: 4,
      minimum: 5,
    };
    assert.deepEqual(analyseSoa("example.com", soa, ["ns1.example.com", "ns.other.net"]), {
      primaryBySoa: "ns0.example.com",
      primaryByRank: "ns1.example.com",
      primaryInHouse: true,
      secondary: 1,
      total: 2,
    });
    assert.equal(analyseSoa("example.com", undefined, ["ns.notexample.com"]).primaryInHouse, false);
    assert.equal(analyseSoa("example.com", undefined, []).secondary, 0);
  });
});
