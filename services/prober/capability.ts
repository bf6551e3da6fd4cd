// Whether this process may open raw ICMP sockets, and the one clear message when it may not:
// ping and path need CAP_NET_RAW; TCP and SMTP do not, so the prober goes on without them and
// records ping and path as not measured (never as unreachable).

import { realpathSync } from "node:fs";

export class RawSocketUnavailable extends Error {
  override name = "RawSocketUnavailable";
  constructor(
    message: string,
    readonly family: 4 | 6,
    /** Short, for AddressResult not_measured_reason. */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The command that grants the capability to this Node binary. */
export function grantCommand(): string {
  let node = process.execPath;
  try {
    node = realpathSync(node);
  } catch {
    // The path as given is still a usable hint.
  }
  return `sudo setcap cap_net_raw+ep ${node}`;
}

export function rawSocketError(family: 4 | 6, error: Error): RawSocketUnavailable {
  const text = error.message;
  const protocol = family === 4 ? "ICMP" : "ICMPv6";
  if (/not permitted|permission denied/i.test(text)) {
    return new RawSocketUnavailable(
      `prober: cannot open raw ICMP sockets (${text}): ping and path need CAP_NET_RAW. ` +
        `Grant it with \`${grantCommand()}\` (or run as root); TCP and SMTP probes go on without it, ` +
        "and ping and path are recorded as not measured.",
      family,
      "no CAP_NET_RAW (raw ICMP sockets not permitted)",
    );
  }
  return new RawSocketUnavailable(
    `prober: cannot open a raw ${protocol} socket: ${text}; ping and path over IPv${family} are recorded as not measured.`,
    family,
    `raw ${protocol} socket unavailable: ${text}`,
  );
}
