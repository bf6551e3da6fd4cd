// The crawl's DNS client: one question in, one closed outcome out (OK, NODATA,
// NXDOMAIN, SERVFAIL, REFUSED, TIMEOUT, MALFORMED, INVALID_NAME, OTHER); it
// never throws for what the network did. UDP with EDNS0, TCP when truncated,
// retries on the next configured server after a timeout, and, as every stub
// resolver does, asks the other configured servers when one answers SERVFAIL
// or REFUSED (its answer is kept when none does better), caps on questions in flight and per
// second per server, CNAME chains followed with a limit. No cache: a crawl
// asks each question once. Sockets live in udp-pool.ts and tcp-query.ts,
// message checks in dns-message.ts.

import { isIP } from "node:net";
import type { Answer, DecodedPacket, RecordType } from "dns-packet";
import { type Endpoint, formatEndpoint } from "../runtime/config.js";
import { checkHostName } from "../runtime/domain-name.js";
import { RateLimiter } from "../runtime/rate-limit.js";
import { canonical, type Outcome, outcomeOfRcode, rcodeOf, walkChain } from "./dns-message.js";
import { passedOverCounter, queryInFlight, questionsCounter, sentCounter } from "./dns-metrics.js";
import { InFlightLimit } from "./in-flight-limit.js";
import { tcpQuery } from "./tcp-query.js";
import { UdpPool, type UdpResult } from "./udp-pool.js";

export type { Outcome } from "./dns-message.js";

export interface DnsAnswer {
  readonly outcome: Outcome;
  /** The RCODE of the last answer (-1 when none came). */
  readonly rcode: number;
  /** Records of the asked type, at the end of any CNAME chain. */
  readonly records: Answer[];
  /** Names met on the way, in order, when the name was an alias. */
  readonly cnameChain: string[];
  /** The server that gave the last answer (or the last one tried). */
  readonly server: string;
  readonly rttMs: number;
  /** The UDP answer was truncated and the question asked again over TCP. */
  readonly tcp: boolean;
  /**
   * Why, for MALFORMED, TIMEOUT and INVALID_NAME (the raw text beside the closed outcome); and
   * which servers answered SERVFAIL or REFUSED before the server that gave this answer.
   */
  readonly detail?: string;
}

export interface DnsClientOptions {
  /** IP literals with ports; at least one. */
  readonly servers: readonly Endpoint[];
  readonly timeoutMs: number;
  /** Further tries after a timeout, each on the next server (SERVFAIL and REFUSED: see ask). */
  readonly retries: number;
  /** Queries sent and not yet answered, over all servers. */
  readonly maxInFlight: number;
  /** Queries per second to each server; 0 for no limit. */
  readonly qpsPerServer?: number;
  /** UDP sockets open per name server, each on its own random port. */
  readonly sockets?: number;
  /** Queries a UDP socket sends before it is replaced by one on a fresh port. */
  readonly queriesPerSocket?: number;
  /** Aliases followed at most (a chain of more is MALFORMED). */
  readonly maxCnameChain?: number;
}

/** What the client has done since it was made (for the benchmark and the debug call). */
export interface DnsClientStats {
  questions: number;
  queries: number;
  tcp: number;
  timeouts: number;
}

// Label children looked up once: the counters are touched for every question.
const sentUdp = sentCounter("udp");
const sentTcp = sentCounter("tcp");
const passedOver = { 2: passedOverCounter("SERVFAIL"), 5: passedOverCounter("REFUSED") } as const;
const outcomes: Outcome[] = ["OK", "NODATA", "NXDOMAIN", "SERVFAIL", "REFUSED", "TIMEOUT", "MALFORMED"];
const questionsBy = Object.fromEntries(
  [...outcomes, "INVALID_NAME", "OTHER"].map((o) => [o, questionsCounter(o)]),
) as Record<Outcome, ReturnType<typeof questionsCounter>>;

type Asked = DnsAnswer & { readonly packet?: DecodedPacket };

export class DnsClient {
  readonly stats: DnsClientStats = { questions: 0, queries: 0, tcp: 0, timeouts: 0 };
  /** One pool of connected sockets per server, in the order of `servers`. */
  private readonly pools: UdpPool[];
  private readonly limit: InFlightLimit;
  private readonly rates: RateLimiter[];
  private readonly maxChain: number;
  private rotation = 0;

  constructor(private readonly options: DnsClientOptions) {
    if (options.servers.length === 0) throw new Error("DNS client: no name server configured");
    for (const server of options.servers)
      if (isIP(server.host) === 0)
        throw new Error(`DNS client: name server ${server.host} is not an IP address`);
    this.pools = options.servers.map(
      (server) =>
        new UdpPool({
          server,
          sockets: options.sockets ?? 8,
          questionsPerSocket: options.queriesPerSocket ?? 20_000,
          timeoutMs: options.timeoutMs,
        }),
    );
    this.limit = new InFlightLimit(options.maxInFlight);
    this.rates = options.servers.map(() => questionsPerSecond(options.qpsPerServer ?? 0));
    this.maxChain = options.maxCnameChain ?? 10;
  }

  get inFlight(): number {
    return this.limit.inFlight;
  }

  /** Asks one question, following a CNAME chain; never throws for network outcomes. */
  async query(rawName: string, type: RecordType): Promise<DnsAnswer> {
    this.stats.questions++;
    const answer = await this.resolve(rawName, type);
    questionsBy[answer.outcome].inc();
    return answer;
  }

  close(): void {
    for (const pool of this.pools) pool.close();
  }

  private async resolve(rawName: string, type: RecordType): Promise<DnsAnswer> {
    const checked = checkHostName(rawName);
    if (!checked.ok)
      return {
        ...this.failure("INVALID_NAME", "", 0, false),
        detail: `${rawName.slice(0, 80)}: ${checked.reason}`,
      };
    const chain: string[] = [];
    let current = checked.name;
    for (;;) {
      const answer = await this.ask(current, type);
      const packet = answer.packet;
      const { packet: _, ...plain } = answer;
      if (!packet || (answer.rcode !== 0 && answer.rcode !== 3)) return { ...plain, cnameChain: chain };
      const walk = walkChain(packet.answers ?? [], current, type, this.maxChain - chain.length);
      for (const name of walk.chain) {
        // A loop across answers (walkChain checks each answer's own chain).
        if (name === checked.name || chain.includes(name))
          return { ...plain, outcome: "MALFORMED", cnameChain: chain, detail: "CNAME loop" };
        chain.push(name);
      }
      if (walk.broken)
        return {
          ...plain,
          outcome: "MALFORMED",
          cnameChain: chain,
          detail: walk.broken === "loop" ? "CNAME loop" : `CNAME chain longer than ${this.maxChain}`,
        };
      // NXDOMAIN at the end of a chain is about its last name (RFC 6604 3).
      if (answer.rcode === 3 || walk.records.length > 0 || walk.target === current || type === "CNAME")
        return {
          ...plain,
          outcome: outcomeOfRcode(answer.rcode, walk.records.length > 0),
          records: walk.records,
          cnameChain: chain,
        };
      // The chain leaves what this server answered for (an authoritative
      // server does not chase aliases out of its zones): ask for its end.
      current = walk.target;
    }
  }

  /**
   * One question to the configured servers, from the next in rotation. A timeout (or an answer
   * that cannot be believed) moves on to the next server while retries last. A SERVFAIL or
   * REFUSED is one server's trouble, not the name's: the servers not yet heard from are asked
   * in turn (glibc, unbound and dig +search alike), without spending a retry, and that answer
   * stands only when no other server gives one.
   */
  private async ask(name: string, type: RecordType): Promise<Asked> {
    const servers = this.options.servers;
    const first = this.rotation++ % servers.length;
    let last: Asked = this.failure("TIMEOUT", formatEndpoint(servers[first]!), 0, false);
    /** Servers that answered SERVFAIL or REFUSED, and the last such answer. */
    const refusing = new Set<number>();
    let refused: Asked | undefined;
    let failures = 0;
    let next = first;
    await this.limit.acquire();
    queryInFlight(1);
    try {
      for (;;) {
        let index = -1;
        for (let k = 0; k < servers.length && index < 0; k++)
          if (!refusing.has((next + k) % servers.length)) index = (next + k) % servers.length;
        if (index < 0) break;
        next = index + 1;
        const server = servers[index]!;
        await this.rates[index]!.take();
        const started = performance.now();
        this.stats.queries++;
        sentUdp.inc();
        let result: UdpResult = await this.pools[index]!.send(name, type);
        let tcp = false;
        if (result.kind === "answer" && result.packet.flag_tc) {
          // RFC 7766 5: a truncated answer is asked again over TCP.
          tcp = true;
          this.stats.tcp++;
          sentTcp.inc();
          result = await tcpQuery(name, type, server, this.options.timeoutMs);
        }
        const rtt = performance.now() - started;
        const where = formatEndpoint(server);
        if (result.kind === "answer") {
          const rcode = rcodeOf(result.packet);
          const answer: Asked = {
            outcome: outcomeOfRcode(rcode, false),
            rcode,
            records: [],
            cnameChain: [],
            server: where,
            rttMs: rtt,
            tcp,
            packet: result.packet,
            ...(refused ? { detail: `${refused.detail}; then ${where}` } : {}),
          };
          if ((rcode === 2 || rcode === 5) && refusing.size + 1 < servers.length) {
            refusing.add(index);
            passedOver[rcode].inc();
            refused = {
              ...answer,
              detail: `${refused ? `${refused.detail}, ` : ""}${answer.outcome} from ${where}`,
            };
            continue;
          }
          return answer;
        }
        if (result.kind === "timeout") this.stats.timeouts++;
        last =
          result.kind === "malformed"
            ? { ...this.failure("MALFORMED", where, rtt, tcp), detail: result.reason }
            : result.kind === "send-error"
              ? { ...this.failure("TIMEOUT", where, rtt, tcp), detail: result.reason }
              : this.failure("TIMEOUT", where, rtt, tcp);
        if (++failures > this.options.retries) break;
      }
      // An answer, even SERVFAIL, says more than the silence of the others.
      return refused ?? last;
    } finally {
      queryInFlight(-1);
      this.limit.release();
    }
  }

  private failure(outcome: Outcome, server: string, rttMs: number, tcp: boolean): DnsAnswer {
    return { outcome, rcode: -1, records: [], cnameChain: [], server, rttMs, tcp };
  }
}

/** The first record's data of an answer as a lower-case name without the trailing dot ("" when none). */
export function firstName(answer: DnsAnswer): string {
  const record = answer.records[0] as { data?: unknown } | undefined;
  return record ? canonical(record.data) : "";
}

/** One server's questions per second (0: no limit), of which a twentieth of a second's worth may go at once. */
function questionsPerSecond(rate: number): RateLimiter {
  return new RateLimiter(rate, Math.max(1, Math.ceil(rate / 20)));
}
