// A stub DNS client for a crawl: UDP with EDNS0 (1232-byte buffer), TCP when an
// answer is truncated, random ids on a pool of sockets with random source
// ports, answers accepted only when id, question and source match, timeouts
// and retries across the configured name servers, a cap on questions in
// flight, CNAME chains followed. Every question ends in a closed outcome; it
// never throws for what the network did. It does no caching: the crawl asks
// each question once.

import { createSocket, type Socket } from "node:dgram";
import { isIP, Socket as TcpSocket } from "node:net";
import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from "dns-packet";
import { Counter } from "prom-client";
import { type Endpoint, formatEndpoint } from "../runtime/config.js";
import { registry } from "../runtime/metrics.js";

export type Outcome =
  | "OK"
  | "NODATA"
  | "NXDOMAIN"
  | "SERVFAIL"
  | "REFUSED"
  | "TIMEOUT"
  | "MALFORMED"
  | "OTHER";

export interface DnsAnswer {
  readonly outcome: Outcome;
  /** The RCODE of the last answer (0 when none came). */
  readonly rcode: number;
  /** Records of the asked type, at the end of any CNAME chain. */
  readonly records: Answer[];
  /** Names met on the way, in order, when the name was an alias. */
  readonly cnameChain: string[];
  readonly server: string;
  readonly rttMs: number;
  readonly tcp: boolean;
}

export interface DnsClientOptions {
  readonly servers: readonly Endpoint[];
  readonly timeoutMs: number;
  /** Further tries after the first, each on the next server. */
  readonly retries: number;
  readonly maxInFlight: number;
  /** UDP sockets per family; each has its own random source port. */
  readonly sockets?: number;
}

const dropped = new Counter({
  name: "ipv6matrix_dns_answers_dropped_total",
  help: "UDP answers dropped: unparseable, unknown id, wrong source or wrong question.",
  labelNames: ["why"],
  registers: [registry],
});

const rcodes: Record<string, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};
const MAX_CNAME_CHAIN = 8;

interface Pending {
  readonly name: string;
  readonly type: RecordType;
  readonly server: Endpoint;
  readonly resolve: (packet: DecodedPacket | "malformed") => void;
  readonly timer: NodeJS.Timeout;
}

class UdpPool {
  private readonly sockets: Socket[] = [];
  private readonly pending: Map<number, Pending>[] = [];
  private next = 0;

  constructor(family: 4 | 6, count: number) {
    for (let i = 0; i < count; i++) {
      const socket = createSocket({ type: family === 4 ? "udp4" : "udp6" });
      const pending = new Map<number, Pending>();
      socket.on("message", (message, remote) => this.receive(pending, message, remote.address, remote.port));
      socket.on("error", () => {});
      socket.bind(0);
      socket.unref();
      this.sockets.push(socket);
      this.pending.push(pending);
    }
  }

  send(
    name: string,
    type: RecordType,
    server: Endpoint,
    timeoutMs: number,
  ): Promise<DecodedPacket | "malformed" | "timeout"> {
    const index = this.next++ % this.sockets.length;
    const pending = this.pending[index]!;
    let id = (Math.random() * 0x10000) | 0;
    while (pending.has(id)) id = (id + 1) & 0xffff;
    const query = dnsPacket.encode({
      type: "query",
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name }],
      additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232 } as unknown as Answer],
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve("timeout");
      }, timeoutMs);
      pending.set(id, {
        name,
        type,
        server,
        timer,
        resolve: (packet) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(packet);
        },
      });
      this.sockets[index]!.send(query, server.port, server.host, (error) => {
        if (error && pending.get(id)?.timer === timer) pending.get(id)!.resolve("malformed");
      });
    });
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }

  private receive(pending: Map<number, Pending>, message: Buffer, address: string, port: number): void {
    if (message.length < 12) {
      dropped.inc({ why: "short" });
      return;
    }
    const waiting = pending.get(message.readUInt16BE(0));
    if (!waiting) {
      dropped.inc({ why: "unknown_id" });
      return;
    }
    if (port !== waiting.server.port || !sameAddress(address, waiting.server.host)) {
      dropped.inc({ why: "wrong_source" });
      return;
    }
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(message);
    } catch {
      // Ours by id and source, but unreadable: an answer, and a malformed one.
      dropped.inc({ why: "unparseable" });
      waiting.resolve("malformed");
      return;
    }
    const question = packet.questions?.[0];
    if (
      !packet.flag_qr ||
      !question ||
      question.type !== waiting.type ||
      question.name.toLowerCase() !== waiting.name.toLowerCase()
    ) {
      dropped.inc({ why: "wrong_question" });
      return;
    }
    waiting.resolve(packet);
  }
}

function sameAddress(a: string, b: string): boolean {
  return a === b || a.replace(/^::ffff:/, "") === b.replace(/^::ffff:/, "");
}

function tcpQuery(
  name: string,
  type: RecordType,
  server: Endpoint,
  timeoutMs: number,
): Promise<DecodedPacket | "malformed" | "timeout"> {
  return new Promise((resolve) => {
    const id = (Math.random() * 0x10000) | 0;
    const socket = new TcpSocket();
    let buffer = Buffer.alloc(0);
    const finish = (result: DecodedPacket | "malformed" | "timeout") => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish("timeout"));
    socket.on("error", () => finish("timeout"));
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
      try {
        const packet = dnsPacket.decode(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
        finish(packet.id === id ? packet : "malformed");
      } catch {
        finish("malformed");
      }
    });
    socket.connect(server.port, server.host, () => {
      socket.write(
        dnsPacket.streamEncode({
          type: "query",
          id,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ type, name }],
        }),
      );
    });
  });
}

export class DnsClient {
  private readonly pools: Partial<Record<4 | 6, UdpPool>> = {};
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private rotation = 0;

  constructor(private readonly options: DnsClientOptions) {
    if (options.servers.length === 0) throw new Error("DNS client: no name server configured");
    for (const server of options.servers) {
      const family = isIP(server.host) === 6 ? 6 : 4;
      this.pools[family] ??= new UdpPool(family, options.sockets ?? 8);
    }
  }

  /** Asks one question, following a CNAME chain; never throws for network outcomes. */
  async query(name: string, type: RecordType): Promise<DnsAnswer> {
    const chain: string[] = [];
    let current = name;
    for (;;) {
      const answer = await this.ask(current, type);
      if (answer.outcome !== "OK" && answer.outcome !== "NODATA") return { ...answer, cnameChain: chain };
      const packet = answer.packet!;
      // Walk the chain as the answer section gives it (a recursive resolver includes it).
      let target = current.toLowerCase();
      for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
        const alias = packet.answers?.find((r) => r.type === "CNAME" && r.name.toLowerCase() === target);
        if (!alias) break;
        target = String((alias as { data: unknown }).data).toLowerCase();
        chain.push(target);
      }
      const records = (packet.answers ?? []).filter(
        (r) => r.type === type && r.name.toLowerCase() === target,
      );
      if (records.length > 0 || target === current.toLowerCase() || type === "CNAME")
        return { ...answer, outcome: records.length > 0 ? "OK" : "NODATA", records, cnameChain: chain };
      // The chain ended at a name the answer did not resolve: ask for it.
      if (chain.length > MAX_CNAME_CHAIN)
        return { ...answer, outcome: "MALFORMED", records: [], cnameChain: chain };
      current = target;
    }
  }

  close(): void {
    for (const pool of Object.values(this.pools)) pool.close();
  }

  private async ask(name: string, type: RecordType): Promise<DnsAnswer & { packet?: DecodedPacket }> {
    while (this.inFlight >= this.options.maxInFlight)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      const servers = this.options.servers;
      const first = this.rotation++ % servers.length;
      let last: DnsAnswer & { packet?: DecodedPacket } = this.failure("TIMEOUT", servers[first]!, 0, false);
      for (let attempt = 0; attempt <= this.options.retries; attempt++) {
        const server = servers[(first + attempt) % servers.length]!;
        const started = performance.now();
        let tcp = false;
        const pool = this.pools[isIP(server.host) === 6 ? 6 : 4]!;
        let result = await pool.send(name, type, server, this.options.timeoutMs);
        if (typeof result !== "string" && result.flag_tc) {
          tcp = true;
          result = await tcpQuery(name, type, server, this.options.timeoutMs);
        }
        const rtt = performance.now() - started;
        if (result === "timeout" || result === "malformed") {
          last = this.failure(result === "timeout" ? "TIMEOUT" : "MALFORMED", server, rtt, tcp);
          continue;
        }
        const rcodeName = (result as unknown as { rcode: string }).rcode;
        const rcode = rcodes[rcodeName] ?? -1;
        const outcome: Outcome =
          rcode === 0
            ? "OK"
            : rcode === 3
              ? "NXDOMAIN"
              : rcode === 2
                ? "SERVFAIL"
                : rcode === 5
                  ? "REFUSED"
                  : "OTHER";
        return {
          outcome,
          rcode: Math.max(rcode, 0),
          records: [],
          cnameChain: [],
          server: formatEndpoint(server),
          rttMs: rtt,
          tcp,
          packet: result,
        };
      }
      return last;
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private failure(outcome: Outcome, server: Endpoint, rttMs: number, tcp: boolean): DnsAnswer {
    return { outcome, rcode: 0, records: [], cnameChain: [], server: formatEndpoint(server), rttMs, tcp };
  }
}
