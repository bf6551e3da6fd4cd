// One walker per crawl, let go once the crawl's domains stop coming; a crawl still walking is kept.

import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { CrawlWalkers } from "./crawl-walkers.js";
import type { Chain6Network, Exchange } from "./network.js";

/** A network where nothing answers, released by hand. */
function heldNetwork() {
  const waiting: (() => void)[] = [];
  const network: Chain6Network = {
    ask: () =>
      new Promise<Exchange>((resolve) => waiting.push(() => resolve({ kind: "silent", reason: "test" }))),
  };
  const release = () => {
    for (const go of waiting.splice(0)) go();
  };
  return { network, release, waiting };
}

it("keeps a crawl's walker while it walks and lets it go once idle", async () => {
  const { network, release, waiting } = heldNetwork();
  const options = { rootHints: ["2001:db8::53"], minServers: 2, allowRanges: ["2001:db8::/32"] };
  const walkers = new CrawlWalkers(network, options, 20);
  const walk = walkers.walk("c1", "example.com");
  for (let i = 0; i < 200 && waiting.length === 0; i++) await sleep(5);
  assert.equal(waiting.length, 1, "the root hint is asked");
  // Longer than the idle time, but the crawl is still walking: kept.
  await sleep(60);
  assert.equal(walkers.held, 1);
  release();
  const row = await walk;
  assert.deepEqual([row.reason, row.cuts, row.queries], ["ns_silent_v6", ["."], 1]);
  for (let i = 0; i < 200 && walkers.held > 0; i++) await sleep(10);
  assert.equal(walkers.held, 0);
  walkers.close();
});
