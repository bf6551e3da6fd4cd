// The lab's NTP server reply (RFC 5905 mode 4) to a client request, from the lab's clock (the
// machine's: every namespace shares it): stratum 2 under the lab's reference, or a RATE
// kiss-o'-death. Bytes only; hostd.ts owns the socket. chrony or ntpsec would serve real time
// but cannot be told to send a kiss-o'-death on every request (README, "NTP").

import {
  decodeHeader,
  encodeHeader,
  MODE_CLIENT,
  MODE_SERVER,
  timestampOf,
} from "../../services/prober/ntp/packet.js";

/** The lab's stratum-1 source a stratum-2 server names in its refid: r1's side of the r1-r2 link. */
export const LAB_REFID = Buffer.from([198, 51, 100, 1]);

/**
 * The reply to `request` received at `receivedMs` (Unix ms), its transmit timestamp read from
 * `now` as late as possible; undefined for anything that is not a client request (no reply).
 */
export function ntpReply(
  request: Buffer,
  receivedMs: number,
  kiss: boolean,
  now: () => number,
): Buffer | undefined {
  if (request.length < 48) return undefined;
  const asked = decodeHeader(request);
  if (asked.mode !== MODE_CLIENT || asked.version < 1 || asked.version > 4) return undefined;
  return encodeHeader({
    leap: kiss ? 3 : 0,
    version: asked.version,
    mode: MODE_SERVER,
    stratum: kiss ? 0 : 2,
    poll: asked.poll,
    precision: -20,
    rootDelay: kiss ? 0 : 0.001,
    rootDispersion: kiss ? 0 : 0.01,
    refid: kiss ? Buffer.from("RATE") : LAB_REFID,
    // The lab's clock was last "set" from its source a minute ago.
    reference: kiss ? Buffer.alloc(8) : timestampOf(receivedMs - 60_000),
    origin: asked.transmit,
    receive: timestampOf(receivedMs),
    transmit: timestampOf(now()),
  });
}
