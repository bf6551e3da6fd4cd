// The SMTP probe on port 25 (SPEC 4 tcp25 and tls): connect, greeting, EHLO, then STARTTLS
// when offered (RFC 3207) and a TLS handshake, where a certificate that does not match still
// counts as TLS. Two things are kept apart: the TCP state of port 25 (from the handshake
// alone) and the SMTP outcome (the last step tried and how it failed, in failure.ts's names).
// One deadline covers the whole dialogue, so a server that stalls costs at most the SMTP
// timeout. No mail is ever sent.

import { connect, type Socket } from "node:net";
import { createSecureContext, type SecureContext, type TLSSocket, connect as tlsConnect } from "node:tls";
import { PortState } from "../../gen/ipv6matrix/v1/common.js";
import { type SmtpResult, type SmtpStep, SmtpStepKind } from "../../gen/ipv6matrix/v1/work.js";
import { type Failure, failureOfErrno, localErrnos, portStateOf, probeFailureOf } from "./failure.js";
import { ehloKeywords, type ParsedReply, type SmtpFailure, SmtpReplyParser } from "./smtp-reply.js";
import { LocalResourceError } from "./tcp.js";

export interface SmtpOptions {
  readonly timeoutMs: number;
  /** Try STARTTLS and the handshake (metric tls). */
  readonly tls: boolean;
  /** 25; tests point it elsewhere on loopback. */
  readonly port?: number;
}

export type SmtpStepName = "connect" | "greeting" | "ehlo" | "starttls" | "tls";

// The wire enum of each step (work.proto SmtpStepKind), for the typed fields beside the strings.
const stepKindOf: Readonly<Record<SmtpStepName, SmtpStepKind>> = {
  connect: SmtpStepKind.SMTP_STEP_KIND_CONNECT,
  greeting: SmtpStepKind.SMTP_STEP_KIND_GREETING,
  ehlo: SmtpStepKind.SMTP_STEP_KIND_EHLO,
  starttls: SmtpStepKind.SMTP_STEP_KIND_STARTTLS,
  tls: SmtpStepKind.SMTP_STEP_KIND_TLS,
};

/** The wire enum of a step name. */
export function smtpStepKindOf(step: SmtpStepName): SmtpStepKind {
  return stepKindOf[step];
}

export interface SmtpOutcome {
  /** The TCP state of port 25 from the handshake alone, as for 80 and 443. */
  readonly tcp25: PortState;
  /** The SMTP outcome: the last step tried... */
  readonly step: SmtpStepName;
  /** ...and how it failed ("" when it succeeded). */
  readonly failure: Failure | "";
  /** The server greeted and answered EHLO: what smtp4 / smtp6 and Reachability's SMTP row count (SPEC 4). */
  readonly ehlo: boolean;
  readonly starttls: boolean;
  readonly starttlsOffered: boolean;
  readonly tlsVersion: string;
  readonly steps: SmtpStep[];
}

/**
 * The outcome as AddressResult.smtp carries it: each closed set twice, the strings for readers
 * older than the enums (docs/decisions/012) and the enums for everyone else.
 */
export function smtpResultOf(outcome: SmtpOutcome): SmtpResult {
  return {
    steps: outcome.steps,
    starttlsOffered: outcome.starttlsOffered,
    tlsVersion: outcome.tlsVersion,
    step: outcome.step,
    failure: outcome.failure,
    ehlo: outcome.ehlo,
    stepKind: smtpStepKindOf(outcome.step),
    failureKind: probeFailureOf(outcome.failure),
  };
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
  let last: { step: SmtpStepName; failure: Failure | "" } = { step: "connect", failure: "" };
  const record = (step: SmtpStepName, failure: Failure | "", detail = "") => {
    last = { step, failure };
    const now = performance.now();
    steps.push({
      step,
      outcome: failure || "ok",
      detail: detail.slice(0, 200),
      elapsedMs: Math.round((now - stepStarted) * 1000) / 1000,
      stepKind: smtpStepKindOf(step),
      failureKind: probeFailureOf(failure),
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
  // The TCP state is settled by the handshake; everything after it is the SMTP outcome.
  let tcp25: PortState = PortState.PORT_STATE_FILTERED;
  let ehloAnswered = false;
  let offered = false;
  let tlsVersion = "";
  const outcome = (): SmtpOutcome => ({
    tcp25,
    ...last,
    ehlo: ehloAnswered,
    starttls: tlsVersion !== "",
    starttlsOffered: offered,
    tlsVersion,
    steps,
  });
  try {
    const connected = await new Promise<{ ok: true } | { ok: false; code: string }>((resolve) => {
      socket.once("connect", () => resolve({ ok: true }));
      socket.once("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? "" }));
      void expired.then(() => resolve({ ok: false, code: "ETIMEDOUT" }));
    });
    if (!connected.ok) {
      if (localErrnos.has(connected.code))
        throw new LocalResourceError(`smtp ${ip}: ${connected.code} (local resource)`);
      const failure = failureOfErrno(connected.code);
      tcp25 = portStateOf(failure);
      record("connect", failure, connected.code);
      return outcome();
    }
    tcp25 = PortState.PORT_STATE_OPEN;
    record("connect", "");
    dialogue.listen(socket);
    // Past the handshake port 25 is open whatever follows: a server that greets and stalls,
    // rejects or sends garbage fails a step of SMTP, not the TCP state.
    const failedAt = (step: SmtpStepName, event: Event): SmtpOutcome => {
      const [failure, detail] = describe(event);
      record(step, failure, detail);
      return outcome();
    };
    const greeting = await dialogue.next();
    if (greeting.kind !== "reply" || greeting.reply.code !== 220) return failedAt("greeting", greeting);
    record("greeting", "", `${greeting.reply.code} ${greeting.reply.lines[0] ?? ""}`);
    socket.write(`EHLO ${ehloName(socket.localAddress ?? "")}\r\n`);
    const ehlo = await dialogue.next();
    if (ehlo.kind !== "reply" || ehlo.reply.code !== 250) return failedAt("ehlo", ehlo);
    offered = ehloKeywords(ehlo.reply).includes("STARTTLS");
    record("ehlo", "", `${ehlo.reply.code} ${ehlo.reply.lines[0] ?? ""}`);
    ehloAnswered = true;
    polite = true;
    if (!options.tls) return outcome();
    if (!offered) {
      record("starttls", "starttls_not_offered");
      return outcome();
    }
    socket.write("STARTTLS\r\n");
    const ready = await dialogue.next();
    if (ready.kind !== "reply" || ready.reply.code !== 220) return failedAt("starttls", ready);
    record("starttls", "", `${ready.reply.code} ${ready.reply.lines[0] ?? ""}`);
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
      const [failure, detail] =
        handshake.kind === "reset"
          ? ["ssl_failed_handshake" as const, handshake.detail]
          : describe(handshake);
      record("tls", failure, detail);
      return outcome();
    }
    tlsVersion = tls.getProtocol() ?? "TLS";
    record("tls", "", tlsVersion);
    polite = true;
    return outcome();
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

const replyFailures: Readonly<Record<SmtpFailure, Failure>> = {
  garbage: "smtp_garbage",
  line_too_long: "smtp_line_too_long",
  too_many_lines: "smtp_too_many_lines",
};

/** A step's failure in failure.ts's names, and the raw detail kept beside it. */
function describe(event: Event): [Failure, string] {
  switch (event.kind) {
    case "reply":
      return ["smtp_rejected", `${event.reply.code} ${event.reply.lines[0] ?? ""}`];
    case "failure":
      return [replyFailures[event.failure], event.detail];
    case "timeout":
      return ["generic_timeout", ""];
    case "closed":
      return ["eof_error", "the server closed the connection"];
    case "reset":
      return [failureOfErrno(event.detail), event.detail];
  }
}

/** EHLO with an address literal (RFC 5321 4.1.3): we have no name that resolves to us. */
function ehloName(local: string): string {
  if (local === "") return "[127.0.0.1]";
  return local.includes(":") ? `[IPv6:${local}]` : `[${local}]`;
}
