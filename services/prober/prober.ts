// Every metric of SPEC 4 at one address, at once: ping, path (traceroute and path MTU),
// tcp80, tcp443 and the SMTP dialogue on 25, into one AddressResult. Owns the shared raw
// sockets and the rate limiter. Knows nothing of subjects or gRPC (actors.ts, grpc.ts), and
// leaves PTR names (rdns, Hop.name) to the resolver.

import { isIP } from "node:net";
import { type CrawlOptions, DnsOutcome, Family, PortState } from "../../gen/ipv6matrix/v1/common.js";
import {
  type AddressResult,
  type NtpResult,
  type PingResult,
  TraceMethod,
  type TraceResult,
} from "../../gen/ipv6matrix/v1/work.js";
import { canonicalIp, PrefixSet } from "../runtime/address.js";
import type { Config } from "../runtime/config.js";
import type { Logger } from "../runtime/log.js";
import { forbiddenReason } from "../runtime/special-purpose.js";
import { RawSocketUnavailable } from "./capability.js";
import { EchoSocket } from "./echo-socket.js";
import { probeFailureOf } from "./failure.js";
import { FlowSocket } from "./flow-socket.js";
import { ntpProbe } from "./ntp/client.js";
import { defaultRateLimits, PacketPacer, paced, type RateLimits } from "./packet-pacer.js";
import { measurePath } from "./path.js";
import { ping } from "./ping.js";
import { smtpResultOf } from "./smtp.js";
import { defaultSmtpThreads, SmtpThreads } from "./smtp-threads.js";
import { sourceAddress } from "./source-address.js";
import { tcpProbe } from "./tcp.js";

/** Recorded in every AddressResult: which method measured it (ooni's measurement version). */
export const PROBER_VERSION =
  "prober/3 ping=icmp-echo path=icmp-echo-ttl+retry,then-tcp-syn|udp pmtu=df-probe-confirmed tcp=connect smtp=ehlo-starttls tcp25=handshake ntp=v4-mode3-random-origin";

export interface ProberOptions {
  readonly ping: { count: number; intervalMs: number; timeoutMs: number };
  readonly tcpTimeoutMs: number;
  readonly smtpTimeoutMs: number;
  /** The NTP probe (config ntp_probe): wait per request, and requests again after silence. */
  readonly ntp: { timeoutMs: number; retries: number };
  readonly trace: {
    maxTtl: number;
    timeoutMs: number;
    window: number;
    gapLimit: number;
    retries: number;
    edgeAttempts: number;
  };
  readonly allowRanges: readonly string[];
  readonly rate: RateLimits;
  /** Metrics measured when a task names none. */
  readonly metrics: ReadonlySet<string>;
  /** Worker threads for the SMTP dialogues (smtp-threads.ts); 0 runs them on the main thread. */
  readonly smtpThreads: number;
  /**
   * Tests and benchmarks: when set, nothing outside these ranges is probed, public or not, so
   * a slip in a test's target list cannot send a packet off the lab.
   */
  readonly confineTo?: readonly string[];
}

/** Keys not (yet) in config.ts: prober.pps, prober.per_destination_pps, trace window and gap limit. */
export interface ProberExtras {
  readonly pps?: number;
  readonly perDestinationPps?: number;
  readonly traceWindow?: number;
  readonly traceGapLimit?: number;
  /** Probes sent again to a silent TTL (default 1: two attempts, as scamper). */
  readonly traceRetries?: number;
  /** Probes in all to a silent TTL just below the destination (default 4; trace-hops.ts). */
  readonly traceEdgeAttempts?: number;
  readonly smtpThreads?: number;
}

export function proberOptionsFrom(config: Config, extras: ProberExtras = {}): ProberOptions {
  return {
    ping: {
      count: config.ping.count,
      intervalMs: config.ping.interval * 1000,
      timeoutMs: config.ping.timeout * 1000,
    },
    tcpTimeoutMs: config.tcp.timeout * 1000,
    smtpTimeoutMs: config.tcp.smtpTimeout * 1000,
    ntp: { timeoutMs: config.ntp_probe.timeout * 1000, retries: config.ntp_probe.retries },
    trace: {
      maxTtl: config.trace.max_ttl,
      timeoutMs: config.trace.timeout * 1000,
      window: extras.traceWindow ?? 6,
      gapLimit: extras.traceGapLimit ?? 5,
      retries: extras.traceRetries ?? 1,
      edgeAttempts: extras.traceEdgeAttempts ?? 4,
    },
    allowRanges: config.prober.allow_ranges,
    smtpThreads: extras.smtpThreads ?? defaultSmtpThreads(),
    rate: {
      pps: extras.pps ?? defaultRateLimits.pps,
      perDestinationPps: extras.perDestinationPps ?? defaultRateLimits.perDestinationPps,
    },
    metrics: new Set(
      Object.entries(config.metrics)
        .filter(([, on]) => on)
        .map(([name]) => name),
    ),
  };
}

export class Prober {
  private readonly limiter: PacketPacer;
  private readonly allowed: PrefixSet;
  private readonly confined: PrefixSet | undefined;
  private readonly sockets = new Map<4 | 6, EchoSocket | RawSocketUnavailable>();
  private readonly flowSockets = new Map<4 | 6, FlowSocket>();
  private readonly warned = new Set<string>();
  private readonly smtp: SmtpThreads;

  constructor(
    private readonly options: ProberOptions,
    private readonly log?: Logger,
  ) {
    this.limiter = new PacketPacer(options.rate);
    this.allowed = new PrefixSet(options.allowRanges, "prober.allow_ranges");
    this.confined = options.confineTo ? new PrefixSet(options.confineTo, "confine") : undefined;
    this.smtp = new SmtpThreads(options.smtpThreads, (error) => {
      const message = `SMTP threads failed, SMTP probes run on the main thread: ${error.message}`;
      if (log) log.warn({ err: error }, message);
      else process.emitWarning(message);
    });
  }

  /** Why nothing may be sent to `ip` (special-purpose and not allowed, or outside a confinement), or undefined. */
  refusal(ip: string): string | undefined {
    const address = isIP(ip.trim()) === 0 ? ip : canonicalIp(ip.trim());
    return (
      forbiddenReason(address, this.allowed) ??
      (this.confined && !this.confined.has(address)
        ? "outside the ranges this prober is confined to"
        : undefined)
    );
  }

  /** Measures one address; never throws for what the network does (only for local shortages). */
  async probe(ip: string, crawlId = "", crawl?: CrawlOptions): Promise<AddressResult> {
    const version = isIP(ip.trim());
    const address = version === 0 ? ip : canonicalIp(ip.trim());
    const family = version === 6 ? 6 : 4;
    const result: AddressResult = {
      crawlId,
      ip: address,
      family:
        version === 6 ? Family.FAMILY_IPV6 : version === 4 ? Family.FAMILY_IPV4 : Family.FAMILY_UNSPECIFIED,
      rdns: "",
      rdnsOutcome: DnsOutcome.DNS_OUTCOME_NOT_ASKED,
      ping: undefined,
      tcp80: PortState.PORT_STATE_NOT_PROBED,
      tcp443: PortState.PORT_STATE_NOT_PROBED,
      tcp25: PortState.PORT_STATE_NOT_PROBED,
      starttls: false,
      trace: undefined,
      notProbedReason: "",
      proberVersion: PROBER_VERSION,
      smtp: undefined,
      sourceIp: "",
      ntp: undefined,
    };
    const refused = this.refusal(address);
    if (refused) return { ...result, notProbedReason: refused };

    const metrics = crawl && crawl.metrics.length > 0 ? new Set(crawl.metrics) : this.options.metrics;
    const count = crawl?.pingCount || this.options.ping.count;
    const tcpTimeoutMs = (crawl?.tcpTimeoutSeconds || this.options.tcpTimeoutMs / 1000) * 1000;
    const smtpTimeoutMs = (crawl?.smtpTimeoutSeconds || this.options.smtpTimeoutMs / 1000) * 1000;
    const trace = {
      ...this.options.trace,
      maxTtl: crawl?.traceMaxTtl || this.options.trace.maxTtl,
      timeoutMs: (crawl?.traceTimeoutSeconds || this.options.trace.timeoutMs / 1000) * 1000,
    };

    const source = await sourceAddress(address);
    result.sourceIp = source.kind === "route" ? source.address : "";
    // Ping and path need a raw socket and a route; without them they are not measured, never "unreachable".
    let unmeasured = "";
    const socket = this.socket(family);
    if (socket instanceof RawSocketUnavailable) unmeasured = socket.reason;
    else if (source.kind === "no-route") unmeasured = `no route to ${address}: ${source.reason}`;
    const echo = socket instanceof EchoSocket && unmeasured === "" ? socket : undefined;

    const work: Promise<void>[] = [];
    if (metrics.has("ping") && count > 0) {
      if (echo)
        work.push(
          ping(echo, address, { ...this.options.ping, count }).then(({ notSent, ...stats }) => {
            result.ping = { ...stats, notMeasuredReason: notSent };
          }),
        );
      else result.ping = notMeasuredPing(unmeasured);
    }
    // The path waits for the ports when echo does not reach the destination: an open one is
    // what a TCP trace aims at.
    let portsMeasured: () => Promise<number[]> = async () => [];
    if (metrics.has("path")) {
      if (echo) {
        const flow = this.flowSocket(family, echo);
        work.push(
          measurePath({
            family,
            destination: address,
            source: result.sourceIp,
            echo,
            flow,
            limits: trace,
            openPorts: () => portsMeasured(),
          }).then((path) => {
            result.trace = path;
          }),
        );
      } else result.trace = notMeasuredTrace(unmeasured);
    }
    const portWork: Promise<void>[] = [];
    for (const [metric, port] of [
      ["tcp80", 80],
      ["tcp443", 443],
    ] as const) {
      if (!metrics.has(metric)) continue;
      portWork.push(
        this.paced(address).then(async () => {
          result[metric] = (await tcpProbe(address, port, tcpTimeoutMs)).state;
        }),
      );
    }
    if (metrics.has("tcp25")) {
      portWork.push(
        this.paced(address).then(async () => {
          const smtp = await this.smtp.probe(address, { timeoutMs: smtpTimeoutMs, tls: metrics.has("tls") });
          result.tcp25 = smtp.tcp25;
          result.starttls = smtp.starttls;
          result.smtp = smtpResultOf(smtp);
        }),
      );
    }
    // UDP 123 of every address, not only the time hosts' (docs/decisions/016-ntp-probe.md).
    if (metrics.has("ntp")) {
      work.push(
        ntpProbe(address, { ...this.options.ntp, pace: () => this.paced(address) }).then((ntp) => {
          result.ntp = {
            answered: ntp.answered,
            stratum: ntp.stratum,
            offsetMs: ntp.offsetMs,
            rttMs: ntp.rttMs,
            failure: ntp.failure,
            failureKind: probeFailureOf(ntp.failure),
            kissCode: ntp.kissCode,
            refid: ntp.refid,
          } satisfies NtpResult;
        }),
      );
    }
    portsMeasured = async () => {
      await Promise.all(portWork);
      return openPorts(result);
    };
    await Promise.all([...work, ...portWork]);
    return result;
  }

  /** Counters of both raw sockets, for metrics and the benchmark. */
  echoCounts(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const socket of this.sockets.values()) {
      if (!(socket instanceof EchoSocket)) continue;
      for (const [key, value] of Object.entries(socket.counts)) total[key] = (total[key] ?? 0) + value;
    }
    return total;
  }

  close(): void {
    this.smtp.close();
    for (const socket of this.flowSockets.values()) socket.close();
    for (const socket of this.sockets.values()) if (socket instanceof EchoSocket) socket.close();
  }

  /** The family's UDP / TCP probe sockets, opened on first use (they share the echo socket's errors). */
  private flowSocket(family: 4 | 6, echo: EchoSocket): FlowSocket {
    let socket = this.flowSockets.get(family);
    if (!socket) {
      socket = new FlowSocket(family, this.limiter, echo);
      this.flowSockets.set(family, socket);
    }
    return socket;
  }

  /** The family's shared raw socket, opened on first use; the reason once and for all when it cannot be. */
  private socket(family: 4 | 6): EchoSocket | RawSocketUnavailable {
    let socket = this.sockets.get(family);
    if (!socket) {
      try {
        socket = new EchoSocket(family, this.limiter);
      } catch (error) {
        if (!(error instanceof RawSocketUnavailable)) throw error;
        socket = error;
        // Said once, clearly, with the command that grants the capability.
        if (!this.warned.has(error.reason)) {
          this.warned.add(error.reason);
          if (this.log) this.log.warn({ family }, error.message);
          else process.emitWarning(error.message);
        }
      }
      this.sockets.set(family, socket);
    }
    return socket;
  }

  /** A TCP SYN counts against the same packet budget as the ICMP probes. */
  private paced(destination: string): Promise<void> {
    return paced(this.limiter, destination);
  }
}

function notMeasuredPing(reason: string): PingResult {
  return { sent: 0, received: 0, minMs: 0, avgMs: 0, maxMs: 0, mdevMs: 0, notMeasuredReason: reason };
}

function notMeasuredTrace(reason: string): TraceResult {
  return {
    hops: 0,
    reached: false,
    path: [],
    mtu: 0,
    notMeasuredReason: reason,
    method: TraceMethod.TRACE_METHOD_UNSPECIFIED,
    port: 0,
  };
}

/** Ports found open by the TCP handshake, in the order a TCP trace prefers them. */
function openPorts(result: AddressResult): number[] {
  const open = (state: PortState) => state === PortState.PORT_STATE_OPEN;
  return [
    ...(open(result.tcp80) ? [80] : []),
    ...(open(result.tcp443) ? [443] : []),
    ...(open(result.tcp25) ? [25] : []),
  ];
}
