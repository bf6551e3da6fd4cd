// Synthetic authoritative DNS server of scale mode: answers every generated domain d<N>.<tld>
// from rule.ts over UDP and TCP, authoritatively, with no zone files and no state, so 1M domains
// cost nothing to "load". Works in a namespace or on loopback in the root namespace.
// Usage: node --import tsx test/lab/scale/dns-server.ts --address 127.0.0.1 --port 5353
//          --count 1000000 [--tlds com,net,...] [--workers 2] [--ready-file PATH]
import cluster from "node:cluster";
import { createSocket } from "node:dgram";
import { writeFileSync } from "node:fs";
import { createServer, isIP } from "node:net";
import { parseArgs } from "node:util";
import * as dnsPacket from "dns-packet";
import { DEFAULT_TLDS, lookup, type RecordType, type RR, type World } from "./rule.js";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5353" },
    count: { type: "string", default: "100000" },
    tlds: { type: "string", default: DEFAULT_TLDS.join(",") },
    workers: { type: "string", default: "1" },
    "ready-file": { type: "string" },
  },
});
const world: World = { count: Number(values.count), tlds: values.tlds!.split(",") };
const TYPES = new Set<string>(["A", "AAAA", "MX", "NS", "SOA", "PTR"]);
const NXDOMAIN = 3;
const NOTIMP = 4;

function toAnswer(rr: RR): dnsPacket.Answer {
  return { name: rr.name, type: rr.type, ttl: 3600, class: "IN", data: rr.data } as dnsPacket.Answer;
}

/** The enclosing generated domain's SOA for negative answers (RFC 2308), when there is one. */
function negativeSoa(name: string): dnsPacket.Answer[] {
  const apex = /(?:^|\.)(d\d+\.[a-z]+)$/.exec(name)?.[1];
  if (!apex) return [];
  const soa = lookup(world, apex, "SOA");
  return soa === "NXDOMAIN" ? [] : soa.map((rr) => ({ ...toAnswer(rr), ttl: 300 }));
}

export function answer(query: Buffer, udp: boolean): Buffer | undefined {
  let q: dnsPacket.Packet;
  try {
    q = dnsPacket.decode(query);
  } catch {
    return undefined;
  }
  const question = q.questions?.[0];
  if (!question) return undefined;
  const name = question.name.toLowerCase().replace(/\.$/, "");
  let flags = dnsPacket.AUTHORITATIVE_ANSWER | ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
  let answers: dnsPacket.Answer[] = [];
  let authorities: dnsPacket.Answer[] = [];
  if (!TYPES.has(question.type)) {
    const any = lookup(world, name, "A");
    if (any === "NXDOMAIN") flags |= NXDOMAIN;
    else if (question.type !== "TXT" && question.type !== "CNAME") flags |= NOTIMP;
  } else {
    const result = lookup(world, name, question.type as RecordType);
    if (result === "NXDOMAIN") {
      flags |= NXDOMAIN;
      authorities = negativeSoa(name);
    } else if (result.length === 0) authorities = negativeSoa(name);
    else answers = result.map(toAnswer);
  }
  const edns = q.additionals?.some((a) => a.type === "OPT");
  const response = (a: dnsPacket.Answer[], f: number) =>
    dnsPacket.encode({
      id: q.id,
      type: "response",
      flags: f,
      questions: [question],
      answers: a,
      authorities: a.length === 0 ? authorities : [],
      additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: 1232 } as dnsPacket.Answer] : [],
    });
  const out = response(answers, flags);
  if (udp && out.length > (edns ? 1232 : 512)) return response([], flags | dnsPacket.TRUNCATED_RESPONSE);
  return out;
}

function serve(): void {
  const address = values.address!;
  const port = Number(values.port);
  const udp = createSocket({ type: isIP(address) === 6 ? "udp6" : "udp4", reuseAddr: true });
  udp.on("message", (msg, peer) => {
    const out = answer(msg, true);
    if (out) udp.send(out, peer.port, peer.address);
  });
  const tcp = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const len = buffer.readUInt16BE(0);
        const out = answer(buffer.subarray(2, 2 + len), false);
        buffer = buffer.subarray(2 + len);
        if (out) {
          const frame = Buffer.alloc(2 + out.length);
          frame.writeUInt16BE(out.length, 0);
          out.copy(frame, 2);
          socket.write(frame);
        }
      }
    });
  });
  let pending = 2;
  const ready = () => {
    if (--pending > 0) return;
    if (cluster.isPrimary) {
      if (values["ready-file"]) writeFileSync(values["ready-file"], `${process.pid}\n`);
      process.stdout.write(`scale dns: ${world.count} domains on ${address} port ${port}\n`);
    } else process.send?.("ready");
  };
  udp.bind(port, address, ready);
  tcp.listen({ host: address, port }, ready);
}

const workers = Number(values.workers);
if (workers > 1 && cluster.isPrimary) {
  let readyCount = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on("message", () => {
      if (++readyCount === workers) {
        if (values["ready-file"]) writeFileSync(values["ready-file"], `${process.pid}\n`);
        process.stdout.write(
          `scale dns: ${world.count} domains on ${values.address} port ${values.port}, ${workers} workers\n`,
        );
      }
    });
  }
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  serve();
  process.on("SIGTERM", () => process.exit(0));
}
