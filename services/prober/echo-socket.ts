// The edge where ICMP echo probes leave and their answers come back: one raw socket per
// family (raw-socket.ts), shared by every ping, traceroute and PMTU probe in flight. A reply is
// matched by identifier and sequence (and its source), an error by the echo request it quotes;
// its round-trip time is the kernel's receive stamp minus the clock read at sendto (decision
// 009), so a busy event loop delays the answer but not the time it reports.
// It knows nothing of pings or paths: it sends one probe and says what came back.

import { canonicalIp } from "../runtime/address.js";
import { rawSocketError } from "./capability.js";
import {
  echoRequest,
  type IcmpErrorKind,
  type IcmpMessage,
  internetChecksum,
  parseIcmp4,
  parseIcmp6,
} from "./icmp-packet.js";
import type { PacketPacer } from "./packet-pacer.js";
import {
  ICMP_FILTER,
  ICMP6_FILTER,
  IP_MTU_DISCOVER,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_DONTFRAG,
  IPV6_MTU_DISCOVER,
  isSocketCongestion,
  PMTUDISC_PROBE,
  type RawSocket,
  RECV_BYTES,
  RECV_TIME,
  rawSocketOpener,
  SO_RCVBUFFORCE,
  SOL_ICMPV6,
  SOL_RAW,
  SOL_SOCKET,
} from "./raw-socket.js";

export interface EchoProbe {
  /** Canonical text (canonicalIp). */
  readonly destination: string;
  /** TTL / hop limit. */
  readonly ttl: number;
  /** Size of the whole IP packet; 0 for the smallest. */
  readonly packetSize?: number;
  readonly timeoutMs: number;
}

export type EchoOutcome =
  | { kind: "reply"; from: string; rttMs: number }
  | { kind: "error"; error: IcmpErrorKind; code: number; from: string; mtu: number; rttMs: number }
  | { kind: "timeout" }
  | { kind: "send-failed"; reason: string };

/** What the socket saw, for metrics and the benchmark. */
export interface EchoCounts {
  sent: number;
  replies: number;
  errors: number;
  timeouts: number;
  sendFailed: number;
  /** Malformed packets, and errors the socket reported on a read. */
  garbage: number;
  ignored: number;
  /** Replies or errors for a probe not in flight (late, or another program's). */
  unmatched: number;
  /** Replies with our identifier and sequence from an address we did not probe. */
  unexpectedSource: number;
}

const KEY_SPACE = 1 << 20;

interface Pending {
  readonly key: number;
  readonly destination: string;
  readonly probe: EchoProbe;
  /** The socket's clock read right before sendto (raw-socket.ts), in ms. */
  sentAt: number;
  /** When it times out (performance.now() ms); 0 until sent. */
  deadline: number;
  resolve(outcome: EchoOutcome): void;
}

// Timeouts are swept every few ms rather than given a timer each: at thousands of probes a
// second, a Timeout object per probe is most of the garbage. Probes of one timeout value
// expire in the order they were sent, so each value keeps a FIFO queue.
const SWEEP_MS = 10;

export class EchoSocket {
  readonly counts: EchoCounts = {
    sent: 0,
    replies: 0,
    errors: 0,
    timeouts: 0,
    sendFailed: 0,
    garbage: 0,
    ignored: 0,
    unmatched: 0,
    unexpectedSource: 0,
  };
  private readonly socket: RawSocket;
  private readonly pending = new Map<number, Pending>();
  private readonly receiveBuffer = Buffer.alloc(65_536);
  /** recv's bytes, kernel receive time and whether the kernel stamped it (raw-socket.ts). */
  private readonly receiveMeta = new Float64Array(3);
  private readonly baseId = Math.floor(Math.random() * 65_536);
  private nextKey = 0;
  private closed = false;
  private readonly expiries = new Map<number, { entries: Pending[]; head: number }>();
  private readonly sweeper: NodeJS.Timeout;
  /** Echo requests by packet size, rewritten in place: a send copies the bytes at once. */
  private readonly packets = new Map<number, Buffer>();
  /**
   * Errors quoting a UDP or TCP probe go to the family's FlowSocket (flow-socket.ts), with the
   * kernel's receive time on the socket's clock.
   */
  onFlowError:
    | ((message: Extract<IcmpMessage, { kind: "flow-error" }>, receivedAt: number) => void)
    | undefined;

  /** Throws RawSocketUnavailable without CAP_NET_RAW (or without the family in the kernel). */
  constructor(
    readonly family: 4 | 6,
    private readonly limiter: PacketPacer,
  ) {
    const open = rawSocketOpener();
    try {
      this.socket = open(family === 4 ? 1 : 58, family);
    } catch (error) {
      throw rawSocketError(family, error as Error);
    }
    const optional = (level: number, option: number, value: number | Buffer) => {
      try {
        this.socket.setOption(level, option, value);
      } catch {
        // A kernel without the option still probes; only speed or PMTU precision suffers.
      }
    };
    optional(SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20);
    if (family === 4) {
      optional(IPPROTO_IP, IP_MTU_DISCOVER, PMTUDISC_PROBE);
      // Deliver only echo replies and the errors that can quote an echo request.
      optional(SOL_RAW, ICMP_FILTER, ~((1 << 0) | (1 << 3) | (1 << 11) | (1 << 12)) >>> 0);
    } else {
      optional(IPPROTO_IPV6, IPV6_MTU_DISCOVER, PMTUDISC_PROBE);
      optional(IPPROTO_IPV6, IPV6_DONTFRAG, 1);
      const filter = Buffer.alloc(32, 0xff);
      for (const type of [1, 2, 3, 4, 129]) filter[type >> 3]! &= ~(1 << (type & 7));
      optional(SOL_ICMPV6, ICMP6_FILTER, filter);
    }
    this.sweeper = setInterval(() => this.sweep(performance.now()), SWEEP_MS);
    this.sweeper.unref();
    this.socket.onReadable(() => this.drain());
  }

  /** Sends one echo request when the rate limits allow, and says what came back. */
  probe(probe: EchoProbe): Promise<EchoOutcome> {
    if (this.closed) return Promise.resolve({ kind: "send-failed", reason: "socket closed" });
    return new Promise((resolve) => {
      const key = this.allocateKey();
      const entry: Pending = { key, destination: probe.destination, probe, sentAt: 0, deadline: 0, resolve };
      this.pending.set(key, entry);
      this.whenPaced(entry);
    });
  }

  /**
   * Sends `entry` once the pacer lets a packet to its destination go (packet-pacer.ts's paced(),
   * without its promises and closures): at once when it may go now, as most sends of a crawl.
   */
  private whenPaced(entry: Pending): void {
    const wait = this.limiter.reserveDestination(entry.destination, performance.now());
    if (wait > 1) setTimeout(() => this.whenGlobal(entry), wait);
    else this.whenGlobal(entry);
  }

  private whenGlobal(entry: Pending): void {
    const wait = this.limiter.reserveGlobal(performance.now());
    if (wait > 1) setTimeout(() => this.send(entry, 0), wait);
    else this.send(entry, 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const [key, entry] of this.pending)
      this.finish(key, entry, { kind: "send-failed", reason: "socket closed" });
    this.socket.close();
  }

  /** Reads every answer already queued (for a FlowSocket about to call a probe timed out). */
  drainNow(): void {
    this.drain(Number.POSITIVE_INFINITY);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private allocateKey(): number {
    for (;;) {
      const key = this.nextKey;
      this.nextKey = (this.nextKey + 1) % KEY_SPACE;
      const id = (this.baseId + (key >>> 16)) & 0xffff;
      const full = id * 65_536 + (key & 0xffff);
      if (!this.pending.has(full)) return full;
    }
  }

  private send(entry: Pending, attempt: number): void {
    if (this.closed) return;
    const { key, probe } = entry;
    const packet = this.packet(Math.floor(key / 65_536), key & 0xffff, probe.packetSize ?? 0);
    try {
      // The TTL goes with the send: the addon sets it only when it changes.
      entry.sentAt = this.socket.send(packet, 0, packet.length, probe.destination, probe.ttl);
    } catch (error) {
      // A full socket buffer is our own congestion, not the network's answer: try again shortly.
      if (isSocketCongestion(error) && attempt < 100) {
        setTimeout(() => this.send(entry, attempt + 1), 2);
        return;
      }
      this.counts.sendFailed++;
      this.finish(key, entry, { kind: "send-failed", reason: (error as Error).message });
      return;
    }
    this.counts.sent++;
    entry.deadline = performance.now() + probe.timeoutMs;
    let queue = this.expiries.get(probe.timeoutMs);
    if (!queue) {
      queue = { entries: [], head: 0 };
      this.expiries.set(probe.timeoutMs, queue);
    }
    queue.entries.push(entry);
  }

  /** The echo request for `id`/`seq` in a buffer of that size, reused from the last send. */
  private packet(id: number, seq: number, size: number): Buffer {
    let packet = this.packets.get(size);
    if (!packet) {
      packet = echoRequest(this.family, id, seq, size);
      this.packets.set(size, packet);
      return packet;
    }
    packet.writeUInt16BE(id, 4);
    packet.writeUInt16BE(seq, 6);
    if (this.family === 4) {
      packet.writeUInt16BE(0, 2);
      packet.writeUInt16BE(internetChecksum(packet, 0, packet.length), 2);
    }
    return packet;
  }

  private sweep(now: number): void {
    // Timers run before I/O in the event loop: after a busy stretch, answers that came in time
    // wait unread in the socket. Read them all before calling anything a timeout.
    this.drain(Number.POSITIVE_INFINITY);
    for (const queue of this.expiries.values()) {
      const { entries } = queue;
      while (queue.head < entries.length && entries[queue.head]!.deadline <= now) {
        const entry = entries[queue.head++]!;
        if (this.pending.get(entry.key) !== entry) continue;
        this.counts.timeouts++;
        this.finish(entry.key, entry, { kind: "timeout" });
      }
      if (queue.head > 1024 && queue.head * 2 > entries.length) {
        entries.splice(0, queue.head);
        queue.head = 0;
      }
    }
  }

  private finish(key: number, entry: Pending, outcome: EchoOutcome): void {
    if (this.pending.get(key) !== entry) return;
    this.pending.delete(key);
    entry.resolve(outcome);
  }

  /** Reads up to `limit` packets (a readiness event reads 1024, so other I/O gets a turn). */
  private drain(limit = 1024): void {
    const meta = this.receiveMeta;
    let failures = 0;
    for (let i = 0; i < limit && !this.closed; i++) {
      let source: string | null;
      try {
        source = this.socket.recv(this.receiveBuffer, meta);
      } catch {
        // A pending socket error (EMSGSIZE after a frag-needed, ...) is reported once and
        // cleared, so read on; one that persists waits for the next readiness event.
        this.counts.garbage++;
        if (++failures > 8) return;
        continue;
      }
      if (source === null) return; // The queue is empty.
      const packet = this.receiveBuffer.subarray(0, meta[RECV_BYTES]);
      // inet_ntop's text is RFC 5952 already, except for dotted IPv4 tails.
      const message =
        this.family === 4
          ? parseIcmp4(packet)
          : parseIcmp6(packet, source.includes(".") ? canonicalIp(source) : source);
      this.dispatch(message, meta[RECV_TIME]!);
    }
  }

  /** `receivedAt`: the kernel's receive time, on the clock of sentAt. */
  private dispatch(message: IcmpMessage, receivedAt: number): void {
    if (message.kind === "garbage") {
      this.counts.garbage++;
      return;
    }
    if (message.kind === "ignored") {
      this.counts.ignored++;
      return;
    }
    if (message.kind === "flow-error") {
      if (this.onFlowError) this.onFlowError(message, receivedAt);
      else this.counts.ignored++;
      return;
    }
    const id = message.kind === "echo-reply" ? message.id : message.quoted.id;
    const seq = message.kind === "echo-reply" ? message.seq : message.quoted.seq;
    const key = id * 65_536 + seq;
    const entry = this.pending.get(key);
    if (!entry || entry.deadline === 0) {
      this.counts.unmatched++;
      return;
    }
    // Never below zero: a clock step between the two readings is not a measurement.
    const rttMs = Math.max(0, receivedAt - entry.sentAt);
    if (message.kind === "echo-reply") {
      if (message.from !== entry.destination) {
        this.counts.unexpectedSource++;
        return;
      }
      this.counts.replies++;
      this.finish(key, entry, { kind: "reply", from: message.from, rttMs });
      return;
    }
    if (message.quoted.destination !== entry.destination) {
      this.counts.unmatched++;
      return;
    }
    this.counts.errors++;
    this.finish(key, entry, {
      kind: "error",
      error: message.error,
      code: message.code,
      from: message.from,
      mtu: message.mtu,
      rttMs,
    });
  }
}
