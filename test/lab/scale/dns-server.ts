// Synthetic authoritative DNS server of scale mode: answers every generated domain d<N>.<tld>
// from rule.ts over UDP and TCP, authoritatively, with no zone files and no state, so 1M domains
// cost nothing to "load". Works in a namespace or on loopback in the root namespace. This file is
// the server process only: the answers are fast-answer.ts's (bytes written by hand for the
// questions a crawl asks) or packet-answer.ts's (dns-packet, the rest). SIGUSR2 prints the
// answers given and the CPU time spent, to measure the cost.
// Usage: node --import tsx test/lab/scale/dns-server.ts --address 127.0.0.1 --port 5353
//          --count 1000000 [--tlds com,net,...] [--workers 2] [--ready-file PATH] [--role parent]
// --role parent makes it the root of a hierarchy instead (delegation.ts): referrals to the children.
import cluster from "node:cluster";
import { createSocket } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { realpathSync, writeFileSync } from "node:fs";
import { createServer, isIP } from "node:net";
import { parseArgs } from "node:util";
import { parentAnswer } from "./delegation.js";
import { answer } from "./fast-answer.js";
import { DEFAULT_TLDS, type World } from "./rule.js";

interface Options {
  world: World;
  address: string;
  port: number;
  workers: number;
  readyFile: string | undefined;
  role: "authoritative" | "parent";
}

/**
 * dns.lookup for dgram: the addresses it sends to are the peers' literals, passed back at once
 * (dns.lookup answers a literal on the next tick) and checked once while the same peer asks.
 */
let lastLiteral = "";
let lastFamily = 0;
function literalLookup(
  host: string,
  options: LookupOneOptions | number,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (host !== lastLiteral) {
    const family = isIP(host);
    if (family === 0) {
      dnsLookup(host, typeof options === "number" ? { family: options } : options, callback);
      return;
    }
    lastLiteral = host;
    lastFamily = family;
  }
  callback(null, host, lastFamily);
}

let answered = 0;

function serve({ world, address, port, readyFile, role }: Options): void {
  const respond =
    role === "parent"
      ? (query: Buffer, udp: boolean) => parentAnswer(world, query, udp, address)
      : (query: Buffer, udp: boolean) => answer(world, query, udp);
  const udp = createSocket({
    type: isIP(address) === 6 ? "udp6" : "udp4",
    reuseAddr: true,
    lookup: literalLookup,
    // Each queued datagram costs ~1 KB of the receive buffer whatever its size: the default 208 KB
    // drops bursts of a few hundred queries. The kernel caps this at net.core.rmem_max.
    recvBufferSize: 1 << 22,
  });
  // One small copy per answer, out of Node's buffer pool: dgram may send after this returns.
  udp.on("message", (query, peer) => {
    answered++;
    const out = respond(query, true);
    if (out) udp.send(out, peer.port, peer.address);
  });
  const tcp = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const len = buffer.readUInt16BE(0);
        answered++;
        const out = respond(buffer.subarray(2, 2 + len), false);
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
      if (readyFile) writeFileSync(readyFile, `${process.pid}\n`);
      process.stdout.write(`scale dns: ${world.count} domains on ${address} port ${port}\n`);
    } else process.send?.("ready");
  };
  udp.bind(port, address, ready);
  tcp.listen({ host: address, port }, ready);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      address: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "5353" },
      count: { type: "string", default: "100000" },
      tlds: { type: "string", default: DEFAULT_TLDS.join(",") },
      workers: { type: "string", default: "1" },
      "ready-file": { type: "string" },
      role: { type: "string", default: "authoritative" },
    },
  });
  const options: Options = {
    world: { count: Number(values.count), tlds: values.tlds!.split(",") },
    address: values.address!,
    port: Number(values.port),
    workers: Number(values.workers),
    readyFile: values["ready-file"],
    role: values.role === "parent" ? "parent" : "authoritative",
  };
  process.on("SIGUSR2", () => {
    const { user, system } = process.cpuUsage();
    process.stderr.write(
      `scale dns ${process.pid}: ${answered} answers, cpu ${Math.round((user + system) / 1000)} ms\n`,
    );
  });
  if (options.workers > 1 && cluster.isPrimary) {
    let readyCount = 0;
    for (let i = 0; i < options.workers; i++) {
      cluster.fork().on("message", () => {
        if (++readyCount === options.workers) {
          if (options.readyFile) writeFileSync(options.readyFile, `${process.pid}\n`);
          process.stdout.write(
            `scale dns: ${options.world.count} domains on ${options.address} port ${options.port}, ` +
              `${options.workers} workers\n`,
          );
        }
      });
    }
    process.on("SIGTERM", () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
  } else {
    serve(options);
    process.on("SIGTERM", () => process.exit(0));
  }
}

// Started as a program (or as a cluster worker, which runs the same file), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === import.meta.filename) main();
