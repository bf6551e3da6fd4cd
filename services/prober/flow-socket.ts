// The edge where UDP and TCP probes leave (traceroute and path MTU past ICMP filters): raw UDP
// and TCP sockets of one family, opened when first needed. Routers' and destinations' ICMP
// errors come back on the family's EchoSocket, which hands over those quoting UDP or TCP; a
// TCP destination's SYN-ACK or RST comes on the raw TCP socket, open only while a TCP probe waits.
// Round-trip times are the kernel's receive stamp minus the clock at sendto, as EchoSocket's.
// It knows nothing of paths: it sends one probe and says what came back, as EchoSocket does.

import { canonicalIp } from "../runtime/address.js";
import type { EchoOutcome, EchoSocket } from "./echo-socket.js";
import { ipPacketSize, parseTcpAnswer, tcpSyn, UDP_HEADER, udpProbe } from "./flow-packet.js";
import type { IcmpMessage } from "./icmp-packet.js";
import { type PacketPacer, paced } from "./packet-pacer.js";
import {
  IP_MTU_DISCOVER,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_DONTFRAG,
  IPV6_MTU_DISCOVER,
  PMTUDISC_PROBE,
  type RawSocket,
  RECV_BYTES,
  RECV_TIME,
  rawSocketOpener,
  SO_RCVBUF,
  SOL_SOCKET,
} from "./raw-socket.js";

export type FlowMethod = "udp" | "tcp";

export interface FlowProbe {
  /** Canonical text (canonicalIp). */
  readonly destination: string;
  /** The local address the kernel sends from (for the checksum). */
  readonly source: string;
  readonly ttl: number;
  readonly method: FlowMethod;
  /** TCP: the port found open. */
  readonly port?: number;
  /** The probe's source port: one per trace keeps the flow (and a load balancer's choice) fixed. */
  readonly sourcePort: number;
  /** Size of the whole IP packet (UDP only, for the path MTU); the smallest when unset. */
  readonly packetSize?: number;
  readonly timeoutMs: number;
}

const FIRST_PORT = 33_435;
const PORTS = 16_384;

interface Pending {
  /** The socket's clock read right before sendto (raw-socket.ts), in ms. */
  sentAt: number;
  readonly timer: NodeJS.Timeout;
  readonly method: FlowMethod;
  resolve(outcome: EchoOutcome): void;
}

export class FlowSocket {
  private readonly sockets = new Map<FlowMethod, RawSocket>();
  private readonly pending = new Map<string, Pending>();
  /** Tags used so far per flow (destination, method, source port). */
  private readonly tags = new Map<string, number>();
  private readonly receiveBuffer = Buffer.alloc(65_536);
  private readonly receiveMeta = new Float64Array(3);
  private nextPort = Math.floor(Math.random() * PORTS);
  private tcpWaiting = 0;
  private closed = false;

  constructor(
    readonly family: 4 | 6,
    private readonly limiter: PacketPacer,
    private readonly echo: EchoSocket,
  ) {
    echo.onFlowError = (message, receivedAt) => this.onError(message, receivedAt);
  }

  /** A source port for one flow (a trace, or one path MTU probe). */
  allocatePort(): number {
    this.nextPort = (this.nextPort + 1) % PORTS;
    return FIRST_PORT + this.nextPort;
  }

  probe(probe: FlowProbe): Promise<EchoOutcome> {
    if (this.closed) return Promise.resolve({ kind: "send-failed", reason: "socket closed" });
    const flow = `${probe.destination}|${probe.method}|${probe.sourcePort}`;
    const used = (this.tags.get(flow) ?? 0) + 1;
    this.tags.set(flow, used);
    // UDP: the length is the tag (fixed by the size for the path MTU, whose probes each get a port).
    const length = probe.packetSize ? probe.packetSize - ipPacketSize(this.family, 0) : UDP_HEADER + used;
    const tag = probe.method === "udp" ? length : (used * 0x01000193) >>> 0;
    const key = `${flow}|${tag}`;
    return paced(this.limiter, probe.destination).then(
      () =>
        new Promise<EchoOutcome>((resolve) => {
          const addresses = {
            family: this.family,
            source: canonicalIp(probe.source),
            destination: probe.destination,
          };
          const packet =
            probe.method === "udp"
              ? udpProbe(addresses, probe.sourcePort, length)
              : tcpSyn(addresses, probe.sourcePort, probe.port ?? 80, tag);
          let socket: RawSocket;
          try {
            socket = this.socket(probe.method);
          } catch (error) {
            resolve({ kind: "send-failed", reason: (error as Error).message });
            return;
          }
          const timer = setTimeout(() => this.expire(key), probe.timeoutMs);
          const entry: Pending = { sentAt: 0, timer, method: probe.method, resolve };
          this.pending.set(key, entry);
          if (probe.method === "tcp") this.tcpWaiting++;
          try {
            // The TTL goes with the send: the addon sets it only when it changes.
            entry.sentAt = socket.send(packet, 0, packet.length, probe.destination, probe.ttl);
          } catch (error) {
            this.finish(key, { kind: "send-failed", reason: (error as Error).message });
          }
        }),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const key of [...this.pending.keys()])
      this.finish(key, { kind: "send-failed", reason: "socket closed" });
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }

  private socket(method: FlowMethod): RawSocket {
    let socket = this.sockets.get(method);
    if (socket) return socket;
    socket = rawSocketOpener()(method === "udp" ? 17 : 6, this.family);
    if (this.family === 4) socket.setOption(IPPROTO_IP, IP_MTU_DISCOVER, PMTUDISC_PROBE);
    else {
      socket.setOption(IPPROTO_IPV6, IPV6_MTU_DISCOVER, PMTUDISC_PROBE);
      socket.setOption(IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    }
    // Answers to UDP probes are ICMP errors (the EchoSocket's); the copies of every UDP
    // datagram this raw socket would queue are never read, and it is never watched.
    if (method === "udp") socket.setOption(SOL_SOCKET, SO_RCVBUF, 1);
    else socket.onReadable(() => this.drainTcp());
    this.sockets.set(method, socket);
    return socket;
  }

  /** Reads the SYN-ACKs and RSTs queued on the TCP socket. */
  private drainTcp(): void {
    const socket = this.sockets.get("tcp");
    if (!socket) return;
    const meta = this.receiveMeta;
    for (;;) {
      let source: string | null;
      try {
        source = socket.recv(this.receiveBuffer, meta);
      } catch {
        return; // A socket error, reported once; what is queued waits for the next event.
      }
      if (source === null) return; // Nothing more queued.
      const answer = parseTcpAnswer(
        this.family,
        this.receiveBuffer.subarray(0, meta[RECV_BYTES]),
        source.includes(".") && this.family === 6 ? canonicalIp(source) : source,
      );
      if (!answer) continue;
      const key = `${answer.from}|tcp|${answer.sourcePort}|${answer.tag}`;
      const entry = this.pending.get(key);
      if (entry)
        this.finish(key, {
          kind: "reply",
          from: answer.from,
          rttMs: Math.max(0, meta[RECV_TIME]! - entry.sentAt),
        });
    }
  }

  private onError(message: Extract<IcmpMessage, { kind: "flow-error" }>, receivedAt: number): void {
    const { quoted } = message;
    const key = `${quoted.destination}|${quoted.protocol}|${quoted.sourcePort}|${quoted.tag}`;
    const entry = this.pending.get(key);
    if (!entry) return;
    this.finish(key, {
      kind: "error",
      error: message.error,
      code: message.code,
      from: message.from,
      mtu: message.mtu,
      rttMs: Math.max(0, receivedAt - entry.sentAt),
    });
  }

  /** Judged only after what already arrived was read: a busy loop runs timers before I/O. */
  private expire(key: string): void {
    this.echo.drainNow();
    this.drainTcp();
    this.finish(key, { kind: "timeout" });
  }

  private finish(key: string, outcome: EchoOutcome): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    clearTimeout(entry.timer);
    if (entry.method === "tcp" && --this.tcpWaiting === 0) {
      // Every TCP segment of the machine is copied to a raw TCP socket: keep it only while needed.
      this.sockets.get("tcp")?.close();
      this.sockets.delete("tcp");
    }
    entry.resolve(outcome);
  }
}
