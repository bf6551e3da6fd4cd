// The SMTP probe on port 25 (SPEC 4 tcp25 and tls): connect, greeting, EHLO, then STARTTLS
// when offered (RFC 3207) and a TLS handshake, where a certificate that does not match still
// counts as TLS. Every step's outcome is kept. One deadline covers the whole dialogue, so a
// server that stalls costs at most the SMTP timeout. No mail is ever sent.

import { connect, type Socket } from "node:net";
import { createSecureContext, type SecureContext, type TLSSocket, connect as tlsConnect } from "node:tls";
import { PortState } from "../../gen/ipv6matrix/v1/common.js";
import type { SmtpStep } from "../../gen/ipv6matrix/v1/work.js";
import { ehloKeywords, type ParsedReply, SmtpReplyParser } from "./smtp-reply.js";
import { LocalResourceError, portStateOf } from "./tcp.js";

export interface SmtpOptions {
  readonly timeoutMs: number;
  /** Try STARTTLS and the handshake (metric tls). */
  readonly tls: boolean;
  /** 25; tests point it elsewhere on loopback. */
  readonly port?: number;
}

export interface SmtpOutcome {
  readonly tcp25: PortState;
  readonly starttls: boolean;
  readonly starttlsOffered: boolean;
  readonly tlsVersion: string;
  readonly steps: SmtpStep[];
}

// One context for every handshake: building one per connection (the default) re-reads the CA
// roots each time and was the largest CPU cost of the probe. No roots are needed: nothing is verified.
let sharedContext: SecureContext | undefined;

type Event = ParsedReply | { kind: "timeout" } | { kind: "closed" } | { kind: "reset"; detail: string };

/** One connection's replies as a queue of events, whichever socket (plain or TLS) carries them. */
class Dialogue {
  private readonly parser = new SmtpReplyParser();
  private readonly events: Event[] = [];
  private waiter: ((event: Event) => void) | undefined;
  private ended: Event | undefined;

  listen(socket: Socket | TLSSocket): void {
    socket.on("data", (chunk: Buffer) => {
      for (const event of this.parser.push(chunk)) this.emit(event);
    });
    socket.on("end", () => this.end({ kind: "closed" }));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      this.end({ kind: "reset", detail: error.code ?? error.message }),
    );
  }

  /** Stops delivering plain-text data (before the TLS handshake takes the socket over). */
  mute(socket: Socket): void {
    socket.removeAllListeners("data");
    socket.removeAllListeners("end");
  }

  end(event: Event): void {
    this.ended ??= event;
    this.emit(event);
  }

  next(): Promise<Event> {
    const event = this.events.shift();
    if (event) return Promise.resolve(event);
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private emit(event: Event): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(event);
    else this.events.push(event);
  }
}

export async function smtpProbe(ip: string, options: SmtpOptions): Promise<SmtpOutcome> {
  const started = performance.now();
  const steps: SmtpStep[] = [];
  let stepStarted = started;
  const record = (step: string, outcome: string, detail = "") => {
    const now = performance.now();
    steps.push({
      step,
      outcome,
      detail: detail.slice(0, 200),
      elapsedMs: Math.round((now - stepStarted) * 1000) / 1000,
    });
    stepStarted = now;
  };
  const dialogue = new Dialogue();
  const socket = connect({ host: ip, port: options.port ?? 25, noDelay: true });
  // Errors are read where they matter; one arriving after that must not crash the process.
  socket.on("error", () => {});
  let secure: TLSSocket | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const expired = new Promise<{ kind: "timeout" }>((resolve) => {
    // After the I/O already waiting (as in tcp.ts): a busy loop is not a silent server.
    deadline = setTimeout(
      () =>
        setImmediate(() => {
          dialogue.end({ kind: "timeout" });
          resolve({ kind: "timeout" });
        }),
      options.timeoutMs,
    );
  });
  let polite = false;
  let result: SmtpOutcome = {
    tcp25: PortState.PORT_STATE_FILTERED,
    starttls: false,
    starttlsOffered: false,
    tlsVersion: "",
    steps,
  };
  try {
    const connected = await new Promise<{ ok: true } | { ok: false; code: string }>((resolve) => {
      socket.once("connect", () => resolve({ ok: true }));
      socket.once("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? "" }));
      void expired.then(() => resolve({ ok: false, code: "ETIMEDOUT" }));
    });
    if (!connected.ok) {
      if (["EMFILE", "ENFILE", "EADDRNOTAVAIL", "ENOBUFS"].includes(connected.code))
        throw new LocalResourceError(`smtp ${ip}: ${connected.code} (local resource)`);
      const { state, failure } = portStateOf(connected.code);
      record(
        "connect",
        failure === "connection_refused"
          ? "refused"
          : failure === "generic_timeout"
            ? "timeout"
            : "unreachable",
        connected.code,
      );
      return { ...result, tcp25: state };
    }
    record("connect", "ok");
    dialogue.listen(socket);
    // After the connection opened, silence is "filtered" (the stalling server of the lab) and
    // any other failure "closed": no SMTP server answered on this port (SPEC 4: greeting and EHLO).
    const failedAt = (step: string, event: Event): SmtpOutcome => {
      const [outcome, detail] = describe(event);
      record(step, outcome, detail);
      return {
        ...result,
        tcp25: event.kind === "timeout" ? PortState.PORT_STATE_FILTERED : PortState.PORT_STATE_CLOSED,
      };
    };
    const greeting = await dialogue.next();
    if (greeting.kind !== "reply" || greeting.reply.code !== 220) return failedAt("greeting", greeting);
    record("greeting", "ok", `${greeting.reply.code} ${greeting.reply.lines[0] ?? ""}`);
    socket.write(`EHLO ${ehloName(socket.localAddress ?? "")}\r\n`);
    const ehlo = await dialogue.next();
    if (ehlo.kind !== "reply" || ehlo.reply.code !== 250) return failedAt("ehlo", ehlo);
    const offered = ehloKeywords(ehlo.reply).includes("STARTTLS");
    record("ehlo", "ok", `${ehlo.reply.code} ${ehlo.reply.lines[0] ?? ""}`);
    result = { ...result, tcp25: PortState.PORT_STATE_OPEN, starttlsOffered: offered };
    polite = true;
    if (!options.tls) return result;
    if (!offered) {
      record("starttls", "not_offered");
      return result;
    }
    socket.write("STARTTLS\r\n");
    const ready = await dialogue.next();
    if (ready.kind !== "reply" || ready.reply.code !== 220) {
      const [outcome, detail] = describe(ready);
      record("starttls", outcome, detail);
      return result;
    }
    record("starttls", "ok", `${ready.reply.code} ${ready.reply.lines[0] ?? ""}`);
    dialogue.mute(socket);
    polite = false;
    // rejectUnauthorized false: a certificate for another name, self-signed or expired still
    // makes the channel TLS, which is what SPEC 4 counts.
    sharedContext ??= createSecureContext();
    const tls = tlsConnect({ socket, rejectUnauthorized: false, secureContext: sharedContext });
    tls.on("error", () => {});
    secure = tls;
    const handshake = await new Promise<Event | { kind: "secure" }>((resolve) => {
      tls.once("secureConnect", () => resolve({ kind: "secure" }));
      tls.once("error", (error: NodeJS.ErrnoException) =>
        resolve({ kind: "reset", detail: error.code ?? error.message }),
      );
      void expired.then(resolve);
    });
    if (handshake.kind !== "secure") {
      const [outcome, detail] =
        handshake.kind === "reset" ? ["tls_error", handshake.detail] : describe(handshake);
      record("tls", outcome, detail);
      return result;
    }
    const version = tls.getProtocol() ?? "";
    record("tls", "ok", version);
    polite = true;
    return { ...result, starttls: true, tlsVersion: version };
  } finally {
    clearTimeout(deadline);
    const channel = secure ?? socket;
    if (polite) {
      // QUIT (RFC 5321 4.1.1.10) and let the server close; never wait on it.
      channel.end("QUIT\r\n");
      setTimeout(() => {
        secure?.destroy();
        socket.destroy();
      }, 1000).unref();
    } else {
      secure?.destroy();
      socket.destroy();
    }
  }
}

function describe(event: Event): [string, string] {
  switch (event.kind) {
    case "reply":
      return ["rejected", `${event.reply.code} ${event.reply.lines[0] ?? ""}`];
    case "failure":
      return [event.failure, event.detail];
    case "timeout":
      return ["timeout", ""];
    case "closed":
      return ["closed", "the server closed the connection"];
    case "reset":
      return ["reset", event.detail];
  }
}

/** EHLO with an address literal (RFC 5321 4.1.3): we have no name that resolves to us. */
function ehloName(local: string): string {
  if (local === "") return "[127.0.0.1]";
  return local.includes(":") ? `[IPv6:${local}]` : `[${local}]`;
}
