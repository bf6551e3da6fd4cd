// The chain walk of one crawl (docs/decisions/014): from the root hints down to a domain's zone,
// over IPv6 only, every zone cut checked (its NS names' IPv6 addresses, from AAAA glue or from
// AAAA look-ups walked the same way, and which answer authoritatively). Cuts, the questions asked
// below a cut and NS-name look-ups are cached for the crawl, shared by concurrent domains while in
// flight, in bounded maps. The verdict is verdict.ts's; the packets are network.ts's.

import type { RecordType } from "dns-packet";
import type { AllowRanges } from "../../runtime/special-purpose.js";
import { type Chain6Network, destinationOf } from "./network.js";
import { aaaaOf, classifyReply, isWithin, nextLabel, nsOf, type Reply } from "./response.js";
import {
  bestStatus,
  type CutCheck,
  type Dns6Reason,
  type Dns6Verdict,
  dns6Verdict,
  type NameCheck,
  type NameStatus,
  type WalkEnd,
} from "./verdict.js";

export interface Chain6Options {
  /** resolver.root_hints: the root servers' IPv6 addresses. */
  readonly rootHints: readonly string[];
  /** readiness.min_ipv6_nameservers. */
  readonly minServers: number;
  /** prober.allow_ranges. */
  readonly allowRanges: AllowRanges;
  /** Entries each cache holds at most before the oldest are let go. */
  readonly maxEntries?: number;
}

export interface Dns6Walk extends Dns6Verdict {
  /** Questions this walk sent (cached work done for another domain is not counted). */
  readonly queries: number;
}

interface Cut extends CutCheck {
  /** Addresses that answered authoritatively, asked the questions below the cut. */
  readonly answering: readonly string[];
}

/** Who is waiting: the cached computation in progress (to find cycles) and whose questions count. */
interface Context {
  readonly node: string;
  readonly counter: { queries: number };
}

type Step =
  | { readonly kind: "cut"; readonly cut: Cut }
  /** The name exists inside the cut's zone, with no zone of its own below. */
  | { readonly kind: "inside" }
  | { readonly kind: "nxdomain" }
  | { readonly kind: "failed"; readonly reason: Dns6Reason };

type Below = Reply | { readonly kind: "failed"; readonly reason: Dns6Reason };

/** One NS name of a cut as checked: the authoritative reply it gave and its addresses that did. */
interface Checked {
  readonly name: NameCheck;
  readonly reply: Reply | undefined;
  readonly answering: readonly string[];
}

/** A cached computation that would wait on itself: a delegation whose name servers need it. */
const CYCLE = Symbol("cycle");

/** A Map that forgets its oldest entries beyond a bound. */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

export class Chain6Walker {
  private readonly cuts: Bounded<Promise<Cut>>;
  private readonly below: Bounded<Promise<Below>>;
  private readonly addresses: Bounded<Promise<string[]>>;
  private readonly probes: Bounded<Promise<{ status: NameStatus; reply?: Reply }>>;
  /** Which cached computation waits on which, while it waits: a cycle is refused, not awaited. */
  private readonly waits = new Map<string, Map<string, number>>();

  constructor(
    private readonly network: Chain6Network,
    private readonly options: Chain6Options,
  ) {
    const max = options.maxEntries ?? 50_000;
    this.cuts = new Bounded(max);
    this.below = new Bounded(max);
    this.addresses = new Bounded(max);
    this.probes = new Bounded(max);
  }

  /** Entries held, over every cache (for tests of the bound). */
  get cached(): number {
    return this.cuts.size + this.below.size + this.addresses.size + this.probes.size;
  }

  /** Walks from the root to `domain`'s zone; never throws for what the network did. */
  async walk(domain: string): Promise<Dns6Walk> {
    const context: Context = { node: `domain ${domain}`, counter: { queries: 0 } };
    const cuts: Cut[] = [];
    let end: WalkEnd = { kind: "reached" };
    let cut = await this.rootCut(context);
    cuts.push(cut);
    while (cut.servers > 0 && cut.zone !== domain) {
      const step = await this.descend(cut, domain, context);
      if (step.kind === "cut") {
        cut = step.cut;
        cuts.push(cut);
      } else {
        end =
          step.kind === "failed"
            ? { kind: "failed", zone: cut.zone, reason: step.reason }
            : { kind: "no_domain" };
        break;
      }
    }
    const verdict = dns6Verdict(domain, cuts, end, this.options.minServers);
    return { ...verdict, queries: context.counter.queries };
  }

  private async rootCut(context: Context): Promise<Cut> {
    const root = await this.shared(this.cuts, "cut .", context, async (own) => {
      const names = await Promise.all(
        this.options.rootHints.map(async (address): Promise<Checked> => {
          const probe = await this.probe(address, ".", own);
          const name = { name: address, inBailiwick: false, addresses: [address], status: probe.status };
          return { name, reply: probe.reply, answering: probe.status === "answers" ? [address] : [] };
        }),
      );
      return this.cutOf(".", names, [], {});
    });
    // The root's walk waits on nothing, so no context can be in a cycle with it.
    if (root === CYCLE) throw new Error("chain walk: the root cut waits on itself");
    return root;
  }

  /** One step down from `cut` towards `target`: the next cut, or why there is none. */
  private async descend(cut: Cut, target: string, context: Context): Promise<Step> {
    let name = nextLabel(cut.zone, target);
    for (;;) {
      const key = `${cut.zone} ${name}`;
      let below = this.below.get(key);
      if (!below) {
        below = this.askBelow(cut, name, context);
        this.below.set(key, below);
      }
      const reply = await below;
      if (reply.kind === "failed") return reply;
      if (reply.kind === "nxdomain") return { kind: "nxdomain" };
      if (reply.kind === "lame") return { kind: "failed", reason: "lame_v6" };
      if (reply.kind === "referral") {
        const child = await this.cut(reply.zone, reply.ns, reply.aaaa, context);
        return child === CYCLE ? { kind: "failed", reason: "ns_without_aaaa" } : { kind: "cut", cut: child };
      }
      // An authoritative answer: the parent's servers serve the child too (its NS at the apex),
      // or the name is inside the parent's zone.
      const ns = nsOf(reply.answers, name);
      if (ns.length > 0) {
        const child = await this.cut(name, ns, reply.aaaa, context);
        return child === CYCLE ? { kind: "failed", reason: "ns_without_aaaa" } : { kind: "cut", cut: child };
      }
      if (name === target) return { kind: "inside" };
      name = nextLabel(name, target);
    }
  }

  /** "<name> NS" to the cut's answering servers in turn, until one gives a reply that is not lame. */
  private async askBelow(cut: Cut, name: string, context: Context): Promise<Below> {
    let lame = false;
    for (const address of cut.answering) {
      const exchange = await this.ask(address, name, "NS", context);
      if (exchange.kind === "silent") continue;
      const reply = classifyReply(exchange.packet, cut.zone, name);
      if (reply.kind !== "lame") return reply;
      lame = true;
    }
    return { kind: "failed", reason: lame ? "lame_v6" : "ns_silent_v6" };
  }

  private cut(
    zone: string,
    ns: readonly string[],
    glue: Readonly<Record<string, readonly string[]>>,
    context: Context,
  ): Promise<Cut | typeof CYCLE> {
    return this.shared(this.cuts, `cut ${zone}`, context, async (own) => {
      const names = await Promise.all(
        ns.map(async (name): Promise<Checked> => {
          const inBailiwick = isWithin(name, zone);
          // Glue is believed only for names inside the delegated zone (RFC 1034 4.2.1); any other
          // name's address is looked up, over IPv6 as well.
          const addresses = inBailiwick ? [...(glue[name] ?? [])] : await this.addressesOf(name, own);
          const probes = await Promise.all(addresses.map((address) => this.probe(address, zone, own)));
          return {
            name: { name, inBailiwick, addresses, status: bestStatus(probes.map((p) => p.status)) },
            reply: probes.find((p) => p.status === "answers")?.reply,
            answering: addresses.filter((_, i) => probes[i]!.status === "answers"),
          };
        }),
      );
      const parentAaaa = Object.fromEntries(ns.filter((n) => glue[n]).map((n) => [n, [...glue[n]!]]));
      return this.cutOf(zone, names, ns, parentAaaa);
    });
  }

  private cutOf(
    zone: string,
    checked: readonly Checked[],
    parentNs: readonly string[],
    parentAaaa: Record<string, string[]>,
  ): Cut {
    const names = checked.map((c) => c.name);
    const first = checked.find((c) => c.reply?.kind === "authoritative")?.reply;
    const child = first?.kind === "authoritative" ? first : undefined;
    return {
      zone,
      names,
      servers: names.filter((n) => n.status === "answers").length,
      parentNs,
      parentAaaa,
      ...(child ? { childNs: nsOf(child.answers, zone), childAaaa: child.aaaa } : {}),
      answering: checked.flatMap((c) => c.answering),
    };
  }

  /** Asks `address` for "<zone> NS": does it answer for the zone, authoritatively, over IPv6? */
  private probe(
    address: string,
    zone: string,
    context: Context,
  ): Promise<{ status: NameStatus; reply?: Reply }> {
    const key = `${address} ${zone}`;
    let known = this.probes.get(key);
    if (!known) {
      known = (async () => {
        const destination = destinationOf(address, this.options.allowRanges);
        if (destination === "ipv4_mapped") return { status: "ipv4_mapped" as const };
        if (destination === "forbidden") return { status: "no_address" as const };
        const exchange = await this.ask(address, zone, "NS", context);
        if (exchange.kind === "silent") return { status: "silent" as const };
        const reply = classifyReply(exchange.packet, zone, zone);
        const authoritative = reply.kind === "authoritative" && nsOf(reply.answers, zone).length > 0;
        return authoritative ? { status: "answers" as const, reply } : { status: "lame" as const, reply };
      })();
      this.probes.set(key, known);
    }
    return known;
  }

  /** The IPv6 addresses of an out-of-bailiwick NS name, looked up by walking to its zone. */
  private addressesOf(name: string, context: Context): Promise<string[]> {
    return this.shared(this.addresses, `aaaa ${name}`, context, async (own) => {
      let cut = await this.rootCut(own);
      for (;;) {
        if (cut.servers === 0) return [];
        const step = await this.descend(cut, name, own);
        if (step.kind === "cut") {
          cut = step.cut;
          continue;
        }
        if (step.kind !== "inside") return [];
        for (const address of cut.answering) {
          const exchange = await this.ask(address, name, "AAAA", own);
          if (exchange.kind === "silent") continue;
          const reply = classifyReply(exchange.packet, cut.zone, name);
          if (reply.kind === "authoritative") return aaaaOf(reply.answers, name);
          if (reply.kind === "nxdomain") return [];
        }
        return [];
      }
    }).then((found) => (found === CYCLE ? [] : found));
  }

  private ask(address: string, name: string, type: RecordType, context: Context) {
    context.counter.queries++;
    return this.network.ask(address, name, type);
  }

  /**
   * The cached value of `key`, computed once (by the first context to need it, whose questions
   * it counts) and awaited by the others. A context that would wait on a computation that waits,
   * however indirectly, on it gets CYCLE instead of a deadlock.
   */
  private async shared<V>(
    cache: Bounded<Promise<V>>,
    key: string,
    context: Context,
    compute: (own: Context) => Promise<V>,
  ): Promise<V | typeof CYCLE> {
    if (key === context.node || this.reaches(key, context.node)) return CYCLE;
    let value = cache.get(key);
    if (!value) {
      value = compute({ node: key, counter: context.counter });
      cache.set(key, value);
    }
    this.wait(context.node, key, 1);
    try {
      return await value;
    } finally {
      this.wait(context.node, key, -1);
    }
  }

  private wait(from: string, to: string, delta: 1 | -1): void {
    const edges = this.waits.get(from) ?? new Map<string, number>();
    const count = (edges.get(to) ?? 0) + delta;
    if (count > 0) edges.set(to, count);
    else edges.delete(to);
    if (edges.size > 0) this.waits.set(from, edges);
    else this.waits.delete(from);
  }

  /** Whether `from` waits, directly or through others, on `to`. */
  private reaches(from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node === to) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const next of this.waits.get(node)?.keys() ?? []) stack.push(next);
    }
    return false;
  }
}
