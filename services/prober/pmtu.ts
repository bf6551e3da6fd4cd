// Path MTU (SPEC change 3: the original wrote 1500 for every path). Probes with DF set (IPv4)
// or never fragmented (IPv6), the largest first, then the size the network reports in
// fragmentation-needed (RFC 1191) or packet-too-big (RFC 8201), until the destination answers
// a probe of that size. Only that answer confirms a size: a report alone, or silence, is unknown
// (0), never the narrowest link seen so far. The decision is pure (pmtuStep); pathMtu probes.

import type { EchoOutcome, EchoSocket } from "./echo-socket.js";

/** Probed first: Ethernet's MTU. A path of jumbo frames therefore reads 1500. */
export const FIRST_PROBE_SIZE = 1500;
const MAX_PROBES = 12;
/**
 * Probes of one size that may go unanswered before the size counts as unanswerable: a lost or
 * late answer (a busy machine, a lossy link) is asked again, never read as a result.
 */
export const PMTU_ATTEMPTS = 3;

// RFC 1191 section 7's plateaus, with common tunnel sizes, for a router that reports no MTU
// (or an impossible one) and for a local link narrower than the probe.
const PLATEAUS = [1500, 1492, 1480, 1476, 1460, 1440, 1400, 1280, 1006, 576, 508, 296, 68];

export interface PmtuState {
  readonly family: 4 | 6;
  /** Size of the next probe (whole IP packet). */
  readonly size: number;
  /** Smallest MTU a router reported; 0 when none did. Evidence, not a result: only a reply confirms. */
  readonly lowestReported: number;
  readonly probes: number;
  /** Probes of the current size that went unanswered. */
  readonly silent: number;
  readonly done: boolean;
  /** The answer once done; 0 for unknown. */
  readonly mtu: number;
}

export type PmtuEvidence =
  | { kind: "reply" }
  | { kind: "too-big"; mtu: number }
  | { kind: "local-too-big" }
  | { kind: "timeout" }
  | { kind: "other" };

export function pmtuStart(family: 4 | 6, firstSize = FIRST_PROBE_SIZE): PmtuState {
  return { family, size: firstSize, lowestReported: 0, probes: 0, silent: 0, done: false, mtu: 0 };
}

const minimumMtu = (family: 4 | 6) => (family === 4 ? 68 : 1280);
const plateauBelow = (size: number) => PLATEAUS.find((plateau) => plateau < size) ?? 0;

/** What one probe of `state.size` bytes says, and the next size to try. */
export function pmtuStep(state: PmtuState, evidence: PmtuEvidence): PmtuState {
  const probes = state.probes + 1;
  const finish = (mtu: number): PmtuState => ({ ...state, probes, done: true, mtu });
  let next: number;
  let lowestReported = state.lowestReported;
  switch (evidence.kind) {
    case "reply":
      return finish(state.size);
    case "too-big": {
      const sane = evidence.mtu >= minimumMtu(state.family) && evidence.mtu < state.size;
      next = sane ? evidence.mtu : plateauBelow(state.size);
      if (sane) lowestReported = lowestReported === 0 ? evidence.mtu : Math.min(lowestReported, evidence.mtu);
      // RFC 8200 section 5: every IPv6 link carries 1280, whatever a packet-too-big says.
      if (!sane && state.family === 6 && state.size <= 1280) return finish(1280);
      break;
    }
    case "local-too-big":
      next = plateauBelow(state.size);
      break;
    case "timeout":
      // Asked again before giving up; given up, the size is unknown, not the narrowest report.
      if (state.silent + 1 < PMTU_ATTEMPTS && probes < MAX_PROBES)
        return { ...state, probes, silent: state.silent + 1 };
      return finish(0);
    case "other":
      return finish(0);
  }
  if (next < minimumMtu(state.family) || probes >= MAX_PROBES)
    return { ...state, probes, lowestReported, done: true, mtu: 0 };
  return { ...state, size: next, lowestReported, probes, silent: 0 };
}

export function evidenceOf(destination: string, outcome: EchoOutcome): PmtuEvidence {
  if (outcome.kind === "reply") return { kind: "reply" };
  if (outcome.kind === "timeout") return { kind: "timeout" };
  if (outcome.kind === "send-failed")
    return /too long/i.test(outcome.reason) ? { kind: "local-too-big" } : { kind: "other" };
  if (outcome.error === "too-big") return { kind: "too-big", mtu: outcome.mtu };
  // The destination answering with an error at full size still got the whole packet.
  return outcome.from === destination ? { kind: "reply" } : { kind: "other" };
}

/** Sends one probe of `size` bytes (whole IP packet) towards the destination; says what came back. */
export type SizedProbe = (size: number) => Promise<EchoOutcome>;

export async function pathMtu(
  family: 4 | 6,
  destination: string,
  probe: SizedProbe,
  options: { firstSize?: number } = {},
): Promise<PmtuState> {
  let state = pmtuStart(family, options.firstSize);
  while (!state.done) state = pmtuStep(state, evidenceOf(destination, await probe(state.size)));
  return state;
}

/** Probes with ICMP echo requests over the shared socket. */
export function echoSizedProbe(socket: EchoSocket, destination: string, timeoutMs: number): SizedProbe {
  return (size) => socket.probe({ destination, ttl: 64, packetSize: size, timeoutMs });
}
