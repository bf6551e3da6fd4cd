// One chain walker per crawl (its caches are the crawl's: cuts are walked once per crawl), made on
// the crawl's first domain and let go once no domain of the crawl has been walked for `idleMs`:
// the resolver hears of no crawl's end, and a crawl whose domains keep coming is not idle. The
// network (and so the bound on questions in flight) is shared by every crawl.

import type { Chain6Network } from "./network.js";
import { type Chain6Options, Chain6Walker, type Dns6Walk } from "./walk.js";

interface Held {
  readonly walker: Chain6Walker;
  walking: number;
  timer: NodeJS.Timeout | undefined;
}

export class CrawlWalkers {
  private readonly crawls = new Map<string, Held>();

  constructor(
    private readonly network: Chain6Network,
    private readonly options: Chain6Options,
    private readonly idleMs = 120_000,
  ) {}

  /** Crawls whose walker (and caches) is held. */
  get held(): number {
    return this.crawls.size;
  }

  async walk(crawlId: string, domain: string): Promise<Dns6Walk> {
    let held = this.crawls.get(crawlId);
    if (!held) {
      held = { walker: new Chain6Walker(this.network, this.options), walking: 0, timer: undefined };
      this.crawls.set(crawlId, held);
    }
    clearTimeout(held.timer);
    held.walking++;
    try {
      return await held.walker.walk(domain);
    } finally {
      held.walking--;
      if (held.walking === 0) {
        const idle = held;
        idle.timer = setTimeout(() => {
          if (idle.walking === 0 && this.crawls.get(crawlId) === idle) this.crawls.delete(crawlId);
        }, this.idleMs);
        idle.timer.unref();
      }
    }
  }

  close(): void {
    for (const held of this.crawls.values()) clearTimeout(held.timer);
    this.crawls.clear();
  }
}
