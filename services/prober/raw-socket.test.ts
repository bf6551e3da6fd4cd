// The stamped-socket addon (native/stamped-socket, loaded by raw-socket.ts) on loopback (root
// only: raw sockets): echo requests to 127.0.0.1 and ::1 come back with kernel receive stamps,
// on the clock of the send, even while the event loop is held up; errors carry errno codes.
// Nothing leaves the host.
import assert from "node:assert/strict";
import { test } from "node:test";
import { echoRequest } from "./icmp-packet.js";
import { RECV_BYTES, RECV_KERNEL_STAMPED, RECV_TIME, rawSocketOpener } from "./raw-socket.js";

const root = process.getuid?.() === 0;

interface Reply {
  seq: number;
  sentAt: number;
  receivedAt: number;
  kernelStamped: boolean;
  source: string;
}

/**
 * Holds the event loop for `ms` without holding the CPU: the thread sleeps, so JavaScript reads
 * nothing meanwhile. A busy-wait would be the wrong test on loopback, where the "far end" is this
 * machine's own softirq work: on a loaded machine that work can wait for ksoftirqd behind the
 * spinning thread, and the kernel would then stamp the reply late because it answered late (seen in
 * CI: 104 ms). The busy case, against scamper on the same addresses, is test/prober/kernel-rtt.test.ts.
 */
function holdLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Sends `count` echo requests to `address`, holding the loop after each send, and reads the replies. */
async function pingLoopback(family: 4 | 6, address: string, count: number): Promise<Reply[]> {
  const socket = rawSocketOpener()(family === 4 ? 1 : 58, family);
  const id = (process.pid * 7) & 0xffff;
  const sent = new Map<number, number>();
  const replies: Reply[] = [];
  const buffer = Buffer.alloc(65_536);
  const meta = new Float64Array(3);
  try {
    await new Promise<void>((resolve) => {
      socket.onReadable(() => {
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
            kernelStamped: meta[RECV_KERNEL_STAMPED] === 1,
            source,
          });
          if (replies.length === count) resolve();
        }
      });
      for (let seq = 1; seq <= count; seq++) {
        const packet = echoRequest(family, id, seq);
        sent.set(seq, socket.send(packet, 0, packet.length, address, 64));
        holdLoop(20);
      }
    });
  } finally {
    socket.close();
  }
  return replies;
}

for (const [family, address] of [
  [4, "127.0.0.1"],
  [6, "::1"],
] as const) {
  test(`echo to ${address}: kernel-stamped, small and in order while the loop is held`, {
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
      const rtt = reply.receivedAt - reply.sentAt;
      // The loop was held 20 ms after every send: a time taken when JavaScript read the reply
      // would be at least that; the kernel's stamp is loopback's own tens of microseconds.
      assert.ok(rtt >= 0 && rtt < 10, `RTT ${rtt} ms`);
    }
    for (let i = 1; i < replies.length; i++) {
      // The hold really happened: the sends are a hold apart, the replies were read after it.
      assert.ok(replies[i]!.sentAt - replies[i - 1]!.sentAt >= 19, "the loop was held between sends");
      assert.ok(replies[i]!.receivedAt > replies[i - 1]!.receivedAt, "receive times increase");
      assert.ok(replies[i]!.sentAt > replies[i - 1]!.receivedAt, "each reply came before the next send");
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
