// The four summaries of SPEC section 5, computed in ClickHouse SQL over the raw rows of
// summaries-fixture.ts, written by hand for a small crawl; every expected figure below was
// worked out by hand from those rows (see the comments).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import type { Row, Store } from "../../services/runtime/store.js";
import { crawl, openSummarisedStore } from "./summaries-fixture.js";

describe("summaries (SPEC 5) over hand-written raw rows", () => {
  let fixture: Awaited<ReturnType<typeof openSummarisedStore>>;
  let store: Store;
  const rows = (sql: string) => store.query<Row>(sql, { crawl });

  before(async () => {
    fixture = await openSummarisedStore();
    store = fixture.store;
  });
  after(() => fixture?.close());

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
});
