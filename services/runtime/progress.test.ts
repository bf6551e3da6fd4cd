import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { migrate } from "./migrate.js";
import { crawlMeasures, measuresAddresses, readProgress, unnamedRoutersSql } from "./progress.js";
import type { Store } from "./store.js";
import { openChdbStore } from "./store-chdb.js";

const crawl = "progress-test";
const date = "2026-12-01";

describe("an address of a crawl that asks names waits for the names of the routers on its path (issue 15 item 4)", () => {
  let store: Store;
  let dir: string;
  const addresses = async () =>
    (await readProgress(store, crawl, 1, { prober: true, geo: false, reverse: true })).find(
      (stage) => stage.stage === "addresses",
    )!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-progress-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await store.insert("jobs", [
      {
        crawl_id: crawl,
        date,
        domain: "a.fr",
        tld: "fr",
        type: "WWW",
        host: "www.a.fr",
        priority: 0,
        outcome: "OK",
      },
    ]);
    await store.insert("hosts", [
      {
        crawl_id: crawl,
        date,
        host: "www.a.fr",
        a_outcome: "OK",
        aaaa_outcome: "NODATA",
        ipv4: ["203.0.113.9"],
        ipv6: [],
        ip6_types: [],
        eui64: [],
        cname_chain: [],
      },
    ]);
    await store.insert("addresses", [
      {
        crawl_id: crawl,
        date,
        ip: "::ffff:203.0.113.9",
        family: 4,
        trace_path: ["192.0.2.1", "*", "198.51.100.6", "203.0.113.9"],
        trace_reached: 1,
        trace_hops: 4,
      },
    ]);
    await store.insert("reverse", [
      { crawl_id: crawl, date, ip: "::ffff:203.0.113.9", name: "www.a.fr", outcome: "OK" },
      { crawl_id: crawl, date, ip: "::ffff:192.0.2.1", name: "r1.transit.net", outcome: "OK" },
    ]);
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is not done while a router's PTR row is missing, and resume finds that router", async () => {
    assert.deepEqual([(await addresses()).total, (await addresses()).done], [1, 0]);
    const missing = await store.query<{ ip: string }>(
      `SELECT replaceRegexpOne(toString(router), '^::ffff:', '') AS ip FROM (${unnamedRoutersSql})`,
      { crawl },
    );
    assert.deepEqual(
      missing.map((row) => row.ip),
      ["198.51.100.6"],
    );
  });

  it("is done once every router answered, a name or not", async () => {
    await store.insert("reverse", [
      { crawl_id: crawl, date, ip: "::ffff:198.51.100.6", name: "", outcome: "NXDOMAIN" },
    ]);
    assert.deepEqual([(await addresses()).total, (await addresses()).done], [1, 1]);
  });

  it("does not wait for names when the crawl does not ask them", async () => {
    const stages = await readProgress(store, crawl, 1, { prober: true, geo: false, reverse: false });
    assert.equal(stages.find((stage) => stage.stage === "addresses")!.done, 1);
  });
});

describe("a crawl that asks web6 waits for the web_parity rows of its WWW hosts with a valid IPv6 address (issue 19)", () => {
  let store: Store;
  let dir: string;
  const web = async (options = { prober: true, geo: false, web: true }) =>
    (await readProgress(store, "web-test", 1, options)).find((stage) => stage.stage === "web");
  const host = (name: string, ipv6: string[], valid6: number[]) => ({
    crawl_id: "web-test",
    date,
    host: name,
    a_outcome: "OK",
    aaaa_outcome: "OK",
    ipv4: ["203.0.113.9"],
    ipv6,
    valid4: [1],
    valid6,
    ip6_types: ipv6.map(() => ""),
    eui64: ipv6.map(() => 0),
    cname_chain: [],
  });
  const parity = (name: string, scheme: string) => ({
    crawl_id: "web-test",
    date,
    host: name,
    scheme,
    ip4: "::ffff:203.0.113.9",
    ip6: "2001:db8::1",
    differences: [],
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-progress-web-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    const job = (type: string, name: string) => ({
      crawl_id: "web-test",
      date,
      domain: "a.se",
      tld: "se",
      type,
      host: name,
      priority: 0,
      outcome: "OK",
    });
    // www and www6 are WWW hosts with a valid IPv6 address; ipv6's only AAAA is invalid (::1);
    // mail has IPv6 but is no WWW host.
    await store.insert("jobs", [
      job("WWW", "www.a.se"),
      job("WWW", "www6.a.se"),
      job("WWW", "ipv6.a.se"),
      job("MX", "mail.a.se"),
    ]);
    await store.insert("hosts", [
      host("www.a.se", ["2001:db8::1"], [1]),
      host("www6.a.se", ["2001:db8::2"], [1]),
      host("ipv6.a.se", ["::1"], [0]),
      host("mail.a.se", ["2001:db8::3"], [1]),
    ]);
    await store.insert("web_parity", [
      parity("www.a.se", "http"),
      parity("www.a.se", "https"),
      parity("www6.a.se", "http"),
    ]);
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("counts a host done when both schemes' rows are stored, and is not drained before", async () => {
    const stage = await web();
    assert.deepEqual([stage?.total, stage?.done], [2, 1]);
  });

  it("is done once the last scheme's row is stored", async () => {
    await store.insert("web_parity", [parity("www6.a.se", "https")]);
    const stage = await web();
    assert.deepEqual([stage?.total, stage?.done], [2, 2]);
  });

  it("has no web stage when the crawl does not ask it or no prober runs", async () => {
    assert.equal(await web({ prober: true, geo: false, web: false }), undefined);
  });
});

describe("what an address waits for is the services whose metrics the crawl asks (issue 17: DNS only stores no unmeasured rows)", () => {
  const both = { prober: true, geo: true };

  it("waits for nothing and sends no address when the crawl measures nothing of its addresses", () => {
    const dnsOnly = ["soa", "ip6Type", "dns6"];
    assert.deepEqual(crawlMeasures(both, dnsOnly), { prober: false, geo: false, reverse: false, web: false });
    assert.equal(measuresAddresses(dnsOnly), false);
    assert.equal(measuresAddresses([]), false);
  });

  it("waits for geo alone when only geoip is asked, and for the prober alone when only a probe is", () => {
    assert.deepEqual(crawlMeasures(both, ["geoip"]), {
      prober: false,
      geo: true,
      reverse: false,
      web: false,
    });
    assert.deepEqual(crawlMeasures(both, ["tcp25"]), {
      prober: true,
      geo: false,
      reverse: false,
      web: false,
    });
    assert.equal(measuresAddresses(["reverse"]), true);
    assert.equal(measuresAddresses(["ntp"]), true);
  });

  it("waits only for the services the deployment runs", () => {
    const all = ["ping", "geoip", "reverse", "web6"];
    assert.deepEqual(crawlMeasures({ prober: false, geo: true }, all), {
      prober: false,
      geo: true,
      reverse: true,
      web: false,
    });
  });
});
