import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Reader } from "mmdb-lib";
import { projectRoot } from "../runtime/config.js";
import { parseAddress, TreeWalker } from "./mmdb-tree.js";

const bytesOf = (text: string) => {
  const out = new Uint8Array(16);
  const length = parseAddress(text, out);
  return length === 0 ? null : [...out.subarray(0, length)];
};

describe("parseAddress", () => {
  it("parses IPv4", () => {
    assert.deepEqual(bytesOf("203.0.113.25"), [203, 0, 113, 25]);
    assert.deepEqual(bytesOf("0.0.0.0"), [0, 0, 0, 0]);
    assert.deepEqual(bytesOf("255.255.255.255"), [255, 255, 255, 255]);
  });

  it("parses IPv6 in every compression", () => {
    const v6 = (...groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);
    assert.deepEqual(bytesOf("2001:db8:a::26"), v6(0x2001, 0xdb8, 0xa, 0, 0, 0, 0, 0x26));
    assert.deepEqual(
      bytesOf("2001:0DB8:0000:0000:0000:0000:0000:0026"),
      v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x26),
    );
    assert.deepEqual(bytesOf("::"), v6(0, 0, 0, 0, 0, 0, 0, 0));
    assert.deepEqual(bytesOf("::1"), v6(0, 0, 0, 0, 0, 0, 0, 1));
    assert.deepEqual(bytesOf("fe80::"), v6(0xfe80, 0, 0, 0, 0, 0, 0, 0));
    assert.deepEqual(bytesOf("1:2:3:4:5:6:7::"), v6(1, 2, 3, 4, 5, 6, 7, 0));
    assert.deepEqual(bytesOf("2001:0:c633:6401::66"), v6(0x2001, 0, 0xc633, 0x6401, 0, 0, 0, 0x66));
    assert.deepEqual(bytesOf("64:ff9b::192.0.2.33"), v6(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221));
  });

  it("gives an IPv4-mapped IPv6 address as its IPv4 address", () => {
    assert.deepEqual(bytesOf("::ffff:203.0.113.25"), [203, 0, 113, 25]);
    assert.deepEqual(bytesOf("::ffff:cb00:7119"), [203, 0, 113, 25]);
  });

  it("refuses what is not an address", () => {
    for (const text of [
      "",
      "www.example.com",
      "203.0.113",
      "203.0.113.256",
      "203.0.113.025",
      "203.0.113.25.1",
      "1.2.3.4 ",
      ":",
      ":::",
      ":1::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7:8::",
      "12345::",
      "g::1",
      "1:2:3:4:5:6:7:",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7:1.2.3.4",
    ])
      assert.equal(bytesOf(text), null, text);
  });

  it("accepts exactly what net.isIP accepts, zone ids aside", () => {
    const pieces = ["", ":", "::", "0", "1", "ff", "FFFF", "10000", "1.2.3.4", ".", "a", "00"];
    let checked = 0;
    for (const a of pieces)
      for (const b of pieces)
        for (const c of pieces)
          for (const d of pieces) {
            const text = `${a}${b}${c}${d}`;
            assert.equal(parseAddress(text, new Uint8Array(16)) !== 0, isIP(text) !== 0, text);
            checked++;
          }
    assert.ok(checked > 20_000);
  });
});

describe("TreeWalker", () => {
  it("finds what mmdb-lib finds, in every test database (record sizes 24, 28 and 32)", () => {
    const dir = join(projectRoot, "test/geo/db");
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mmdb"));
    const sizes = new Set<number>();
    for (const name of files) {
      const data = readFileSync(join(dir, name));
      const reader = new Reader<Record<string, unknown>>(data);
      sizes.add(reader.metadata.recordSize);
      const walker = new TreeWalker(data, reader.metadata);
      const addresses = Array.from({ length: 256 }, (_, i) => `203.0.113.${i}`);
      if (reader.metadata.ipVersion === 6)
        for (let i = 0; i < 256; i++)
          addresses.push(
            `2001:db8:${["53", "a", "b"][i % 3]}::${i.toString(16)}`,
            `2001:db8:a:100::${i.toString(16)}`,
            `2002:cb00:7137::${i.toString(16)}`,
          );
      const bytes = new Uint8Array(16);
      let found = 0;
      for (const ip of addresses) {
        const length = parseAddress(ip, bytes) as 4 | 16;
        const pointer = walker.find(bytes, length);
        const ours = pointer === 0 ? null : reader["resolveDataPointer"](pointer);
        assert.deepEqual(ours, reader.get(ip), `${name} ${ip}`);
        if (ours) found++;
      }
      assert.ok(found > 0, name);
    }
    assert.deepEqual([...sizes].sort(), [24, 28, 32]);
  });
});
