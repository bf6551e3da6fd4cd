// The SMTP probe and the TCP probe against servers on loopback: every kind of SMTP server the
// issue names (STARTTLS, plain, stalling, endless lines, binary) and a closed port.
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { TLSSocket } from "node:tls";
import { PortState, ProbeFailure } from "../../gen/ipv6matrix/v1/common.js";
import { SmtpStepKind } from "../../gen/ipv6matrix/v1/work.js";
import { LoopbackServers, selfSignedCertificate } from "../../test/support/loopback-servers.js";
import { smtpProbe, smtpResultOf, smtpStepKindOf } from "./smtp.js";
import { SmtpThreads } from "./smtp-threads.js";
import { tcpProbe } from "./tcp.js";

let tls: { key: string; cert: string };
const servers = new LoopbackServers();

before(() => {
  // A certificate for another name: it must still count as TLS (SPEC 4).
  tls = selfSignedCertificate("not-this-host.invalid");
});

after(() => servers.close());

/** A server on a free port of HOST; resolves with its port. */
function serve(onConnection: (socket: Socket) => void, host = "127.0.0.1"): Promise<number> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    onConnection(socket);
  });
  return servers.listen(server, host);
}

/** The dialogue of a real MTA, enough for EHLO and STARTTLS. */
function mta(starttls: boolean) {
  return (socket: Socket) => {
    socket.write("220 mx.test ESMTP\r\n");
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      if (!buffer.includes("\n")) return;
      const line = buffer.trim().toUpperCase();
      buffer = "";
      if (line.startsWith("EHLO"))
        socket.write(`250-mx.test\r\n${starttls ? "250-STARTTLS\r\n" : ""}250 8BITMIME\r\n`);
      else if (line === "STARTTLS") {
        socket.write("220 2.0.0 Ready\r\n");
        socket.removeAllListeners("data");
        const secure = new TLSSocket(socket, { isServer: true, ...tls });
        secure.on("error", () => {});
      } else if (line === "QUIT") socket.end("221 bye\r\n");
      else socket.write("502 no\r\n");
    });
  };
}

// The servers listen on a free port rather than 25, so the test runs beside a real MTA.
async function probe(port: number, timeoutMs = 800, withTls = true) {
  return smtpProbe("127.0.0.1", { timeoutMs, tls: withTls, port });
}

test("STARTTLS offered and a handshake with a certificate for another name: open, TLS", async () => {
  const result = await probe(await serve(mta(true)));
  assert.equal(result.tcp25, PortState.PORT_STATE_OPEN);
  assert.deepEqual([result.step, result.failure, result.ehlo], ["tls", "", true]);
  assert.equal(result.starttls, true);
  assert.match(result.tlsVersion, /^TLSv1\.[23]$/);
  assert.deepEqual(
    result.steps.map((s) => `${s.step}:${s.outcome}`),
    ["connect:ok", "greeting:ok", "ehlo:ok", "starttls:ok", "tls:ok"],
  );
});

test("plain SMTP: open, no STARTTLS", async () => {
  const result = await probe(await serve(mta(false)));
  assert.equal(result.tcp25, PortState.PORT_STATE_OPEN);
  assert.equal(result.starttls, false);
  assert.equal(result.ehlo, true);
  assert.deepEqual([result.step, result.failure], ["starttls", "starttls_not_offered"]);
  assert.equal(result.steps.at(-1)?.outcome, "starttls_not_offered");
});

test("the result carries the outcome twice: strings for old readers, enums beside them", async () => {
  const result = smtpResultOf(await probe(await serve(mta(false))));
  assert.deepEqual(
    [result.step, result.failure, result.stepKind, result.failureKind],
    [
      "starttls",
      "starttls_not_offered",
      SmtpStepKind.SMTP_STEP_KIND_STARTTLS,
      ProbeFailure.PROBE_FAILURE_STARTTLS_NOT_OFFERED,
    ],
  );
  assert.deepEqual(
    result.steps.map((s) => [s.step, s.outcome, s.stepKind, s.failureKind]),
    [
      ["connect", "ok", SmtpStepKind.SMTP_STEP_KIND_CONNECT, ProbeFailure.PROBE_FAILURE_NONE],
      ["greeting", "ok", SmtpStepKind.SMTP_STEP_KIND_GREETING, ProbeFailure.PROBE_FAILURE_NONE],
      ["ehlo", "ok", SmtpStepKind.SMTP_STEP_KIND_EHLO, ProbeFailure.PROBE_FAILURE_NONE],
      [
        "starttls",
        "starttls_not_offered",
        SmtpStepKind.SMTP_STEP_KIND_STARTTLS,
        ProbeFailure.PROBE_FAILURE_STARTTLS_NOT_OFFERED,
      ],
    ],
  );
});

test("every SMTP step name has its own enum value, and every enum value a name", () => {
  const kinds = (["connect", "greeting", "ehlo", "starttls", "tls"] as const).map(smtpStepKindOf);
  const values = Object.values(SmtpStepKind).filter(
    (v): v is SmtpStepKind => typeof v === "number" && v > SmtpStepKind.SMTP_STEP_KIND_UNSPECIFIED,
  );
  assert.deepEqual([...kinds].sort(), [...values].sort());
});

test("metric tls off: no STARTTLS sent", async () => {
  const result = await probe(await serve(mta(true)), 800, false);
  assert.equal(result.starttlsOffered, true);
  assert.equal(result.starttls, false);
  assert.equal(result.steps.at(-1)?.step, "ehlo");
});

test("a server that greets and stalls: port 25 open (the handshake completed), SMTP timed out at EHLO", async () => {
  let ehloSeen = false;
  const port = await serve((socket) => {
    socket.write("220 stall ESMTP\r\n");
    socket.on("data", () => {
      ehloSeen = true;
    });
  });
  const result = await probe(port, 500);
  assert.equal(result.tcp25, PortState.PORT_STATE_OPEN);
  assert.deepEqual([result.step, result.failure, result.ehlo], ["ehlo", "generic_timeout", false]);
  assert.deepEqual(
    result.steps.map((s) => `${s.step}:${s.outcome}`),
    ["connect:ok", "greeting:ok", "ehlo:generic_timeout"],
  );
  assert.equal(result.starttls, false);
  assert.ok(ehloSeen, "EHLO was sent and never answered");
});

test("a server that accepts and never greets: port 25 open, SMTP timed out at the greeting", async () => {
  const port = await serve(() => {});
  const result = await probe(port, 300);
  assert.equal(result.tcp25, PortState.PORT_STATE_OPEN);
  assert.deepEqual([result.step, result.failure, result.ehlo], ["greeting", "generic_timeout", false]);
});

test("endless lines, binary data, a refusal: port 25 open, no SMTP, never a hang", async () => {
  const endless = await serve((socket) => {
    const flood = () => {
      if (!socket.destroyed) socket.write("220-again and again\r\n".repeat(200), () => setImmediate(flood));
    };
    flood();
  });
  const binary = await serve((socket) =>
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x0a])),
  );
  const longLine = await serve((socket) => socket.write(`220 ${"a".repeat(5000)}`));
  const rejecting = await serve((socket) => socket.end("554 no service here\r\n"));
  const [a, b, c, d] = await Promise.all([probe(endless), probe(binary), probe(longLine), probe(rejecting)]);
  assert.equal(a.steps.at(-1)?.outcome, "smtp_too_many_lines");
  assert.equal(b.steps.at(-1)?.outcome, "smtp_garbage");
  assert.equal(c.steps.at(-1)?.outcome, "smtp_line_too_long");
  assert.equal(d.steps.at(-1)?.outcome, "smtp_rejected");
  // Each connection opened: port 25 is open; no SMTP server answered EHLO on it.
  for (const result of [a, b, c, d]) {
    assert.equal(result.tcp25, PortState.PORT_STATE_OPEN);
    assert.deepEqual(
      [result.step, result.failure, result.ehlo],
      ["greeting", result.steps.at(-1)?.outcome, false],
    );
  }
});

test("STARTTLS accepted but no TLS follows: open, not TLS", async () => {
  const port = await serve((socket) => {
    socket.write("220 mx ESMTP\r\n");
    socket.on("data", (chunk) => {
      if (chunk.toString().startsWith("EHLO")) socket.write("250-mx\r\n250 STARTTLS\r\n");
      else socket.end("220 go ahead\r\nthis is not a TLS server hello\r\n");
    });
  });
  const result = await probe(port);
  assert.equal(result.tcp25, PortState.PORT_STATE_OPEN);
  assert.equal(result.starttls, false);
  assert.equal(result.ehlo, true);
  assert.equal(result.step, "tls");
  assert.ok(
    ["ssl_failed_handshake", "eof_error", "connection_reset"].includes(result.failure),
    result.failure,
  );
});

test("a closed port: closed, on both probes", async () => {
  const closed = createServer();
  const port = await servers.listen(closed, "127.0.0.1");
  await new Promise((resolve) => closed.close(resolve));
  const smtp = await probe(port);
  assert.equal(smtp.tcp25, PortState.PORT_STATE_CLOSED);
  assert.deepEqual([smtp.step, smtp.failure, smtp.ehlo], ["connect", "connection_refused", false]);
  const tcp = await tcpProbe("127.0.0.1", port, 500);
  assert.deepEqual([tcp.state, tcp.failure], [PortState.PORT_STATE_CLOSED, "connection_refused"]);
});

test("TCP: an open port on both families", async () => {
  const port4 = await serve(() => {});
  const port6 = await serve(() => {}, "::1");
  assert.equal((await tcpProbe("127.0.0.1", port4, 500)).state, PortState.PORT_STATE_OPEN);
  assert.equal((await tcpProbe("::1", port6, 500)).state, PortState.PORT_STATE_OPEN);
});

test("on worker threads: the same outcomes as on the main thread", async () => {
  const threads = new SmtpThreads(2);
  try {
    const [tls, plain, stall] = await Promise.all([
      serve(mta(true)),
      serve(mta(false)),
      serve((socket) => socket.write("220 stall ESMTP\r\n")),
    ]);
    const options = (port: number) => ({ timeoutMs: 500, tls: true, port });
    const [a, b, c] = await Promise.all([
      threads.probe("127.0.0.1", options(tls)),
      threads.probe("127.0.0.1", options(plain)),
      threads.probe("127.0.0.1", options(stall)),
    ]);
    const shape = (r: Awaited<ReturnType<typeof smtpProbe>>) =>
      `${r.tcp25} ${r.starttls} ${r.steps.map((step) => `${step.step}:${step.outcome}`).join(",")}`;
    assert.equal(shape(a), shape(await probe(tls, 500)));
    assert.equal(a.starttls, true);
    assert.equal(shape(b), shape(await probe(plain, 500)));
    assert.equal(c.tcp25, PortState.PORT_STATE_OPEN);
    assert.deepEqual([c.step, c.failure], ["ehlo", "generic_timeout"]);
  } finally {
    threads.close();
  }
});

test("a busy event loop does not turn an answer that came in time into a timeout", async () => {
  const port = await serve(mta(true));
  const tcpProbed = tcpProbe("127.0.0.1", port, 100);
  const smtpProbed = probe(port, 150, false);
  // Block the loop past both timeouts while the server (another thread: the kernel) accepts.
  const until = performance.now() + 300;
  while (performance.now() < until);
  const [tcp, smtp] = await Promise.all([tcpProbed, smtpProbed]);
  assert.equal(tcp.state, PortState.PORT_STATE_OPEN);
  // The connection was accepted in time; the greeting needs the server's loop, which is ours.
  assert.equal(smtp.steps[0]?.outcome, "ok");
});
