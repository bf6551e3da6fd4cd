// The NTP probe against a real UDP responder on loopback: answered, a spoofed reply ignored,
// the retry after silence, silence, a closed port, a kiss-o'-death. The responder builds its
// replies byte by byte here, not with packet.ts, so one mistake cannot hide in both.
import assert from "node:assert/strict";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { ntpProbe } from "./client.js";

const NTP_UNIX = 2_208_988_800;

function ntpTime(unixMs: number): Buffer {
  const b = Buffer.alloc(8);
  const s = Math.floor(unixMs / 1000);
  b.writeUInt32BE(s + NTP_UNIX, 0);
  b.writeUInt32BE(Math.floor(((unixMs - s * 1000) / 1000) * 2 ** 32), 4);
  return b;
}

type Behaviour = (request: Buffer, from: RemoteInfo, socket: Socket, count: number) => void;

async function responder(
  family: "udp4" | "udp6",
  behaviour: Behaviour,
): Promise<{ port: number; requests: () => number }> {
  const socket = createSocket(family);
  let count = 0;
  socket.on("message", (request, from) => behaviour(request, from, socket, ++count));
  await new Promise<void>((resolve) => socket.bind(0, family === "udp4" ? "127.0.0.1" : "::1", resolve));
  after(() => socket.close());
  return { port: (socket.address() as AddressInfo).port, requests: () => count };
}

/** A server reply: LI/VN/mode byte, stratum, refid; origin = the request's transmit; clock skewed by `skewMs`. */
function serverReply(
  request: Buffer,
  first: number,
  stratum: number,
  refid: Buffer,
  skewMs: number,
  origin?: Buffer,
): Buffer {
  // The wall clock (CLOCK_REALTIME, 1 ms steps), as the probe's anchor: performance.timeOrigin
  // drifts from it by milliseconds within a test run.
  const t2 = Date.now() + skewMs;
  const b = Buffer.alloc(48);
  b[0] = first;
  b[1] = stratum;
  b[2] = 6;
  b[3] = 0xe9;
  refid.copy(b, 12);
  (origin ?? request.subarray(40, 48)).copy(b, 24);
  ntpTime(t2).copy(b, 32);
  ntpTime(Date.now() + skewMs).copy(b, 40);
  return b;
}

const options = { timeoutMs: 300, retries: 1 };
const LOOSE_MS = 50;

describe("ntpProbe on loopback", () => {
  it("a stratum-2 server 1 s ahead: answered, offset 1000 ms within half the round trip", async () => {
    const server = await responder("udp4", (req, from, s) => {
      assert.equal(req.length, 48);
      assert.equal(req[0], 0x23);
      s.send(serverReply(req, 0x24, 2, Buffer.from([192, 0, 2, 1]), 1000), from.port, from.address);
    });
    const got = await ntpProbe("127.0.0.1", { ...options, port: server.port });
    assert.equal(got.answered, true);
    assert.equal(got.failure, "");
    assert.equal(got.stratum, 2);
    assert.equal(got.refid, "192.0.2.1");
    assert.equal(got.requests, 1);
    assert.ok(got.rttMs >= 0, `rtt ${got.rttMs}`);
    // In theory half the round trip plus 1 ms per side's Date.now() steps; but this machine's
    // clock is slewed under us (500 ppm measured, and jumps of ~15 ms seen within one probe), so
    // a loose bound; the arithmetic itself is checked exactly in reply.test.ts.
    assert.ok(
      Math.abs(got.offsetMs - 1000) <= got.rttMs / 2 + LOOSE_MS,
      `offset ${got.offsetMs}, rtt ${got.rttMs}`,
    );
  });

  it("over IPv6 too, and a spoofed reply (another origin) first is ignored", async () => {
    const server = await responder("udp6", (req, from, s) => {
      s.send(serverReply(req, 0x24, 2, Buffer.from("LAB\0"), 0, Buffer.alloc(8, 7)), from.port, from.address);
      s.send(serverReply(req, 0x24, 3, Buffer.from([198, 51, 100, 1]), 0), from.port, from.address);
    });
    const got = await ntpProbe("::1", { ...options, port: server.port });
    assert.deepEqual([got.answered, got.stratum, got.requests], [true, 3, 1]);
    assert.ok(Math.abs(got.offsetMs) <= got.rttMs / 2 + LOOSE_MS, `offset ${got.offsetMs}, rtt ${got.rttMs}`);
  });

  it("the first request unanswered, the retry answered: two requests", async () => {
    const server = await responder("udp4", (req, from, s, n) => {
      if (n === 2) s.send(serverReply(req, 0x24, 2, Buffer.from([192, 0, 2, 1]), 0), from.port, from.address);
    });
    const got = await ntpProbe("127.0.0.1", { ...options, port: server.port });
    assert.deepEqual([got.answered, got.requests, server.requests()], [true, 2, 2]);
  });

  it("silence: generic_timeout after the request and one retry", async () => {
    const server = await responder("udp4", () => {});
    const got = await ntpProbe("127.0.0.1", { ...options, port: server.port });
    assert.deepEqual(
      [got.answered, got.failure, got.requests, server.requests()],
      [false, "generic_timeout", 2, 2],
    );
  });

  it("a closed port: connection_refused from the ICMP port unreachable", async () => {
    const server = await responder("udp6", () => {});
    const port = server.port;
    // Nothing listens on the port once the responder is closed.
    const closed = createSocket("udp6");
    await new Promise<void>((resolve) => closed.bind(0, "::1", resolve));
    const free = (closed.address() as AddressInfo).port;
    closed.close();
    assert.notEqual(free, port);
    const got = await ntpProbe("::1", { ...options, port: free });
    assert.deepEqual([got.answered, got.failure], [false, "connection_refused"]);
  });

  it("a kiss-o'-death: ntp_kiss_of_death with the code RATE, stratum 0", async () => {
    const server = await responder("udp4", (req, from, s) =>
      s.send(serverReply(req, 0xe4, 0, Buffer.from("RATE"), 0), from.port, from.address),
    );
    const got = await ntpProbe("127.0.0.1", { ...options, port: server.port });
    assert.deepEqual(
      [got.answered, got.failure, got.kissCode, got.stratum],
      [false, "ntp_kiss_of_death", "RATE", 0],
    );
  });
});
