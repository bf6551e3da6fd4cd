// The one closed set of names for how a network step failed (TCP connect, each SMTP step, the
// TLS handshake), as ooni/probe-cli's failure strings: mapped from the system's errno here and
// nowhere else, and the TCP port state derived from it. No sockets here: names and mappings only.

import { PortState } from "../../gen/ipv6matrix/v1/common.js";

export const failures = [
  // The peer answered the SYN with a reset: nothing listens on the port.
  "connection_refused",
  // An established connection was reset by the peer.
  "connection_reset",
  // Nothing came back within the timeout.
  "generic_timeout",
  "host_unreachable",
  "network_unreachable",
  // The network said no for policy (ICMP administratively prohibited, a local firewall).
  "administratively_prohibited",
  // The peer closed the connection where a reply was due.
  "eof_error",
  // SMTP: a reply, but not the one the step needs (554 instead of 220, ...).
  "smtp_rejected",
  // SMTP: bytes that are not reply lines (smtp-reply.ts).
  "smtp_garbage",
  "smtp_line_too_long",
  "smtp_too_many_lines",
  // SMTP: EHLO did not list STARTTLS (RFC 3207), so no TLS was tried.
  "starttls_not_offered",
  // The TLS handshake after STARTTLS did not complete.
  "ssl_failed_handshake",
  // Anything else; the raw error text is kept beside it (SmtpStep.detail).
  "unknown_failure",
] as const;

export type Failure = (typeof failures)[number];

const byErrno: Readonly<Record<string, Failure>> = {
  ECONNREFUSED: "connection_refused",
  ECONNRESET: "connection_reset",
  EPIPE: "connection_reset",
  ETIMEDOUT: "generic_timeout",
  EHOSTUNREACH: "host_unreachable",
  EHOSTDOWN: "host_unreachable",
  ENETUNREACH: "network_unreachable",
  EACCES: "administratively_prohibited",
  EPERM: "administratively_prohibited",
};

/** The failure an errno code (Node's `error.code`) stands for. */
export function failureOfErrno(code: string | undefined): Failure {
  return (code && byErrno[code]) || "unknown_failure";
}

/** Local shortages (descriptors, ports, memory): not the network's answer, so never a failure. */
export const localErrnos: ReadonlySet<string> = new Set([
  "EMFILE",
  "ENFILE",
  "EADDRNOTAVAIL",
  "ENOBUFS",
  "ENOMEM",
]);

/**
 * The TCP state of a port (SPEC 4 tcp80, tcp443, tcp25) from the handshake's failure alone:
 * "" (it completed) is open, a reset closed, silence filtered, any other no unreachable.
 */
export function portStateOf(failure: Failure | ""): PortState {
  switch (failure) {
    case "":
      return PortState.PORT_STATE_OPEN;
    case "connection_refused":
    case "connection_reset":
      return PortState.PORT_STATE_CLOSED;
    case "generic_timeout":
      return PortState.PORT_STATE_FILTERED;
    default:
      return PortState.PORT_STATE_UNREACHABLE;
  }
}
