import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalIp } from "../runtime/address.js";
import { echoRequest, internetChecksum, ipv6Text, parseIcmp4, parseIcmp6 } from "./icmp-packet.js";

/** An IPv4 packet from `from` to 192.0.2.2 carrying `icmp` (its checksum filled in). */
function ipv4(from: string, icmp: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + icmp.length, 2);
  header[8] = 64;
  header[9] = 1;
  Buffer.from(from.split(".").map(Number)).copy(header, 12);
  Buffer.from([192, 0, 2, 2]).copy(header, 16);
  icmp.writeUInt16BE(0, 2);
  icmp.writeUInt16BE(internetChecksum(icmp, 0, icmp.length), 2);
  return Buffer.concat([header, icmp]);
}

/** The IPv4 header our echo request went out with, to `to`. */
function sentHeader(to: string, protocol = 1): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header[9] = protocol;
  Buffer.from([192, 0, 2, 2]).copy(header, 12);
  Buffer.from(to.split(".").map(Number)).copy(header, 16);
  return header;
}

function icmpError(type: number, code: number, quoted: Buffer, mtu = 0): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head[1] = code;
  head.writeUInt16BE(mtu, 6);
  return Buffer.concat([head, quoted]);
}

test("echo request: type, identifier, sequence, size and a valid checksum", () => {
  const packet = echoRequest(4, 0xbeef, 7, 1400);
  assert.equal(packet.length, 1380);
  assert.equal(packet[0], 8);
  assert.equal(packet.readUInt16BE(4), 0xbeef);
  assert.equal(packet.readUInt16BE(6), 7);
  assert.equal(internetChecksum(packet, 0, packet.length), 0);
  const v6 = echoRequest(6, 1, 2, 1280);
  assert.equal(v6.length, 1240);
  assert.equal(v6[0], 128);
  assert.equal(echoRequest(4, 1, 1).length, 16);
});

test("IPv4 echo reply", () => {
  const reply = echoRequest(4, 0x1234, 99);
  reply[0] = 0;
  assert.deepEqual(parseIcmp4(ipv4("203.0.113.25", reply)), {
    kind: "echo-reply",
    from: "203.0.113.25",
    id: 0x1234,
    seq: 99,
  });
});

test("IPv4 time exceeded and fragmentation needed quote our echo request", () => {
  const quoted = Buffer.concat([sentHeader("203.0.113.130"), echoRequest(4, 42, 3).subarray(0, 8)]);
  assert.deepEqual(parseIcmp4(ipv4("192.0.2.1", icmpError(11, 0, quoted))), {
    kind: "error",
    error: "time-exceeded",
    code: 0,
    from: "192.0.2.1",
    mtu: 0,
    quoted: { destination: "203.0.113.130", id: 42, seq: 3 },
  });
  const frag = parseIcmp4(ipv4("192.0.2.1", icmpError(3, 4, quoted, 1400)));
  assert.equal(frag.kind === "error" && frag.error, "too-big");
  assert.equal(frag.kind === "error" && frag.mtu, 1400);
  const unreachable = parseIcmp4(ipv4("192.0.2.1", icmpError(3, 1, quoted)));
  assert.equal(unreachable.kind === "error" && unreachable.error, "unreachable");
});

test("IPv4 errors about packets that are not our echo requests are ignored", () => {
  const udp = Buffer.concat([sentHeader("203.0.113.5", 17), Buffer.alloc(8)]);
  assert.deepEqual(parseIcmp4(ipv4("192.0.2.1", icmpError(11, 0, udp))), {
    kind: "ignored",
    reason: "quotes-other-packet",
  });
  const reply = Buffer.concat([sentHeader("203.0.113.5"), Buffer.from([0, 0, 0, 0, 0, 1, 0, 1])]);
  assert.deepEqual(parseIcmp4(ipv4("192.0.2.1", icmpError(11, 0, reply))), {
    kind: "ignored",
    reason: "quotes-other-packet",
  });
  const request = echoRequest(4, 1, 1);
  assert.deepEqual(parseIcmp4(ipv4("192.0.2.1", request)), { kind: "ignored", reason: "other-type" });
});

test("IPv4 garbage: truncated, wrong version, bad checksum, short quotes", () => {
  const good = ipv4("192.0.2.1", echoRequest(4, 1, 1));
  const garbage = (packet: Uint8Array) => parseIcmp4(packet).kind;
  assert.equal(garbage(Buffer.alloc(0)), "garbage");
  assert.equal(garbage(good.subarray(0, 19)), "garbage");
  assert.equal(garbage(good.subarray(0, 24)), "garbage");
  const v6 = Buffer.from(good);
  v6[0] = 0x65;
  assert.equal(garbage(v6), "garbage");
  const longHeader = Buffer.from(good);
  longHeader[0] = 0x4f;
  assert.equal(garbage(longHeader), "garbage");
  const corrupt = Buffer.from(good);
  corrupt[25] = (corrupt[25] ?? 0) ^ 0xff;
  assert.equal(garbage(corrupt), "garbage");
  const short = ipv4("192.0.2.1", icmpError(11, 0, sentHeader("203.0.113.5").subarray(0, 12)));
  assert.equal(garbage(short), "garbage");
  const noEcho = ipv4(
    "192.0.2.1",
    icmpError(11, 0, Buffer.concat([sentHeader("203.0.113.5"), Buffer.alloc(4)])),
  );
  assert.equal(garbage(noEcho), "garbage");
  // Random bytes never throw.
  for (let i = 0; i < 2000; i++) {
    const random = Buffer.from(Array.from({ length: i % 90 }, () => Math.floor(Math.random() * 256)));
    if (random.length > 0) random[0] = 0x45;
    assert.ok(["garbage", "ignored", "echo-reply", "error"].includes(parseIcmp4(random).kind));
    assert.ok(["garbage", "ignored", "echo-reply", "error"].includes(parseIcmp6(random, "2001:db8::1").kind));
  }
});

/** An ICMPv6 error quoting our echo request to `to`. */
function icmp6Error(type: number, to: string, word = 0, nextHeader = 58): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(word, 4);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip[6] = nextHeader;
  ip[7] = 1;
  const target = Buffer.from(
    canonicalIp(to) === "2001:db8:a::20"
      ? "20010db8000a00000000000000000020"
      : "20010db8000b00000000000000000025",
    "hex",
  );
  target.copy(ip, 24);
  return Buffer.concat([head, ip, echoRequest(6, 5, 6)]);
}

test("ICMPv6 echo reply, time exceeded and packet too big", () => {
  const reply = echoRequest(6, 9, 10);
  reply[0] = 129;
  assert.deepEqual(parseIcmp6(reply, "2001:db8:a::20"), {
    kind: "echo-reply",
    from: "2001:db8:a::20",
    id: 9,
    seq: 10,
  });
  const exceeded = parseIcmp6(icmp6Error(3, "2001:db8:a::20"), "2001:db8:1:1::1");
  assert.deepEqual(exceeded, {
    kind: "error",
    error: "time-exceeded",
    code: 0,
    from: "2001:db8:1:1::1",
    mtu: 0,
    quoted: { destination: "2001:db8:a::20", id: 5, seq: 6 },
  });
  const tooBig = parseIcmp6(icmp6Error(2, "2001:db8:b::25", 1280), "2001:db8:1:1::1");
  assert.equal(tooBig.kind === "error" && tooBig.mtu, 1280);
  assert.equal(tooBig.kind === "error" && tooBig.quoted.destination, "2001:db8:b::25");
});

test("ICMPv6 neighbour discovery, foreign quotes and truncation", () => {
  assert.deepEqual(parseIcmp6(Buffer.from([135, 0, 0, 0, 0, 0, 0, 0, 1, 2]), "fe80::1"), {
    kind: "ignored",
    reason: "other-type",
  });
  assert.deepEqual(parseIcmp6(icmp6Error(3, "2001:db8:a::20", 0, 17), "fe80::1"), {
    kind: "ignored",
    reason: "quotes-other-packet",
  });
  assert.equal(parseIcmp6(icmp6Error(3, "2001:db8:a::20").subarray(0, 30), "fe80::1").kind, "garbage");
  assert.equal(parseIcmp6(icmp6Error(3, "2001:db8:a::20").subarray(0, 52), "fe80::1").kind, "garbage");
  assert.equal(parseIcmp6(Buffer.from([129, 0, 0]), "fe80::1").kind, "garbage");
});

test("addresses in RFC 5952 text, whatever their spelling: runtime/address agrees with ipv6Text", () => {
  assert.equal(canonicalIp("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  assert.equal(canonicalIp("2001:0:c633:6401::66"), "2001:0:c633:6401::66");
  assert.equal(canonicalIp("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  assert.equal(canonicalIp("::ffff:192.0.2.1"), "::ffff:c000:201");
  assert.equal(canonicalIp("::"), "::");
  assert.equal(canonicalIp("192.0.2.1"), "192.0.2.1");
  assert.equal(ipv6Text(Buffer.from("20010db8000100000001000100010001", "hex"), 0), "2001:db8:1:0:1:1:1:1");
});
