// A scriptable DNS server on loopback for the resolver's tests: silent,
// well-behaved or hostile, over UDP (and TCP when asked), deciding per query
// what to send back and from which port. Stopped on dispose.

import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import dnsPacket, { type DecodedPacket } from "dns-packet";

export interface Query {
  readonly raw: Buffer;
  /** Undefined when the bytes were not a readable query. */
  readonly packet: DecodedPacket | undefined;
  readonly from: RemoteInfo;
  readonly tcp: boolean;
}

export interface Replies {
  /** Sends bytes back to the asker from the server's port. */
  send(bytes: Uint8Array): void;
  /** Sends bytes from another port of the same address (a spoofing attempt, RFC 5452). */
  sendFromOtherPort(bytes: Uint8Array): void;
}

export type Handler = (query: Query, reply: Replies) => void;

export interface FakeServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly endpoint: { host: string; port: number };
  readonly queries: Query[];
  stop(): Promise<void>;
}

/** The well-formed answer to a query, with `answers` (and any other fields) as given. */
export function answerTo(query: DecodedPacket, fields: Partial<dnsPacket.Packet> = {}): Buffer {
  return dnsPacket.encode({
    type: "response",
    id: query.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: query.questions,
    answers: [],
    ...fields,
  });
}

export async function startFakeServer(
  handler: Handler,
  options: { host?: string; tcp?: boolean } = {},
): Promise<FakeServer> {
  const host = options.host ?? "127.0.0.1";
  const type = host.includes(":") ? "udp6" : "udp4";
  const udp: Socket = createSocket(type);
  const other: Socket = createSocket(type);
  const queries: Query[] = [];
  const decode = (raw: Buffer) => {
    try {
      return dnsPacket.decode(raw);
    } catch {
      return undefined;
    }
  };
  udp.on("message", (raw, from) => {
    const query = { raw, packet: decode(raw), from, tcp: false };
    queries.push(query);
    handler(query, {
      send: (bytes) => udp.send(bytes, from.port, from.address),
      sendFromOtherPort: (bytes) => other.send(bytes, from.port, from.address),
    });
  });
  await new Promise<void>((resolve) => udp.bind(0, host, resolve));
  await new Promise<void>((resolve) => other.bind(0, host, resolve));
  const port = udp.address().port;
  let tcp: Server | undefined;
  const connections = new Set<TcpSocket>();
  if (options.tcp) {
    tcp = createServer((socket) => {
      connections.add(socket);
      socket.on("close", () => connections.delete(socket));
      socket.on("error", () => socket.destroy());
      let buffer = Buffer.alloc(0);
      socket.on("data", (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
        const raw = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
        const from = {
          address: socket.remoteAddress ?? "",
          port: socket.remotePort ?? 0,
          family: "",
          size: 0,
        };
        const query = { raw, packet: decode(raw), from: from as RemoteInfo, tcp: true };
        queries.push(query);
        const frame = (bytes: Uint8Array) => {
          const out = Buffer.alloc(2 + bytes.length);
          out.writeUInt16BE(bytes.length, 0);
          Buffer.from(bytes).copy(out, 2);
          socket.end(out);
        };
        handler(query, { send: frame, sendFromOtherPort: frame });
      });
    });
    await new Promise<void>((resolve) => tcp!.listen(port, host, resolve));
  }
  const stop = async () => {
    for (const socket of connections) socket.destroy();
    await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    await new Promise<void>((resolve) => other.close(() => resolve()));
  };
  return { host, port, endpoint: { host, port }, queries, stop, [Symbol.asyncDispose]: stop };
}
