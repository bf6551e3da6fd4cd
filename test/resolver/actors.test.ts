// The resolver's actors on the in-process transport against NSD: jobs and the
// SOA analysis per domain, each shared host resolved once per crawl, each
// address sent on once, PTR names for addresses and routers asked once, and
// bad names recorded instead of asked. Expected values come from the zones.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DnsOutcome, Feature } from "../../gen/ipv6matrix/v1/common.js";
import {
  AddressTask,
  CrawlResult,
  type DomainResult,
  DomainTask,
  type HostResult,
  type ReverseResult,
  ReverseTask,
  WebTask,
} from "../../gen/ipv6matrix/v1/work.js";
import { resolverActors } from "../../services/resolver/actors.js";
import { type RunningActor, startActor } from "../../services/runtime/actor.js";
import { loadConfig } from "../../services/runtime/config.js";
import { Subjects } from "../../services/runtime/topology.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";
import { type Nsd, startNsd } from "../support/nsd.js";

const soa = (origin: string, mname = `ns.shared.example`) =>
  `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ${mname}. hostmaster.${origin}. 42 3600 600 86400 300\n`;

// alpha, beta and gamma share one name server and one mail host; alpha's and
// beta's www share an address; alpha's www has a 6to4 address.
const zones = {
  "shared.example": `${soa("shared.example")}@ NS ns
ns A 192.0.2.53
ns AAAA 2001:db8::53
mx A 192.0.2.25
`,
  "alpha.example": `${soa("alpha.example")}@ NS ns.shared.example.
@ MX 10 mx.shared.example.
www A 192.0.2.10
www AAAA 2002:c000:20a::1
ntp A 192.0.2.123
`,
  "beta.example": `${soa("beta.example", "ns1.beta.example")}@ NS ns1
@ NS ns.shared.example.
@ MX 20 mx.shared.example.
ns1 A 192.0.2.54
www A 192.0.2.10
`,
  "gamma.example": `${soa("gamma.example")}@ NS ns.shared.example.
@ MX 5 mx.shared.example.
`,
  // Issue 19: delta's mail host is epsilon's web host, named first as an MX host.
  "delta.example": `${soa("delta.example")}@ NS ns.shared.example.
@ MX 10 www.epsilon.example.
`,
  "epsilon.example": `${soa("epsilon.example")}@ NS ns.shared.example.
www A 192.0.2.44
www AAAA 2001:db8::44
`,
  "2.0.192.in-addr.arpa": `${soa("2.0.192.in-addr.arpa")}@ NS ns.shared.example.
10 PTR www.alpha.example.
53 PTR ns.shared.example.
1 PTR r1.transit.example.
`,
};

interface Seen {
  domains: DomainResult[];
  hosts: HostResult[];
  reverse: (ReverseResult & { key: string })[];
  ips: AddressTask[];
  web: (WebTask & { key: string })[];
  dead: number;
}

describe("resolver actors on the in-process transport", () => {
  let nsd: Nsd;
  let transport: InProcessTransport;
  let running: RunningActor[];
  let close: () => void;
  const seen: Seen = { domains: [], hosts: [], reverse: [], ips: [], web: [], dead: 0 };

  const options = (nameserver: string) => ({
    features: [Feature.FEATURE_NS, Feature.FEATURE_MX, Feature.FEATURE_WWW, Feature.FEATURE_NTP],
    metrics: ["soa", "reverse", "ip6Type", "web6"],
    wwwPrefixes: ["www"],
    ntpPrefixes: ["ntp"],
    date: "2026-01-01",
    nameservers: [nameserver],
    pingCount: 0,
    tcpTimeoutSeconds: 1,
    smtpTimeoutSeconds: 1,
    traceMaxTtl: 1,
    traceTimeoutSeconds: 1,
    typedMetrics: [],
  });

  async function settle(until: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setTimeout(r, 25));
    // Then a little longer: anything sent twice would show now.
    await new Promise((r) => setTimeout(r, 200));
  }

  before(async () => {
    nsd = await startNsd(zones);
    // Documentation addresses stand in for real ones here, as in the lab: allowed, so valid (decision 010).
    const config = loadConfig({
      env: {},
      sets: ["resolver.timeout=1", "resolver.retries=0", "prober.allow_ranges=192.0.2.0/24,2001:db8::/32"],
    });
    transport = new InProcessTransport({
      topology: {
        [Subjects.domains]: ["resolver"],
        [Subjects.hosts]: ["resolver"],
        [Subjects.ips]: ["resolver", "prober"],
        [Subjects.reverse]: ["resolver"],
        [Subjects.web]: ["prober"],
        [Subjects.results]: ["aggregator"],
        [Subjects.deadLetters]: ["aggregator"],
      },
    });
    // No /etc/resolv.conf: this machine's points outside the lab.
    const resolver = resolverActors(config, () => []);
    close = resolver.close;
    running = await Promise.all(resolver.actors.map((actor) => startActor(transport, actor)));
    await transport.consume(Subjects.results, { group: "aggregator", maxInFlight: 100 }, (delivery) => {
      const result = CrawlResult.decode(delivery.data).result;
      if (result?.$case === "domain") seen.domains.push(result.value);
      if (result?.$case === "host") seen.hosts.push(result.value);
      if (result?.$case === "reverse") seen.reverse.push({ ...result.value, key: delivery.key });
      delivery.ack();
    });
    await transport.consume(Subjects.ips, { group: "prober", maxInFlight: 100 }, (delivery) => {
      seen.ips.push(AddressTask.decode(delivery.data));
      delivery.ack();
    });
    await transport.consume(Subjects.web, { group: "prober", maxInFlight: 100 }, (delivery) => {
      seen.web.push({ ...WebTask.decode(delivery.data), key: delivery.key });
      delivery.ack();
    });
    await transport.consume(Subjects.deadLetters, { group: "aggregator", maxInFlight: 100 }, (delivery) => {
      seen.dead++;
      delivery.ack();
    });
    const crawl = (domain: string, line: number) =>
      transport.publish(
        Subjects.domains,
        DomainTask.encode({ crawlId: "c1", domain, line, options: options(nsd.endpoint) }).finish(),
        `c1:${domain}`,
      );
    for (const [i, domain] of ["alpha.example", "beta.example", "gamma.example", "bad..example"].entries())
      await crawl(domain, i + 1);
    // The prober's routers: one new, one already a host address.
    for (const ip of ["192.0.2.1", "192.0.2.10"])
      await transport.publish(
        Subjects.reverse,
        ReverseTask.encode({ crawlId: "c1", ip, options: options(nsd.endpoint) }).finish(),
        `c1:router:${ip}`,
      );
    await settle(() => seen.domains.length === 4 && seen.hosts.length === 9 && seen.reverse.length === 8);
    // One after the other, so that www.epsilon.example goes out first as delta's MX host.
    await crawl("delta.example", 5);
    await settle(() => seen.domains.length === 5 && seen.hosts.length === 12);
    await crawl("epsilon.example", 6);
    await settle(() => seen.domains.length === 6 && seen.web.length === 2);
  });

  after(async () => {
    for (const actor of running ?? []) await actor.stop();
    close?.();
    await transport?.close();
    await nsd?.stop();
  });

  it("turns each domain into its jobs, with the SOA analysis", () => {
    const alpha = seen.domains.find((d) => d.domain === "alpha.example")!;
    assert.deepEqual(
      alpha.jobs.map((j) => [Feature[j.type], j.host, j.priority]),
      [
        ["FEATURE_NS", "ns.shared.example", 1],
        ["FEATURE_MX", "mx.shared.example", 10],
        ["FEATURE_WWW", "www.alpha.example", 0],
        ["FEATURE_NTP", "ntp.alpha.example", 0],
      ],
    );
    assert.equal(alpha.tld, "example");
    assert.equal(alpha.soa?.primaryBySoa, "ns.shared.example");
    assert.equal(alpha.soa?.serial, 42);
    assert.equal(alpha.soa?.primaryInHouse, false);
    const beta = seen.domains.find((d) => d.domain === "beta.example")!;
    assert.equal(beta.soa?.total, 2);
    assert.equal(beta.soa?.secondary, 1);
  });

  it("records a name that cannot be asked as INVALID_NAME, one row per feature", () => {
    const bad = seen.domains.find((d) => d.domain === "bad..example")!;
    assert.equal(bad.jobs.length, 4);
    assert.ok(bad.jobs.every((j) => j.outcome === DnsOutcome.DNS_OUTCOME_INVALID_NAME && j.host === ""));
  });

  it("resolves each host once per crawl however many domains share it", () => {
    const hosts = seen.hosts.map((h) => h.host).sort();
    // A WWW host another domain named first as its MX host is sent again with web set (issue 19),
    // so its parity fetch is not lost; its second result has the first one's key, host:<crawl>:<host>,
    // and goes no further.
    assert.deepEqual(hosts, [
      "mx.shared.example",
      "ns.shared.example",
      "ns1.beta.example",
      "ntp.alpha.example",
      "ntp.beta.example",
      "ntp.delta.example",
      "ntp.epsilon.example",
      "ntp.gamma.example",
      "www.alpha.example",
      "www.beta.example",
      "www.delta.example",
      "www.epsilon.example",
      "www.gamma.example",
    ]);
    assert.equal(seen.hosts.filter((h) => h.host === "ns.shared.example").length, 1);
    assert.equal(seen.dead, 0);
  });

  it("keeps every address, classifies IPv6 ones, and sends each address on once", () => {
    const www = seen.hosts.find((h) => h.host === "www.alpha.example")!;
    assert.deepEqual(
      www.addresses.map((a) => [a.ip, a.ip6Type]),
      [
        ["192.0.2.10", ""],
        ["2002:c000:20a::1", "6to4"],
      ],
    );
    const ns = seen.hosts.find((h) => h.host === "ns.shared.example")!;
    assert.equal(ns.aaaaOutcome, DnsOutcome.DNS_OUTCOME_OK);
    const gamma = seen.hosts.find((h) => h.host === "www.gamma.example")!;
    assert.equal(gamma.aOutcome, DnsOutcome.DNS_OUTCOME_NXDOMAIN);
    const ips = seen.ips.map((t) => t.ip).sort();
    assert.deepEqual(ips, [...new Set(ips)]);
    assert.equal(ips.filter((ip) => ip === "192.0.2.10").length, 1);
  });

  it("sends each WWW host with a valid IPv6 address on to crawl.web, once, with its first valid addresses (issue 19)", () => {
    assert.deepEqual(
      seen.web
        .map((task) => [task.key, task.host, task.ip4, task.ip6, task.schemes])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        // 6to4 is a valid address (decision 010); www.beta.example has no AAAA, www.gamma.example no name.
        ["c1:www.alpha.example", "www.alpha.example", "192.0.2.10", "2002:c000:20a::1", []],
        // Named first as delta's MX host, then as epsilon's web host.
        ["c1:www.epsilon.example", "www.epsilon.example", "192.0.2.44", "2001:db8::44", []],
      ],
    );
  });

  it("asks the PTR of every address and router once, under reverse:<crawl>:<ip>", () => {
    const names = Object.fromEntries(seen.reverse.map((r) => [r.ip, [r.name, DnsOutcome[r.outcome]]]));
    assert.deepEqual(names["192.0.2.10"], ["www.alpha.example", "DNS_OUTCOME_OK"]);
    assert.deepEqual(names["192.0.2.53"], ["ns.shared.example", "DNS_OUTCOME_OK"]);
    assert.deepEqual(names["192.0.2.1"], ["r1.transit.example", "DNS_OUTCOME_OK"]);
    // No PTR zone for 2002::/16 here: the server refuses.
    assert.deepEqual(names["2002:c000:20a::1"], ["", "DNS_OUTCOME_REFUSED"]);
    assert.equal(seen.reverse.filter((r) => r.ip === "192.0.2.10").length, 1);
    assert.deepEqual(names["192.0.2.25"], ["", "DNS_OUTCOME_NXDOMAIN"]);
    // Nine distinct addresses (two of them www.epsilon.example's) and one router.
    assert.equal(seen.ips.length, 9);
    assert.equal(seen.reverse.length, 10);
    for (const r of seen.reverse) assert.equal(r.key, `reverse:c1:${r.ip}`);
  });
});
