import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareFetches, type PageFetch } from "./parity.js";
import { redirectStep } from "./redirect.js";

const page = (overrides: Partial<PageFetch> = {}): PageFetch => ({
  status: 200,
  finalUrl: "https://www.example.se/",
  bytes: 20,
  body: "<p>the same page</p>",
  cert: "c1",
  ttfbMs: 1,
  downloadMs: 1,
  error: "",
  offSiteLocation: "",
  ...overrides,
});

describe("compareFetches (same site)", () => {
  it("is the same site when everything matches", () => {
    assert.deepEqual(compareFetches(page(), page(), 90), { similarity: 100, differences: [], same: true });
  });

  it("names each difference, in order", () => {
    const v6 = page({ status: 404, finalUrl: "https://www.example.se/x", cert: "c2", body: "other words" });
    assert.deepEqual(compareFetches(page(), v6, 90).differences, [
      "status",
      "final_url",
      "certificate",
      "content",
    ]);
  });

  it("records a redirect off the site that only one family met", () => {
    const v6 = page({ status: 301, body: "", offSiteLocation: "https://elsewhere.se/" });
    assert.deepEqual(compareFetches(page(), v6, 90), {
      similarity: 0,
      differences: ["status", "content", "off_site_redirect"],
      same: false,
    });
    // Both sent to the same place: no difference.
    assert.deepEqual(compareFetches(v6, v6, 90).differences, []);
  });

  it("says ipv6_failed alone when IPv6 did not answer", () => {
    assert.deepEqual(compareFetches(page(), page({ status: 0, error: "connection_refused" }), 90), {
      similarity: 0,
      differences: ["ipv6_failed"],
      same: false,
    });
  });

  it("is never the same without an IPv4 answer to compare", () => {
    assert.deepEqual(compareFetches(undefined, page(), 90), { similarity: 0, differences: [], same: false });
    assert.equal(compareFetches(page({ error: "generic_timeout", status: 0 }), page(), 90).same, false);
  });

  it("is the same site when only a nonce differs", () => {
    const v4 = page({ body: '<script nonce="abc">go()</script><p>page</p>' });
    const v6 = page({ body: '<script nonce="xyz">go()</script><p>page</p>' });
    assert.equal(compareFetches(v4, v6, 90).same, true);
  });
});

describe("redirectStep (within the site)", () => {
  const from = new URL("http://www.example.se/");
  it("follows the same host over http or https, relative or absolute", () => {
    assert.deepEqual(redirectStep(from, "/home", "www.example.se"), {
      kind: "follow",
      url: new URL("http://www.example.se/home"),
    });
    assert.equal(redirectStep(from, "https://WWW.example.se./", "www.example.se").kind, "follow");
  });
  it("stops at another host, port or scheme", () => {
    for (const location of [
      "https://example.se/",
      "http://www.example.se:8080/",
      "ftp://www.example.se/",
      "//elsewhere.se/x",
    ])
      assert.equal(redirectStep(from, location, "www.example.se").kind, "off_site", location);
  });
});
