// The lab's hosts: one process per site namespace that listens on each address:port the
// scenario declares open (HTTP on 80, TLS on 443, SMTP on 25 with or without STARTTLS, or an
// SMTP server that greets and then stalls; NTP on UDP 123, a server or a kiss-o'-death). Closed
// ports are simply not bound (the kernel resets); filtered ports and dropped pings are nft rules
// set by netns.ts, not here. An address may declare its web behaviour (issue 19's same-site
// cases): another page body, another status, the other certificate, a redirect of "/", a random
// nonce per response.
// Usage: node --import tsx test/lab/hostd.ts <config.json>
import { randomBytes } from "node:crypto";
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

/** How an address's web server answers (scenario key `web`); each unset part is the default. */
export interface WebBehaviour {
  /** The page instead of "lab host <name>". */
  body?: string;
  /** The status of the page (default 200). */
  status?: number;
  /** The certificate on 443: the lab's (default) or the other one. */
  cert?: "lab" | "other";
  /** "/" answers 301 to this Location; every other path gets the page. */
  redirect?: string;
  /** The page carries a script nonce and a CSRF token, random in every response. */
  nonce?: boolean;
}

export interface HostdConfig {
  tlsKey: string;
  tlsCert: string;
  /** The other certificate (WebBehaviour.cert "other"). */
  otherTlsKey?: string;
  otherTlsCert?: string;
  readyFile: string;
  /** listen(2) backlog; 511 (Node's default) unless set. Scale mode raises it with somaxconn. */
  backlog?: number;
  listeners: Array<{ address: string; port: number; kind: ListenerKind; name: string; web?: WebBehaviour }>;
}

const REASONS: Record<number, string> = {
  200: "OK",
  301: "Moved Permanently",
  302: "Found",
  404: "Not Found",
  503: "Service Unavailable",
};

/** One response to the request that opens the connection (its path decides), then close. */
function serveHttp(socket: Socket, name: string, web: WebBehaviour = {}): void {
  let head = "";
  const onData = (chunk: Buffer) => {
    head += chunk.toString("latin1");
    if (!head.includes("\r\n\r\n") && head.length < 8192) return;
    socket.off("data", onData);
    const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? "/";
    if (web.redirect !== undefined && path === "/") {
      socket.end(
        `HTTP/1.1 301 Moved Permanently\r\nLocation: ${web.redirect}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    let body = web.body ?? `lab host ${name}\n`;
    if (web.nonce) {
      const nonce = randomBytes(12).toString("base64");
      const token = randomBytes(16).toString("hex");
      body = `<html><head><script nonce="${nonce}">start()</script></head><body>${body}<form><input type="hidden" name="csrf_token" value="${token}"></form></body></html>\n`;
    }
    const status = web.status ?? 200;
    const length = Buffer.byteLength(body);
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  socket.on("data", onData);
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
  const other =
    config.otherTlsKey && config.otherTlsCert
      ? { key: readFileSync(config.otherTlsKey), cert: readFileSync(config.otherTlsCert) }
      : tls;
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
            ? createTlsServer(l.web?.cert === "other" ? other : tls, (s) => {
                s.on("error", () => s.destroy());
                serveHttp(s, l.name, l.web);
              })
            : createServer((s) => {
                s.on("error", () => s.destroy());
                if (l.kind === "http") serveHttp(s, l.name, l.web);
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
