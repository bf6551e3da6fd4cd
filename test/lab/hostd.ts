// The lab's hosts: one process per site namespace that listens on each address:port the
// scenario declares open (HTTP on 80, TLS on 443, SMTP on 25 with or without STARTTLS, or an
// SMTP server that greets and then stalls; NTP on UDP 123, a server or a kiss-o'-death). Closed ports are simply not bound (the kernel
// resets); filtered ports and dropped pings are nft rules set by netns.ts, not here.
// Usage: node --import tsx test/lab/hostd.ts <config.json>
import { createSocket } from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, isIPv6, type Socket } from "node:net";
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContext,
  TLSSocket,
} from "node:tls";
import { ntpReply } from "./ntp-responder.js";

export type ListenerKind =
  | "http"
  | "https"
  | "smtp-starttls"
  | "smtp-plain"
  | "smtp-stall"
  | "ntp"
  | "ntp-kiss";

export interface HostdConfig {
  tlsKey: string;
  tlsCert: string;
  readyFile: string;
  /** listen(2) backlog; 511 (Node's default) unless set. Scale mode raises it with somaxconn. */
  backlog?: number;
  listeners: Array<{ address: string; port: number; kind: ListenerKind; name: string }>;
}

function serveHttp(socket: Socket, name: string): void {
  socket.once("data", () => {
    const body = `lab host ${name}\n`;
    socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
}

/** A line-at-a-time SMTP dialogue (RFC 5321), enough for greeting, EHLO, STARTTLS and QUIT. */
function serveSmtp(socket: Socket, name: string, starttls: boolean, context: SecureContext): void {
  let buffer = "";
  let secure = false;
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString("latin1");
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") {
        const ext = starttls && !secure ? ["STARTTLS"] : [];
        const lines = [name, "SIZE 10240000", ...ext, "8BITMIME"];
        socket.write(lines.map((l, i) => `250${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join(""));
      } else if (verb === "HELO") socket.write(`250 ${name}\r\n`);
      else if (verb === "STARTTLS" && starttls && !secure) {
        socket.write("220 2.0.0 Ready to start TLS\r\n");
        socket.off("data", onData);
        // One context for every handshake: building one per connection (key and cert
        // parsed again) was most of the server's CPU at scale.
        const secured = new TLSSocket(socket, { isServer: true, secureContext: context });
        secured.on("error", () => secured.destroy());
        secure = true;
        buffer = "";
        secured.on("data", onData);
        socket = secured;
        return;
      } else if (verb === "QUIT") {
        socket.end("221 2.0.0 Bye\r\n");
        return;
      } else if (verb === "NOOP" || verb === "RSET") socket.write("250 2.0.0 OK\r\n");
      else socket.write("502 5.5.2 Command not implemented\r\n");
      nl = buffer.indexOf("\n");
    }
  };
  socket.on("data", onData);
  socket.write(`220 ${name} ESMTP lab\r\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as HostdConfig;
  const tls = { key: readFileSync(config.tlsKey), cert: readFileSync(config.tlsCert) };
  const context = createSecureContext(tls);
  const listening = config.listeners.map(
    (l) =>
      new Promise<void>((resolve, reject) => {
        if (l.kind === "ntp" || l.kind === "ntp-kiss") {
          const socket = createSocket(isIPv6(l.address) ? "udp6" : "udp4");
          const kiss = l.kind === "ntp-kiss";
          socket.on("message", (request, from) => {
            const reply = ntpReply(request, Date.now(), kiss, () => Date.now());
            if (reply) socket.send(reply, from.port, from.address);
          });
          socket.once("error", (err) =>
            reject(new Error(`hostd: ${l.address} udp ${l.port}: ${err.message}`)),
          );
          socket.bind(l.port, l.address, () => resolve());
          return;
        }
        const server =
          l.kind === "https"
            ? createTlsServer(tls, (s) => serveHttp(s, l.name))
            : createServer((s) => {
                s.on("error", () => s.destroy());
                if (l.kind === "http") serveHttp(s, l.name);
                else if (l.kind === "smtp-stall") s.write(`220 ${l.name} ESMTP lab\r\n`);
                else serveSmtp(s, l.name, l.kind === "smtp-starttls", context);
              });
        server.on("tlsClientError", () => {});
        server.once("error", (err) =>
          reject(new Error(`hostd: ${l.address} port ${l.port}: ${err.message}`)),
        );
        server.listen({ host: l.address, port: l.port, backlog: config.backlog ?? 511 }, resolve);
      }),
  );
  await Promise.all(listening);
  writeFileSync(config.readyFile, `${process.pid}\n`);
  process.on("SIGTERM", () => process.exit(0));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
