// Issue 15 items 8 and 9 in the summaries and exports: a host's invalid addresses (::1,
// 127.0.0.1, fe80::1, a ULA, 0.0.0.0) are recorded but the host counts as having no address
// of that family; hosts rows from before migration 005 read as all valid; the address export
// carries valid, ip6_type and the prefix entry. Every expected figure is worked out by hand
// from the rows below (see the comments).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportRows } from "../../services/aggregator/export.js";
import { readExportData } from "../../services/aggregator/legacy/legacy-csv-export.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

const crawl = "v1";
const date = "2026-11-02";
const base = { crawl_id: crawl, date };
const job = (type: string, host: string, priority = 0) => ({
  ...base,
  domain: "d.nz",
  tld: "nz",
  type,
  host,
  priority,
  outcome: "OK",
});
const mapped = (ip: string) => (ip.includes(":") ? ip : `::ffff:${ip}`);
const address = (ip: string, avg: number, hops: number, tcp80: string) => ({
  ...base,
  ip: mapped(ip),
  family: ip.includes(":") ? 6 : 4,
  rdns: "",
  rdns_outcome: "NXDOMAIN",
  ping_sent: 5,
  ping_received: 5,
  ping_min: avg,
  ping_avg: avg,
  ping_max: avg,
  ping_mdev: 0,
  tcp80,
  tcp443: "closed",
  tcp25: "not_probed",
  starttls: 0,
  trace_hops: hops,
  trace_path: [],
  trace_reached: 1,
  mtu: null,
  not_probed_reason: "",
  prober_version: "test",
});
const geo = (ip: string) => ({
  ...base,
  ip: mapped(ip),
  country: "NZ",
  city: "",
  region: "",
  latitude: 1,
  longitude: 2,
  asn: 64500,
  as_org: "",
  db_version: "test",
});

const hosts = [
  // 127.0.0.1 comes first but is invalid: the host's IPv4 address is 192.0.2.9; its only IPv6 address is ::1.
  {
    ...base,
    host: "www.d.nz",
    a_outcome: "OK",
    aaaa_outcome: "OK",
    ipv4: ["127.0.0.1", "192.0.2.9"],
    ipv6: ["::1"],
    ip6_types: ["loopback"],
    eui64: [0],
    cname_chain: [],
    valid4: [0, 1],
    valid6: [0],
    prefix_ids: [""],
    prefix_names: [""],
  },
  // Nothing valid: no address at all.
  {
    ...base,
    host: "www6.d.nz",
    a_outcome: "OK",
    aaaa_outcome: "OK",
    ipv4: ["0.0.0.0"],
    ipv6: ["fe80::1", "fd00::1"],
    ip6_types: ["link-local", "ula"],
    eui64: [0, 0],
    cname_chain: [],
    valid4: [0],
    valid6: [0, 0],
    prefix_ids: ["", ""],
    prefix_names: ["", ""],
  },
  // Written as before migration 005 (no valid / prefix columns): all valid.
  {
    ...base,
    host: "ns.d.nz",
    a_outcome: "OK",
    aaaa_outcome: "OK",
    ipv4: ["192.0.2.53"],
    ipv6: ["2002:c000:235::1"],
    ip6_types: ["6to4"],
    eui64: [0],
    cname_chain: [],
  },
];

describe("invalid addresses in the summaries and exports (issue 15 items 8, 9)", () => {
  let store: Store;
  let dir: string;
  const rows = (sql: string) => store.query<Row>(sql, { crawl });
  const line = (r: Row) => Object.values(r).map(String).join(" ");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-validity-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await saveCrawl(store, {
      crawl_id: crawl,
      date,
      state: "running",
      options: JSON.stringify({ wwwPrefixes: ["www", "www6"], ntpPrefixes: [] }),
      source: "test",
      domains: 1,
      rejected: 0,
      started_at: "2026-11-02 00:00:00",
      finished_at: null,
      published: 0,
      error: "",
    });
    await store.insert("jobs", [job("WWW", "www.d.nz"), job("WWW", "www6.d.nz"), job("NS", "ns.d.nz", 1)]);
    await store.insert("hosts", hosts);
    // Only the first valid address of each family was measured.
    await store.insert("addresses", [
      address("192.0.2.9", 10, 5, "open"),
      address("192.0.2.53", 5, 3, "closed"),
      address("2002:c000:235::1", 6, 4, "closed"),
    ]);
    await store.insert("geo", [geo("192.0.2.9"), geo("192.0.2.53"), geo("2002:c000:235::1")]);
    await computeSummaries(store, crawl);
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("HostData: www.d.nz is IPv4 only, www6.d.nz has no address, ns.d.nz (old row) is dual-stack", async () => {
    const got =
      await rows(`SELECT tld, type, country, hosts, hosts4, hosts6, dualstack, noip, pinghosts, faster,
      ping4, ping6, pathhosts, fewer, hops4, hops6 FROM host_data WHERE crawl_id = {crawl:String} ORDER BY type, country`);
    assert.deepEqual(got.map(line), [
      // ns.d.nz: 5 ms over IPv4, 6 over IPv6 (not faster); 3 hops and 4 (not fewer)
      "nz NS NZ 1 0 0 1 0 1 0 5 6 1 0 3 4",
      "nz WWW NZ 1 1 0 0 0 0 0 0 0 0 0 0 0",
      "nz WWW ZZ 1 0 0 0 1 0 0 0 0 0 0 0 0",
    ]);
  });

  it("Reachability: the loopback and link-local addresses are no IPv6 web host", async () => {
    const got = await rows(`SELECT tld, service, country, hosts4, hosts6, reach4, reach6 FROM reachability
      WHERE crawl_id = {crawl:String} AND country != 'ZZ' ORDER BY service, country`);
    assert.deepEqual(got.map(line), ["nz HTTP NZ 1 0 1 0", "nz HTTPS NZ 1 0 0 0"]);
  });

  it("Domains and DomainPenetration: IPv6 only through the name server", async () => {
    const got = await rows(`SELECT domain, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6, http4, http6,
      faster, round(pingratio, 4) AS pingratio, fewer, round(hopratio, 4) AS hopratio
      FROM domains WHERE crawl_id = {crawl:String}`);
    // pingratio and hopratio over ns.d.nz, the one host with both: 6 / 5 and 4 / 3
    assert.deepEqual(got.map(line), ["d.nz NZ 1 0 1 1 1 0 0 1.2 0 1.3333"]);
    const penetration = await rows(`SELECT tld, country, domains, domains6, www, ns, mx, ntp
      FROM domain_penetration WHERE crawl_id = {crawl:String}`);
    assert.deepEqual(penetration.map(line), ["nz NZ 1 1 0 1 0 0"]);
  });

  it("exports every address with its validity and prefix entry", async () => {
    const exported = await exportRows(store, "hosts", crawl, true);
    const pick = (host: string) => {
      const row = exported.find((r) => r["host"] === host)!;
      return [row["ipv4"], row["valid4"], row["ipv6"], row["valid6"], row["ip6_types"], row["prefix_ids"]];
    };
    assert.deepEqual(pick("www.d.nz"), ["127.0.0.1 192.0.2.9", "0 1", "::1", "0", "loopback", "-"]);
    assert.deepEqual(pick("www6.d.nz"), ["0.0.0.0", "0", "fe80::1 fd00::1", "0 0", "link-local ula", "- -"]);
    assert.deepEqual(pick("ns.d.nz"), ["192.0.2.53", "1", "2002:c000:235::1", "1", "6to4", "-"]);
    const addresses = await exportRows(store, "addresses", crawl, true);
    assert.deepEqual(
      addresses.map((r) => [r["ip"], r["valid"], r["ip6_type"] ?? null, r["prefix_id"]]),
      [
        ["192.0.2.9", 1, null, ""],
        ["192.0.2.53", 1, null, ""],
        ["2002:c000:235::1", 1, "6to4", ""],
      ],
    );
  });

  it("the legacy CSV export's one address per family is the first valid one", async () => {
    const { hosts: legacy } = await readExportData(store, crawl);
    const pick = (host: string) => {
      const h = legacy.get(host);
      return [h?.ip4 ?? null, h?.ip6 ?? null, h?.ip6_type];
    };
    assert.deepEqual(pick("www.d.nz"), ["192.0.2.9", null, ""]);
    assert.deepEqual(pick("www6.d.nz"), [null, null, ""]);
    assert.deepEqual(pick("ns.d.nz"), ["192.0.2.53", "2002:c000:235::1", "6to4"]);
  });
});
