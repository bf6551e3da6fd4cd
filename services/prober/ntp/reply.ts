// Judges one datagram that came back from UDP 123 against the requests still outstanding
// (RFC 5905 8 and 9.2): ignored when it answers none of them (spoofed, stale, garbage), else
// answered with stratum, offset and delay, or the failure it shows. Pure: times are passed in.

import type { Failure } from "../failure.js";
import {
  decodeHeader,
  isZero,
  MODE_SERVER,
  type NtpHeader,
  NtpPacketError,
  refidText,
  unixMsOf,
} from "./packet.js";

export interface Outstanding {
  /** Our random transmit timestamp of the request, as hex. */
  readonly transmit: string;
  /** Our clock when it was sent (t1), Unix ms. */
  readonly sentMs: number;
}

export type Verdict =
  /** Not a reply to any request of ours: keep waiting. */
  | { readonly kind: "ignored"; readonly why: string }
  | {
      readonly kind: "answered";
      readonly stratum: number;
      readonly offsetMs: number;
      readonly rttMs: number;
      readonly refid: string;
    }
  | {
      readonly kind: "failed";
      readonly failure: Failure;
      readonly stratum: number;
      /** The kiss code of a kiss-o'-death, else the refid as text. */
      readonly refid: string;
      readonly kissCode: string;
    };

/**
 * A reply to one of `outstanding` received at `receivedMs` (t4, our clock). Its origin must be
 * our transmit timestamp: the only proof a UDP reply answers us. Then mode 4 (a server),
 * stratum 0 a kiss-o'-death (its code in the refid), leap 3 or stratum 16+ unsynchronised.
 */
export function judgeReply(
  bytes: Uint8Array,
  outstanding: readonly Outstanding[],
  receivedMs: number,
): Verdict {
  let header: NtpHeader;
  try {
    header = decodeHeader(bytes);
  } catch (error) {
    if (error instanceof NtpPacketError) return { kind: "ignored", why: error.message };
    throw error;
  }
  const request = outstanding.find((r) => r.transmit === header.origin.toString("hex"));
  if (!request) return { kind: "ignored", why: "origin timestamp matches no request of ours" };
  const refid = refidText(header.refid, header.stratum);
  const failed = (failure: Failure, kissCode = ""): Verdict => ({
    kind: "failed",
    failure,
    stratum: header.stratum,
    refid,
    kissCode,
  });
  if (header.mode !== MODE_SERVER || header.version < 1 || header.version > 4)
    return failed("ntp_invalid_reply");
  if (header.stratum === 0) return failed("ntp_kiss_of_death", refid);
  if (header.leap === 3 || header.stratum >= 16) return failed("ntp_unsynchronized");
  if (isZero(header.transmit) || isZero(header.receive)) return failed("ntp_invalid_reply");
  const t1 = request.sentMs;
  const t2 = unixMsOf(header.receive, t1);
  const t3 = unixMsOf(header.transmit, t1);
  const t4 = receivedMs;
  return {
    kind: "answered",
    stratum: header.stratum,
    offsetMs: (t2 - t1 + (t3 - t4)) / 2,
    rttMs: t4 - t1 - (t3 - t2),
    refid,
  };
}
