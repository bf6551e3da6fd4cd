// The stamped-socket addon (native/stamped-socket, loaded by raw-socket.ts) on loopback (root
// only: raw sockets): echo requests to 127.0.0.1 and ::1 come back with kernel receive stamps,
// on the clock of the send, even while the event loop is held up; errors carry errno codes.
// Nothing leaves the host.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { echoRequest } from "./icmp-packet.js";
import { RECV_BYTES, RECV_KERNEL_STAMPED, RECV_TIME, rawSocketOpener, socketClockMs } from "./raw-socket.js";

const root = process.getuid?.() === 0;

interface Reply {
  seq: number;
  sentAt: number;
  receivedAt: number;
  /** When JavaScript read it (the socket's clock). */
  readAt: number;
  kernelStamped: boolean;
  source: string;
}

/** How long the loop is held after the sends: a time read by JavaScript would be at least this. */
const HOLD_MS = 1000;

/**
 * Holds the event loop for `ms` without holding the CPU: the thread sleeps, so JavaScript reads
 * nothing meanwhile while the kernel answers. The hold is long on purpose: on loopback the far end
 * is this machine's own softirq work, which a loaded machine can delay by tens of milliseconds
 * (CI saw replies stamped 105 ms after their send with 20 ms holds), so only a margin far beyond
 * that tells the kernel's stamp from the loop's read. How close the stamps are to the network's
 * own times under load is test/prober/kernel-rtt.test.ts's question, against scamper.
 */
function holdLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Sends `count` echo requests to `address`, holds the loop, then reads the replies. */
async function pingLoopback(
  family: 4 | 6,
  address: string,
  count: number,
  holdMs = HOLD_MS,
): Promise<Reply[]> {
  const socket = rawSocketOpener()(family === 4 ? 1 : 58, family);
  const id = (process.pid * 7) & 0xffff;
  const sent = new Map<number, number>();
  const replies: Reply[] = [];
  const buffer = Buffer.alloc(65_536);
  const meta = new Float64Array(3);
  try {
    await new Promise<void>((resolve) => {
      socket.onReadable(() => {
        const readAt = socketClockMs();
        for (;;) {
          const source = socket.recv(buffer, meta);
          if (source === null) break;
          // IPv4 raw sockets see the IP header; ICMPv6 ones do not. On loopback the requests come back too.
          const icmp = buffer.subarray(family === 4 ? (buffer[0]! & 0x0f) * 4 : 0, meta[RECV_BYTES]);
          const reply = family === 4 ? 0 : 129;
          if (icmp[0] !== reply || icmp.readUInt16BE(4) !== id) continue;
          const seq = icmp.readUInt16BE(6);
          replies.push({
            seq,
            sentAt: sent.get(seq)!,
            receivedAt: meta[RECV_TIME]!,
            readAt,
            kernelStamped: meta[RECV_KERNEL_STAMPED] === 1,
            source,
          });
          if (replies.length === count) resolve();
        }
      });
      for (let seq = 1; seq <= count; seq++) {
        const packet = echoRequest(family, id, seq);
        sent.set(seq, socket.send(packet, 0, packet.length, address, 64));
      }
      holdLoop(holdMs);
    });
  } finally {
    socket.close();
  }
  return replies;
}

/**
 * The kernel turns receive stamps on for the whole machine when the first socket asks, but
 * later, from a work queue; until then a packet carries no stamp and recvmsg stamps it as it is
 * read (CI saw a reply "stamped" at its read, 1 s after its send). So one stamping socket is kept
 * open for these tests, and they start once a reply read after a hold shows a stamp taken before it.
 */
let keeper: ReturnType<ReturnType<typeof rawSocketOpener>> | undefined;
before(async () => {
  if (!root) return;
  keeper = rawSocketOpener()(1, 4);
  for (let attempt = 1; ; attempt++) {
    const [first] = await pingLoopback(4, "127.0.0.1", 1, 50);
    if (first && first.readAt - first.receivedAt >= 25) return;
    if (attempt === 200) throw new Error("the kernel's receive stamps never took effect (200 tries)");
  }
});
after(() => keeper?.close());

for (const [family, address] of [
  [4, "127.0.0.1"],
  [6, "::1"],
] as const) {
  test(`echo to ${address}: kernel-stamped while the loop is held, in order`, {
    skip: !root && "needs root (raw sockets)",
  }, async () => {
    const replies = await pingLoopback(family, address, 5);
    assert.deepEqual(
      replies.map((r) => r.seq),
      [1, 2, 3, 4, 5],
    );
    for (const reply of replies) {
      assert.equal(reply.source, address);
      assert.equal(reply.kernelStamped, true);
      // JavaScript read every reply after the hold; the kernel stamped it when it came, long before.
      assert.ok(
        reply.readAt - reply.sentAt >= HOLD_MS - 1,
        `read ${reply.readAt - reply.sentAt} ms after its send`,
      );
      const rtt = reply.receivedAt - reply.sentAt;
      assert.ok(rtt >= 0 && rtt < HOLD_MS / 2, `RTT ${rtt} ms`);
    }
    for (let i = 1; i < replies.length; i++) {
      assert.ok(replies[i]!.sentAt > replies[i - 1]!.sentAt, "send times increase");
      assert.ok(replies[i]!.receivedAt > replies[i - 1]!.receivedAt, "receive times increase");
    }
  });
}

test("errors are typed: errno's name as code, the syscall and the address", {
  skip: !root && "needs root (raw sockets)",
}, () => {
  const socket = rawSocketOpener()(1, 4);
  const packet = echoRequest(4, 1, 1);
  assert.throws(() => socket.send(packet, 0, packet.length, "::1", 64), {
    code: "EINVAL",
    address: "::1",
  });
  assert.throws(() => socket.send(packet, 0, packet.length + 1, "127.0.0.1", 64), { code: "ERANGE" });
  assert.throws(() => socket.setOption(0, 2, 0), { code: "EINVAL", syscall: "setsockopt 0/2" });
  socket.close();
  assert.throws(() => socket.send(packet, 0, packet.length, "127.0.0.1", 64), { code: "EBADF" });
  socket.close(); // A second close is harmless.
});
