import assert from "node:assert/strict";
import { test } from "node:test";
import { ipv6Bytes, parseTcpAnswer, tcpSyn, UDP_PROBE_PORT, udpProbe } from "./flow-packet.js";
import { internetChecksum } from "./icmp-packet.js";

const v4 = { family: 4 as const, source: "192.0.2.2", destination: "203.0.113.187" };
const v6 = { family: 6 as const, source: "2001:db8:1:1::2", destination: "2001:db8:b::187" };

/** The RFC 768 / 9293 checksum over pseudo-header and segment verifies to 0 (computed independently). */
function verifies(
  family: 4 | 6,
  source: string,
  destination: string,
  protocol: number,
  segment: Buffer,
): boolean {
  const addr = (ip: string) => (family === 4 ? Buffer.from(ip.split(".").map(Number)) : ipv6Bytes(ip));
  const length = Buffer.alloc(family === 4 ? 2 : 4);
  if (family === 4) length.writeUInt16BE(segment.length);
  else length.writeUInt32BE(segment.length);
  const pseudo =
    family === 4
      ? Buffer.concat([addr(source), addr(destination), Buffer.from([0, protocol]), length])
      : Buffer.concat([addr(source), addr(destination), length, Buffer.from([0, 0, 0, protocol])]);
  const whole = Buffer.concat([pseudo, segment]);
  return internetChecksum(whole, 0, whole.length) === 0;
}

test("UDP probe: ports, the length as the tag, a checksum that verifies", () => {
  const packet = udpProbe(v4, 40_000, 13);
  assert.equal(packet.length, 13);
  assert.deepEqual(
    [packet.readUInt16BE(0), packet.readUInt16BE(2), packet.readUInt16BE(4)],
    [40_000, UDP_PROBE_PORT, 13],
  );
  assert.ok(verifies(4, v4.source, v4.destination, 17, packet));
  const big = udpProbe(v6, 40_001, 1280 - 40);
  assert.equal(big.readUInt16BE(4), 1240);
  assert.ok(verifies(6, v6.source, v6.destination, 17, big));
});

test("TCP SYN: ports, the sequence number as the tag, SYN only, a checksum that verifies", () => {
  const packet = tcpSyn(v6, 40_002, 80, 0xdeadbeef);
  assert.equal(packet.length, 20);
  assert.deepEqual(
    [packet.readUInt16BE(0), packet.readUInt16BE(2), packet.readUInt32BE(4), packet[13]],
    [40_002, 80, 0xdeadbeef, 0x02],
  );
  assert.ok(verifies(6, v6.source, v6.destination, 6, packet));
  assert.ok(verifies(4, v4.source, v4.destination, 6, tcpSyn(v4, 40_003, 443, 7)));
});

test("TCP answers: a SYN-ACK or RST acknowledging our sequence number, from the IPv4 header or recvfrom", () => {
  const segment = Buffer.alloc(20);
  segment.writeUInt16BE(80, 0);
  segment.writeUInt16BE(40_002, 2);
  segment.writeUInt32BE(0xdeadbef0, 8); // ack = seq + 1
  segment[12] = 0x50;
  segment[13] = 0x12; // SYN-ACK
  assert.deepEqual(parseTcpAnswer(6, segment, "2001:db8:b::187"), {
    from: "2001:db8:b::187",
    sourcePort: 40_002,
    destinationPort: 80,
    tag: 0xdeadbeef,
    flags: "syn-ack",
  });
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[9] = 6;
  Buffer.from([203, 0, 113, 187]).copy(ip, 12);
  const rst = Buffer.from(segment);
  rst[13] = 0x14; // RST-ACK
  assert.equal(parseTcpAnswer(4, Buffer.concat([ip, rst]), "203.0.113.187")?.flags, "rst");
  const data = Buffer.from(segment);
  data[13] = 0x18; // PSH-ACK: another connection's data, not an answer
  assert.equal(parseTcpAnswer(6, data, "2001:db8:b::187"), undefined);
  assert.equal(parseTcpAnswer(4, Buffer.alloc(10), "x"), undefined);
});
