// The UDP edge of the DNS client: per name server, a pool of sockets, each
// connected to that server from a random ephemeral port and replaced after a
// number of questions; random query ids from a cryptographic source; an
// answer accepted only when its id, source address and port, and question
// match (RFC 5452 4 and 9.1). A connected socket also makes the kernel drop
// datagrams from any other source, and spares a look-up per send. What does
// not match is counted and dropped, and the wait goes on.

import { randomFillSync } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import type { RecordType } from "dns-packet";
import type { Endpoint } from "../runtime/config.js";
import { type Checked, checkAnswer, encodeQuery } from "./dns-message.js";
import { dnsMetrics } from "./dns-metrics.js";

export type UdpResult =
  | Checked
  | { readonly kind: "timeout" }
  | { readonly kind: "send-error"; readonly reason: string };

interface Pending {
  readonly name: string;
  readonly type: RecordType;
  readonly allSections: boolean;
  readonly server: Endpoint;
  readonly deadline: number;
  readonly socket: PooledSocket;
  readonly id: number;
  settled: boolean;
  readonly resolve: (result: UdpResult) => void;
}

/** Query ids from a buffer of cryptographically random bytes, refilled as used (RFC 5452 9.2). */
class RandomIds {
  private readonly bytes = Buffer.alloc(8192);
  private offset = this.bytes.length;
  next(): number {
    if (this.offset >= this.bytes.length) {
      randomFillSync(this.bytes);
      this.offset = 0;
    }
    const id = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return id;
  }
}

class PooledSocket {
  readonly socket: Socket;
  readonly pending = new Map<number, Pending>();
  sent = 0;
  retired = false;

  constructor(
    server: Endpoint,
    private readonly settle: (pending: Pending, result: UdpResult) => void,
    onClosed: (s: PooledSocket) => void,
  ) {
    // A larger receive buffer rides out event-loop pauses (GC) at high rates; the kernel caps it at rmem_max.
    this.socket = createSocket({ type: isIP(server.host) === 6 ? "udp6" : "udp4", recvBufferSize: 1 << 20 });
    this.socket.on("message", (message, remote) => this.receive(message, remote.address, remote.port));
    // ICMP errors surface here on some systems; the question then times out.
    this.socket.on("error", () => {});
    this.socket.on("close", () => onClosed(this));
    // An implicit bind to port 0: the kernel picks a random ephemeral port (Linux randomises it).
    this.socket.connect(server.port, server.host, () => {
      const queued = this.queued ?? [];
      this.queued = undefined;
      for (const query of queued) this.write(query);
    });
    this.socket.unref();
  }

  /** Queries asked before the socket is connected (node drops those sent earlier). */
  private queued: Buffer[] | undefined = [];

  write(query: Buffer): void {
    if (this.queued) this.queued.push(query);
    // No callback: it would cost a tick per query. A send error is rare on a
    // connected socket; the question then times out.
    else this.socket.send(query);
  }

  private receive(message: Buffer, address: string, port: number): void {
    if (message.length < 12) {
      dropped.short.inc();
      return;
    }
    const id = message.readUInt16BE(0);
    const waiting = this.pending.get(id);
    if (!waiting) {
      dropped.unknownId.inc();
      return;
    }
    if (port !== waiting.server.port || !sameAddress(address, waiting.server.host)) {
      dropped.wrongSource.inc();
      return;
    }
    const checked = checkAnswer(message, waiting);
    if (checked.kind === "mismatch") {
      dropped.wrongQuestion.inc();
      return;
    }
    if (checked.kind === "malformed") dropped.malformed.inc();
    this.settle(waiting, checked);
  }
}

export interface UdpPoolOptions {
  readonly server: Endpoint;
  /** Sockets open at once, each with its own port. */
  readonly sockets: number;
  /** Questions sent from one socket before it is replaced by one on a fresh port. */
  readonly questionsPerSocket: number;
  /** How long a question waits for its answer. */
  readonly timeoutMs: number;
  /**
   * Questions to authoritative servers (the chain walk, chain6/): RD clear, and the answer's
   * authority and additional sections decoded for the referral and its glue.
   */
  readonly iterative?: boolean;
}

export class UdpPool {
  private readonly live: PooledSocket[] = [];
  private readonly retiring = new Set<PooledSocket>();
  private readonly ids = new RandomIds();
  // Questions in the order they were sent, so in deadline order (one timeout
  // for all): one sweep timer instead of a timer per question.
  private deadlines: (Pending | undefined)[] = [];
  private head = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: UdpPoolOptions) {
    for (let i = 0; i < options.sockets; i++) this.live.push(this.open());
    this.sweeper = setInterval(() => this.sweep(), Math.max(5, Math.min(50, options.timeoutMs / 10)));
    this.sweeper.unref();
  }

  /** Sends one question and resolves with the checked answer, a timeout or a send error. Never rejects. */
  send(name: string, type: RecordType): Promise<UdpResult> {
    const server = this.options.server;
    if (this.closed) return Promise.resolve({ kind: "send-error", reason: "client closed" });
    // A random socket, so that consecutive questions leave from unrelated ports.
    const index = this.ids.next() % this.live.length;
    const socket = this.live[index]!;
    let id = this.ids.next();
    while (socket.pending.has(id)) id = this.ids.next();
    const iterative = this.options.iterative ?? false;
    const query = encodeQuery(id, name, type, true, !iterative);
    const result = new Promise<UdpResult>((resolve) => {
      const pending: Pending = {
        name,
        type,
        allSections: iterative,
        server,
        deadline: performance.now() + this.options.timeoutMs,
        socket,
        id,
        settled: false,
        resolve,
      };
      socket.pending.set(id, pending);
      this.deadlines.push(pending);
      try {
        socket.write(query);
      } catch (error) {
        this.settle(pending, { kind: "send-error", reason: (error as Error).message });
      }
    });
    // Retired only now, with this question pending on it, so it stays open for the answer.
    if (++socket.sent >= this.options.questionsPerSocket) this.retire(index);
    return result;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const socket of [...this.live, ...this.retiring]) {
      for (const pending of [...socket.pending.values()])
        this.settle(pending, { kind: "send-error", reason: "client closed" });
      socket.socket.close();
    }
    this.live.length = 0;
    this.retiring.clear();
  }

  private readonly settle = (pending: Pending, result: UdpResult): void => {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.socket.pending.get(pending.id) === pending) pending.socket.pending.delete(pending.id);
    pending.resolve(result);
    this.closeIfIdle(pending.socket);
  };

  private sweep(): void {
    const now = performance.now();
    while (this.head < this.deadlines.length) {
      const pending = this.deadlines[this.head]!;
      if (!pending.settled && pending.deadline > now) break;
      this.deadlines[this.head++] = undefined;
      if (!pending.settled) this.settle(pending, { kind: "timeout" });
    }
    if (this.head > 4096 && this.head * 2 > this.deadlines.length) {
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
  }

  private open(): PooledSocket {
    return new PooledSocket(this.options.server, this.settle, (closed) => this.retiring.delete(closed));
  }

  /** Replaces a socket by one on a new port; the old one stays open until its answers are in. */
  private retire(index: number): void {
    const old = this.live[index]!;
    old.retired = true;
    this.retiring.add(old);
    this.live[index] = this.open();
    this.closeIfIdle(old);
  }

  private closeIfIdle(socket: PooledSocket): void {
    if (socket.retired && socket.pending.size === 0 && this.retiring.has(socket)) {
      this.retiring.delete(socket);
      socket.socket.close();
    }
  }
}

/** The kernel may report an IPv4 peer of a dual-stack socket as ::ffff:a.b.c.d. */
function sameAddress(a: string, b: string): boolean {
  return a === b || a.replace(/^::ffff:/, "") === b.replace(/^::ffff:/, "");
}

const dropped = {
  short: dnsMetrics.dropped.labels("short"),
  unknownId: dnsMetrics.dropped.labels("unknown_id"),
  wrongSource: dnsMetrics.dropped.labels("wrong_source"),
  wrongQuestion: dnsMetrics.dropped.labels("wrong_question"),
  malformed: dnsMetrics.dropped.labels("malformed"),
};
