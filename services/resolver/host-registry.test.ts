import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CrawlRegistry, HashSet64, hash64 } from "./host-registry.js";

describe("host registry", () => {
  it("keeps a set of 64-bit hashes that grows, including the zero hash", () => {
    const set = new HashSet64(16);
    assert.equal(set.add(0, 0), true);
    assert.equal(set.add(0, 0), false);
    for (let i = 1; i <= 10_000; i++) assert.equal(set.add(i * 7919, i), true);
    for (let i = 1; i <= 10_000; i++) assert.equal(set.has(i * 7919, i), true);
    assert.equal(set.has(1, 1), false);
    assert.equal(set.size, 10_001);
    // Load at most 3/4: 10,001 entries fit in 16,384 slots of 8 bytes.
    assert.equal(set.bytes, 16_384 * 8);
  });

  it("hashes with a seed: same name same hash, another seed another", () => {
    assert.deepEqual(hash64("mail.example.com", 1), hash64("mail.example.com", 1));
    assert.notDeepEqual(hash64("mail.example.com", 1), hash64("mail.example.com", 2));
    assert.notDeepEqual(hash64("ab", 1), hash64("ba", 1));
  });

  it("holds a million names in 16 MB of typed array, with no collision among them", () => {
    const registry = new CrawlRegistry();
    for (let i = 0; i < 1_000_000; i++) assert.equal(registry.claim("c1", `www${i % 7}.d${i}.com`), true);
    assert.equal(registry.claim("c1", "www5.d12.com"), false);
    assert.equal(registry.size("c1"), 1_000_000);
    assert.equal(registry.bytes, 2 ** 21 * 8);
  });

  it("keeps crawls apart and lets an idle crawl's table go", () => {
    let now = 0;
    const registry = new CrawlRegistry(3_600_000, () => now);
    registry.claim("a", "ns1.example.net");
    assert.equal(registry.has("a", "ns1.example.net"), true);
    assert.equal(registry.has("b", "ns1.example.net"), false);
    now = 1.5 * 3_600_000;
    assert.equal(registry.claim("b", "ns1.example.net"), true);
    now = 2.1 * 3_600_000;
    registry.claim("b", "x.example");
    assert.equal(registry.size("a"), 0);
    assert.equal(registry.size("b"), 2);
  });
});
