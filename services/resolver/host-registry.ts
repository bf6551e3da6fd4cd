// "Sent once per crawl" for names and addresses, in bounded memory: each crawl
// keeps a set of 64-bit keyed hashes in one open-addressing table of typed
// arrays (8 bytes a slot), never the names as JS strings, so a million-domain
// crawl's ten million host names fit in about 128 MB. A collision (two names,
// one hash) would skip a name: with 64 bits and 10^7 names the odds are about
// 3 in a million per crawl, and the seed is random per process so nobody can
// aim for one. Tables of crawls idle for `idleMs` are let go.

import { randomInt } from "node:crypto";

/** An insert-only set of 64-bit hashes (linear probing, power-of-two capacity, load at most 3/4). */
export class HashSet64 {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds (hi, lo); returns false when it was there already. (0, 0) is stored as (0, 1). */
  add(hi: number, lo: number): boolean {
    const h = hi >>> 0;
    const l = hi === 0 && lo === 0 ? 1 : lo >>> 0;
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    return this.insert(h, l);
  }

  has(hi: number, lo: number): boolean {
    const h = hi >>> 0;
    const l = hi === 0 && lo === 0 ? 1 : lo >>> 0;
    for (let i = (l ^ h) & this.mask; ; i = (i + 1) & this.mask) {
      const sh = this.slots[2 * i]!;
      const sl = this.slots[2 * i + 1]!;
      if (sh === 0 && sl === 0) return false;
      if (sh === h && sl === l) return true;
    }
  }

  private insert(h: number, l: number): boolean {
    for (let i = (l ^ h) & this.mask; ; i = (i + 1) & this.mask) {
      const sh = this.slots[2 * i]!;
      const sl = this.slots[2 * i + 1]!;
      if (sh === 0 && sl === 0) {
        this.slots[2 * i] = h;
        this.slots[2 * i + 1] = l;
        this.count++;
        return true;
      }
      if (sh === h && sl === l) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = old.length - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2)
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

/** Two 32-bit halves of a keyed hash of a string (murmur3-style mixing of each UTF-16 unit). */
export function hash64(text: string, seed: number): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ Math.imul(seed, 0x9e3779b1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, (h2 ^ text.length) >>> 0];
}

interface CrawlTable {
  readonly set: HashSet64;
  lastUsed: number;
}

/** Per crawl: which names (hosts, addresses) have been claimed for publishing. */
export class CrawlRegistry {
  private readonly crawls = new Map<string, CrawlTable>();
  private readonly seed = randomInt(0x7fffffff);
  private lastSweep = 0;

  constructor(
    private readonly idleMs = 6 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Claims `name` for `crawl`: true the first time, false after. Claim after
   * publishing succeeded, so a failed publish is retried on redelivery.
   */
  claim(crawl: string, name: string): boolean {
    const [hi, lo] = hash64(name, this.seed);
    return this.table(crawl).set.add(hi, lo);
  }

  has(crawl: string, name: string): boolean {
    const [hi, lo] = hash64(name, this.seed);
    return this.crawls.get(crawl)?.set.has(hi, lo) ?? false;
  }

  /** Names being published right now (at most the handlers in flight). */
  private readonly sending = new Set<string>();

  /**
   * Publishes `name` once a crawl: runs `send` unless the name was claimed or
   * another handler is sending it now, and claims it once `send` resolved.
   * A handler that skips a name another one is sending may go on: if that
   * send fails, its own message is redelivered and sends the name again.
   */
  async once(crawl: string, name: string, send: () => Promise<void>): Promise<void> {
    const key = `${crawl}\n${name}`;
    if (this.sending.has(key) || this.has(crawl, name)) return;
    this.sending.add(key);
    try {
      await send();
      this.claim(crawl, name);
    } finally {
      this.sending.delete(key);
    }
  }

  /** Names claimed in a crawl so far. */
  size(crawl: string): number {
    return this.crawls.get(crawl)?.set.size ?? 0;
  }

  /** Bytes held by every crawl's table. */
  get bytes(): number {
    let total = 0;
    for (const table of this.crawls.values()) total += table.set.bytes;
    return total;
  }

  private table(crawl: string): CrawlTable {
    const now = this.now();
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      // A crawl idle that long has finished (or will re-publish a few
      // harmless duplicates, which the message keys and the store absorb).
      for (const [id, table] of this.crawls) if (now - table.lastUsed > this.idleMs) this.crawls.delete(id);
    }
    let table = this.crawls.get(crawl);
    if (!table) {
      table = { set: new HashSet64(), lastUsed: now };
      this.crawls.set(crawl, table);
    }
    table.lastUsed = now;
    return table;
  }
}
