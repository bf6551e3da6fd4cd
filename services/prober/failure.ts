// The one closed set of names for how a network step failed (TCP connect, each SMTP step, the
// TLS handshake), as ooni/probe-cli's failure strings: mapped from the system's errno here and
// nowhere else, and the TCP port state derived from it. No sockets here: names and mappings only.

import { PortState, ProbeFailure } from "../../gen/ipv6matrix/v1/common.js";

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
  // NTP (ntp/reply.ts): a stratum-0 kiss-o'-death, its kiss code kept beside it (NtpResult.kiss_code).
  "ntp_kiss_of_death",
  // NTP: leap indicator 3 or stratum 16: the server's clock is not synchronised.
  "ntp_unsynchronized",
  // NTP: a reply carrying our origin timestamp that is no server reply (mode not 4).
  "ntp_invalid_reply",
] as const;

export type Failure = (typeof failures)[number];

// The wire enum of each name (common.proto ProbeFailure), for the typed fields beside the strings.
// A Record over Failure, so a name added above without its enum value does not compile.
const enumOf: Readonly<Record<Failure, ProbeFailure>> = {
  connection_refused: ProbeFailure.PROBE_FAILURE_CONNECTION_REFUSED,
  connection_reset: ProbeFailure.PROBE_FAILURE_CONNECTION_RESET,
  generic_timeout: ProbeFailure.PROBE_FAILURE_GENERIC_TIMEOUT,
  host_unreachable: ProbeFailure.PROBE_FAILURE_HOST_UNREACHABLE,
  network_unreachable: ProbeFailure.PROBE_FAILURE_NETWORK_UNREACHABLE,
  administratively_prohibited: ProbeFailure.PROBE_FAILURE_ADMINISTRATIVELY_PROHIBITED,
  eof_error: ProbeFailure.PROBE_FAILURE_EOF_ERROR,
  smtp_rejected: ProbeFailure.PROBE_FAILURE_SMTP_REJECTED,
  smtp_garbage: ProbeFailure.PROBE_FAILURE_SMTP_GARBAGE,
  smtp_line_too_long: ProbeFailure.PROBE_FAILURE_SMTP_LINE_TOO_LONG,
  smtp_too_many_lines: ProbeFailure.PROBE_FAILURE_SMTP_TOO_MANY_LINES,
  starttls_not_offered: ProbeFailure.PROBE_FAILURE_STARTTLS_NOT_OFFERED,
  ssl_failed_handshake: ProbeFailure.PROBE_FAILURE_SSL_FAILED_HANDSHAKE,
  unknown_failure: ProbeFailure.PROBE_FAILURE_UNKNOWN_FAILURE,
  ntp_kiss_of_death: ProbeFailure.PROBE_FAILURE_NTP_KISS_OF_DEATH,
  ntp_unsynchronized: ProbeFailure.PROBE_FAILURE_NTP_UNSYNCHRONIZED,
  ntp_invalid_reply: ProbeFailure.PROBE_FAILURE_NTP_INVALID_REPLY,
};

/** The wire enum of a failure; "" (the step succeeded) is PROBE_FAILURE_NONE. */
export function probeFailureOf(failure: Failure | ""): ProbeFailure {
  return failure === "" ? ProbeFailure.PROBE_FAILURE_NONE : enumOf[failure];
}

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
