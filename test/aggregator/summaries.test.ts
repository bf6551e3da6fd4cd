// The four summaries of SPEC section 5, computed in ClickHouse SQL over raw
// rows written by hand for a small crawl; every expected figure below was
// worked out by hand from these rows (see the comments).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportableTables, exportRows, formatRows } from "../../services/aggregator/export.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

const crawl = "t1";
const date = "2026-11-01";
const job = (domain: string, type: string, host: string, priority = 0, outcome = "OK") => ({
  crawl_id: crawl,
  date,
  domain,
  tld: domain.split(".").pop(),
  type,
  host,
  priority,
  outcome,
});
const host = (name: string, ipv4: string[], ipv6: string[]) => ({
  crawl_id: crawl,
  date,
  host: name,
  a_outcome: ipv4.length ? "OK" : "NODATA",
  aaaa_outcome: ipv6.length ? "OK" : "NODATA",
  ipv4,
  ipv6,
  ip6_types: ipv6.map(() => "documentation"),
  eui64: ipv6.map(() => 0),
  cname_chain: [],
});
const address = (
  ip: string,
  avg: number | null,
  hops: number | null,
  ports: Partial<Record<"tcp80" | "tcp443" | "tcp25" | "smtp_step" | "smtp_failure", string>>,
) => ({
  crawl_id: crawl,
  date,
  ip: ip.includes(":") ? ip : `::ffff:${ip}`,
  family: ip.includes(":") ? 6 : 4,
  rdns: "",
  rdns_outcome: "NXDOMAIN",
  ping_sent: 5,
  ping_received: avg === null ? 0 : 5,
  ping_min: avg,
  ping_avg: avg,
  ping_max: avg,
  ping_mdev: avg === null ? null : 0,
  tcp80: ports.tcp80 ?? "not_probed",
  tcp443: ports.tcp443 ?? "not_probed",
  tcp25: ports.tcp25 ?? "not_probed",
  starttls: 0,
  // The SMTP outcome, apart from tcp25: answered EHLO when the dialogue got past it.
  smtp_step: ports.smtp_step ?? "",
  smtp_failure: ports.smtp_failure ?? "",
  smtp_ehlo: ports.smtp_step && !(ports.smtp_step === "ehlo" && ports.smtp_failure) ? 1 : 0,
  trace_hops: hops,
  trace_path: [],
  trace_reached: hops === null ? 0 : 1,
  mtu: null,
  not_probed_reason: "",
  prober_version: "test",
});
const hostDataRow = (crawlId: string) => ({
  crawl_id: crawlId,
  date,
  tld: "com",
  type: "WWW",
  country: "DE",
  hosts: 1,
  hosts4: 0,
  hosts6: 0,
  dualstack: 1,
  noip: 0,
  pinghosts: 1,
  faster: 0,
  ping4: 0,
  ping6: 0,
  pathhosts: 0,
  fewer: 0,
  hops4: 0,
  hops6: 0,
  method: 2,
});
const geo = (ip: string, country: string) => ({
  crawl_id: crawl,
  date,
  ip: ip.includes(":") ? ip : `::ffff:${ip}`,
  country,
  city: "",
  region: "",
  latitude: 1,
  longitude: 2,
  asn: 64500,
  as_org: "",
  db_version: "test",
});

const jobs = [
  // a.com: www dual-stack (DE by IPv4), www6 IPv6 only (FR), shared MX and NS, ntp without address.
  job("a.com", "WWW", "www.a.com"),
  job("a.com", "WWW", "www6.a.com"),
  job("a.com", "MX", "mx.shared.net", 10),
  job("a.com", "NS", "ns.shared.net", 1),
  job("a.com", "NTP", "ntp.a.com"),
  // b.com: www IPv6 only (JP), www6 without address, the same MX and NS.
  job("b.com", "WWW", "www.b.com"),
  job("b.com", "WWW", "www6.b.com"),
  job("b.com", "MX", "mx.shared.net", 5),
  job("b.com", "NS", "ns.shared.net", 1),
  job("b.com", "NTP", "ntp.b.com"),
  // c.org: no web address, MX look-up NODATA, the shared NS (US).
  job("c.org", "WWW", "www.c.org"),
  job("c.org", "WWW", "www6.c.org"),
  job("c.org", "MX", "", 0, "NODATA"),
  job("c.org", "NS", "ns.shared.net", 1),
  job("c.org", "NTP", "ntp.c.org"),
];
const hosts = [
  host("www.a.com", ["192.0.2.1"], ["2001:db8::1"]),
  host("www6.a.com", [], ["2001:db8::2"]),
  host("www.b.com", [], ["2001:db8::3"]),
  host("www6.b.com", [], []),
  host("www.c.org", [], []),
  host("www6.c.org", [], []),
  host("mx.shared.net", ["192.0.2.25"], ["2001:db8::25"]),
  host("ns.shared.net", ["192.0.2.53"], []),
  host("ntp.a.com", [], []),
  host("ntp.b.com", [], []),
  host("ntp.c.org", [], []),
];
const addresses = [
  address("192.0.2.1", 10, 5, { tcp80: "open", tcp443: "open" }),
  address("2001:db8::1", 8, 4, { tcp80: "open", tcp443: "closed" }),
  address("2001:db8::2", 7, 4, { tcp80: "open", tcp443: "open" }),
  address("2001:db8::3", null, 6, { tcp80: "filtered", tcp443: "open" }),
  address("192.0.2.25", 20, 7, { tcp25: "open", smtp_step: "tls" }),
  // Port 25 open over IPv6, but the server greets and never answers EHLO: no SMTP (SPEC 4).
  address("2001:db8::25", 30, 7, { tcp25: "open", smtp_step: "ehlo", smtp_failure: "generic_timeout" }),
  address("192.0.2.53", 5, 3, {}),
];
const geos = [
  geo("192.0.2.1", "DE"),
  geo("2001:db8::1", "FR"),
  geo("2001:db8::2", "FR"),
  geo("2001:db8::3", "JP"),
  geo("192.0.2.25", "NL"),
  geo("2001:db8::25", "NL"),
  geo("192.0.2.53", "US"),
];

describe("summaries (SPEC 5) over hand-written raw rows", () => {
  let store: Store;
  let dir: string;
  const rows = (sql: string) => store.query<Row>(sql, { crawl });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-summaries-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    await saveCrawl(store, {
      crawl_id: crawl,
      date,
      state: "running",
      options: JSON.stringify({ wwwPrefixes: ["www", "www6"], ntpPrefixes: ["ntp"] }),
      source: "test",
      domains: 3,
      rejected: 0,
      started_at: "2026-11-01 00:00:00",
      finished_at: null,
      published: 0,
      error: "",
    });
    await store.insert("jobs", jobs);
    await store.insert("hosts", hosts);
    await store.insert("addresses", addresses);
    await store.insert("geo", geos);
    await store.insert("soa", [
      {
        crawl_id: crawl,
        date,
        domain: "a.com",
        tld: "com",
        outcome: "OK",
        primary_by_soa: "ns.shared.net",
        primary_by_rank: "ns.shared.net",
        primary_in_house: 0,
        secondary: 0,
        total: 1,
        rname: "hostmaster.a.com",
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: 300,
      },
    ]);
    // Issue 19: a.com's DNS chain walked over IPv6 alone (migration 011).
    await store.insert("dns6_chains", [
      {
        crawl_id: crawl,
        date,
        domain: "a.com",
        ready: 0,
        reason: "one_ipv6_nameserver",
        broken_zone: "a.com",
        min_servers: 1,
        zone_servers: 1,
        cuts: [".", "com", "a.com"],
        cut_servers: [13, 13, 1],
        parent_child_agree: 1,
        queries: 2,
      },
    ]);
    // Issue 19: the same site over both families (migration 012).
    await store.insert("web_parity", [
      {
        crawl_id: crawl,
        date,
        host: "www.a.com",
        scheme: "http",
        ip4: "::ffff:192.0.2.1",
        ip6: "2001:db8::1",
        status4: 200,
        status6: 200,
        final_url4: "http://www.a.com/",
        final_url6: "http://www.a.com/",
        bytes4: 120,
        bytes6: 120,
        cert4: "",
        cert6: "",
        ttfb4_ms: 1.5,
        ttfb6_ms: 1.25,
        download4_ms: 0.5,
        download6_ms: 0.5,
        error4: "",
        error6: "",
        similarity: 100,
        differences: [],
        same: 1,
        prober_version: "test",
      },
    ]);
    await computeSummaries(store, crawl);
    // Computing twice replaces, never adds.
    await computeSummaries(store, crawl);
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("HostData", async () => {
    const got =
      await rows(`SELECT tld, type, country, hosts, hosts4, hosts6, dualstack, noip, pinghosts, faster, ping4, ping6,
      pathhosts, fewer, hops4, hops6, method FROM host_data WHERE crawl_id = {crawl:String} ORDER BY tld, type, country`);
    const line = (r: Row) => Object.values(r).join(" ");
    assert.deepEqual(got.map(line), [
      // shared MX: two job rows, one distinct host for the ping and path columns (20 vs 30 ms, 7 vs 7 hops)
      "com MX NL 2 0 0 2 0 1 0 20 30 1 0 7 7 2",
      "com NS US 2 2 0 0 0 0 0 0 0 0 0 0 0 2",
      "com NTP ZZ 2 0 0 0 2 0 0 0 0 0 0 0 0 2",
      // www.a.com: country of its IPv4 address; IPv6 faster (10 > 8) and fewer hops (5 > 4)
      "com WWW DE 1 0 0 1 0 1 1 10 8 1 1 5 4 2",
      // change 2: IPv6-only hosts are placed by their IPv6 address
      "com WWW FR 1 0 1 0 0 0 0 0 0 0 0 0 0 2",
      "com WWW JP 1 0 1 0 0 0 0 0 0 0 0 0 0 2",
      "com WWW ZZ 1 0 0 0 1 0 0 0 0 0 0 0 0 2",
      "org MX ZZ 1 0 0 0 1 0 0 0 0 0 0 0 0 2",
      "org NS US 1 1 0 0 0 0 0 0 0 0 0 0 0 2",
      "org NTP ZZ 1 0 0 0 1 0 0 0 0 0 0 0 0 2",
      "org WWW ZZ 2 0 0 0 2 0 0 0 0 0 0 0 0 2",
    ]);
  });

  it("Reachability", async () => {
    const got = await rows(`SELECT tld, service, country, hosts4, hosts6, reach4, reach6 FROM reachability
      WHERE crawl_id = {crawl:String} AND country != 'ZZ' ORDER BY tld, service, country`);
    assert.deepEqual(
      got.map((r) => Object.values(r).join(" ")),
      [
        "com HTTP DE 1 1 1 1",
        "com HTTP FR 0 1 0 1",
        "com HTTP JP 0 1 0 0", // port 80 filtered
        "com HTTPS DE 1 1 1 0", // 443 closed over IPv6
        "com HTTPS FR 0 1 0 1",
        "com HTTPS JP 0 1 0 1",
        "com SMTP NL 2 2 2 0", // two MX job rows on the shared host; over IPv6 25 is open but EHLO unanswered
      ],
    );
  });

  it("Domains", async () => {
    const got =
      await rows(`SELECT domain, tld, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6, mx_hosts, mx_hosts6,
      ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6, faster, round(pingratio, 4) AS pingratio,
      fewer, round(hopratio, 4) AS hopratio FROM domains WHERE crawl_id = {crawl:String} ORDER BY domain`);
    assert.deepEqual(
      got.map((r) => Object.values(r).map(String).join(" ")),
      [
        // country from the first WWW host with an address (www.a.com, by IPv4: DE), not from its DNS provider (US);
        // ping over www.a.com (10/8) and mx (20/30): (8 + 30) / (10 + 20); hops (4 + 7) / (5 + 7)
        "a.com com DE 2 2 1 0 1 1 0 0 1 2 1 1 1 0 1 1.2667 1 0.9167",
        // www.b.com has no RTT over IPv6: only the mx counts, 30 / 20; hops 7 / 7
        "b.com com JP 1 1 1 0 1 1 0 0 0 0 0 1 1 0 0 1.5 0 1",
        // no web or mail address: the country of its first name server; the NODATA MX row is
        // an MX job row all the same (mx_hosts 1, as the original counted)
        "c.org org US 0 0 1 0 1 0 0 0 0 0 0 0 0 0 0 null 0 null",
      ],
    );
  });

  it("Domains computed a share of the domains at a time (a large crawl's way) gives the same rows", async () => {
    const domainsSql = `SELECT domain, tld, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6, mx_hosts, mx_hosts6,
      ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6, faster, round(pingratio, 4) AS pingratio,
      fewer, round(hopratio, 4) AS hopratio FROM domains WHERE crawl_id = {crawl:String} ORDER BY domain`;
    const whole = await rows(domainsSql);
    // One domain a share: three passes for the three domains.
    await computeSummaries(store, crawl, { domainsAShare: 1 });
    assert.equal(whole.length, 3);
    assert.deepEqual(await rows(domainsSql), whole);
  });

  it("DomainPenetration", async () => {
    const got = await rows(`SELECT tld, country, domains, domains6, www, ns, mx, ntp FROM domain_penetration
      WHERE crawl_id = {crawl:String} ORDER BY tld, country`);
    assert.deepEqual(
      got.map((r) => Object.values(r).join(" ")),
      ["com DE 1 1 1 0 1 0", "com JP 1 1 1 0 1 0", "org US 1 0 0 0 0 0"],
    );
  });

  it("exports every table, with SPEC's column names, crawl_id and date", async () => {
    for (const table of exportableTables) {
      const exported = await exportRows(store, table, crawl, true);
      assert.ok(exported.length > 0, table);
      assert.equal(exported[0]!["crawl_id"], crawl, table);
      assert.equal(exported[0]!["date"], date, table);
    }
    const addressRows = await exportRows(store, "addresses", crawl, false);
    const first = addressRows.find((row) => row["ip"] === "192.0.2.1")!;
    assert.deepEqual(
      [
        first["family"],
        first["tcp80"],
        first["tcp443"],
        first["tcp25"],
        first["ping_avg"],
        first["trace_hops"],
        first["country"],
      ],
      [4, "open", "open", "not_probed", 10, 5, "DE"],
    );
    assert.equal(first["latitude"], 1);
    assert.equal(first["longitude"], 2);
    assert.equal(addressRows.find((row) => row["ip"] === "2001:db8::3")!["ip6_type"], "documentation");
    const placed = await exportRows(store, "hostdata", crawl, false);
    assert.equal(placed.filter((row) => row["country"] === "ZZ").length, 0);
    assert.equal(placed.length, 6); // com MX NL, com NS US, com WWW DE/FR/JP, org NS US
    const csv = formatRows(await exportRows(store, "penetration", crawl, false), "csv");
    assert.equal(csv.split("\n")[0], "date,crawl_id,tld,country,domains,domains6,www,ns,mx,ntp,method");
  });

  it("exports RTTs to the microsecond, not as the float sums and averages they are stored as (issue 15 item 11)", async () => {
    const other = `${crawl}-rtt`;
    // Written by hand: 22.055999999999997 is what 22.056 became through float arithmetic.
    await store.insert("addresses", [
      { ...address("192.0.2.99", 22.055999999999997, 4, {}), crawl_id: other },
    ]);
    const [row] = await exportRows(store, "addresses", other, true);
    assert.deepEqual([row!["ping_min"], row!["ping_avg"], row!["ping_max"]], [22.056, 22.056, 22.056]);
    assert.equal(row!["ping_mdev"], 0);
    // 0.1 + 0.2 summed in a host_data row exports as 0.3.
    await store.insert("host_data", [{ ...hostDataRow(other), ping4: 0.1 + 0.2, ping6: 1.0000000000000002 }]);
    const [summary] = await exportRows(store, "hostdata", other, true);
    assert.deepEqual([summary!["ping4"], summary!["ping6"]], [0.3, 1]);
  });

  it("exports a path by router names where the resolver found one, and which method traced it (issue 15 items 1, 4)", async () => {
    const other = `${crawl}-path`;
    await store.insert("addresses", [
      {
        ...address("203.0.113.9", 1, 4, { tcp80: "open" }),
        crawl_id: other,
        trace_path: ["192.0.2.1", "*", "2001:db8:ff23::2", "203.0.113.9"],
        trace_method: "tcp",
        trace_port: 80,
      },
    ]);
    const reverse = (ip: string, name: string, outcome: string) => ({
      crawl_id: other,
      date,
      ip: ip.includes(":") ? ip : `::ffff:${ip}`,
      name,
      outcome,
    });
    await store.insert("reverse", [
      reverse("192.0.2.1", "r1.transit.net", "OK"),
      reverse("2001:db8:ff23::2", "r3.transit.net", "OK"),
      reverse("203.0.113.9", "", "NXDOMAIN"),
    ]);
    const [row] = await exportRows(store, "addresses", other, true);
    assert.equal(row!["trace_path"], "r1.transit.net * r3.transit.net 203.0.113.9");
    assert.deepEqual([row!["trace_method"], row!["trace_port"]], ["tcp", 80]);
  });
});
