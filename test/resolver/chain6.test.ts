// The chain walk (services/resolver/chain6) against real authoritative servers: NSD for the root,
// the TLDs and the domains on ::1, a silent server and a scripted one for TCP. One domain per dns6
// reason, the caching and sharing of cuts, cycles between glueless delegations, and the rule that
// nothing is sent to an address the prober could not probe.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { destinationOf, type Exchange, Ipv6Network } from "../../services/resolver/chain6/network.js";
import { Chain6Walker } from "../../services/resolver/chain6/walk.js";
import type { Endpoint } from "../../services/runtime/config.js";
import { type Nsd, startNsd } from "../support/nsd.js";
import { ADDRESSES, authZones, rootZone, tldZones } from "./chain6-zones.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

const zone = (text: string) => `$TTL 300\n${text}\n`;
const ALLOW = ["2001:db8::/32"];

describe("the chain walk over IPv6, against NSD", () => {
  let root: Nsd;
  let tld: Nsd;
  let auth: Nsd;
  let silent: FakeServer;
  const ports = new Map<string, Endpoint>();
  /** Every question sent, as "address name type". */
  let sent: string[] = [];

  before(async () => {
    root = await startNsd({ ".": zone(rootZone) }, "::1");
    tld = await startNsd({ test: zone(tldZones.test), net: zone(tldZones.net) }, "::1");
    auth = await startNsd(
      Object.fromEntries(Object.entries(authZones).map(([name, text]) => [name, zone(text)])),
      "::1",
    );
    silent = await startFakeServer(() => {}, { host: "::1" });
    const at = (server: { port: number }) => ({ host: "::1", port: server.port });
    ports.set(ADDRESSES.root, at(root));
    ports.set(ADDRESSES.tld, at(tld));
    ports.set(ADDRESSES.prov, at(auth));
    ports.set(ADDRESSES.ready, at(auth));
    // A server that serves other zones: the root's, which refers lame.test's questions upwards.
    ports.set(ADDRESSES.lame, at(root));
    ports.set(ADDRESSES.silent, at(silent));
  });
  after(async () => {
    await root?.stop();
    await tld?.stop();
    await auth?.stop();
    await silent?.stop();
  });

  const walker = (options: { maxEntries?: number; allow?: string[] } = {}) => {
    const network = new Ipv6Network({
      timeoutMs: 300,
      retries: 0,
      maxInFlight: 16,
      allowRanges: options.allow ?? ALLOW,
      endpointOf: (address) => {
        const endpoint = ports.get(address);
        if (!endpoint) throw new Error(`test: no server for ${address}`);
        return endpoint;
      },
    });
    const counting = {
      ask(address: string, name: string, type: dnsPacket.RecordType): Promise<Exchange> {
        sent.push(`${address} ${name} ${type}`);
        return network.ask(address, name, type);
      },
    };
    return new Chain6Walker(counting, {
      rootHints: [ADDRESSES.root],
      minServers: 2,
      allowRanges: options.allow ?? ALLOW,
      ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
    });
  };

  it("a domain with two IPv6 name servers is ready, and its child agrees with the parent", async () => {
    const row = await walker().walk("ready.test");
    assert.deepEqual(
      { ...row, queries: undefined },
      {
        ready: true,
        reason: "",
        brokenZone: "",
        minServers: 1,
        zoneServers: 2,
        cuts: [".", "test", "ready.test"],
        cutServers: [1, 1, 2],
        parentChildAgree: true,
        queries: undefined,
      },
    );
  });

  it("gives each way to fail its reason and the zone where the chain breaks", async () => {
    const walk = walker();
    const got = async (domain: string) => {
      const row = await walk.walk(domain);
      return [
        row.reason,
        row.brokenZone,
        row.cutServers,
        row.zoneServers,
        row.minServers,
        row.parentChildAgree,
      ];
    };
    assert.deepEqual(await got("one.test"), ["one_ipv6_nameserver", "one.test", [1, 1, 1], 1, 1, true]);
    assert.deepEqual(await got("noglue.test"), ["no_aaaa_glue", "noglue.test", [1, 1, 0], 0, 0, false]);
    assert.deepEqual(await got("silent.test"), ["ns_silent_v6", "silent.test", [1, 1, 0], 0, 0, false]);
    assert.deepEqual(await got("lame.test"), ["lame_v6", "lame.test", [1, 1, 0], 0, 0, false]);
    assert.deepEqual(await got("mapped.test"), ["ipv4_mapped", "mapped.test", [1, 1, 0], 0, 0, false]);
    assert.deepEqual(await got("nov6.test"), ["ns_without_aaaa", "nov6.test", [1, 1, 0], 0, 0, false]);
    assert.deepEqual(await got("missing.test"), ["no_domain", "missing.test", [1, 1], 0, 0, false]);
    // The child adds ns9.prov.net: one server, and no agreement.
    assert.deepEqual(await got("disagree.test"), [
      "one_ipv6_nameserver",
      "disagree.test",
      [1, 1, 1],
      1,
      1,
      false,
    ]);
  });

  it("never asks a cached cut again: a domain below known cuts costs its referral and its own servers", async () => {
    sent = [];
    const walk = walker();
    const first = await walk.walk("one.test");
    assert.equal(first.queries, sent.length);
    assert.equal(new Set(sent).size, sent.length, "no question asked twice");
    sent = [];
    const second = await walk.walk("ready.test");
    // The referral from test, then "ready.test NS" to ns1.ready.test and to ns1.prov.net.
    assert.deepEqual(
      sent.sort(),
      [
        `${ADDRESSES.tld} ready.test NS`,
        `${ADDRESSES.prov} ready.test NS`,
        `${ADDRESSES.ready} ready.test NS`,
      ].sort(),
    );
    assert.equal(second.queries, 3);
    sent = [];
    const again = await walk.walk("ready.test");
    assert.deepEqual([again.queries, sent.length, again.ready], [0, 0, true]);
  });

  it("shares walks in flight: concurrent domains ask each shared question once", async () => {
    sent = [];
    const walk = walker();
    const domains = ["one.test", "ready.test", "nov6.test", "disagree.test", "mapped.test", "one.test"];
    const rows = await Promise.all(domains.map((d) => walk.walk(d)));
    assert.equal(new Set(sent).size, sent.length, `asked twice: ${sent.join(", ")}`);
    assert.equal(
      rows.reduce((sum, row) => sum + row.queries, 0),
      sent.length,
    );
    assert.deepEqual(
      rows.map((r) => r.reason),
      [
        "one_ipv6_nameserver",
        "",
        "ns_without_aaaa",
        "one_ipv6_nameserver",
        "ipv4_mapped",
        "one_ipv6_nameserver",
      ],
    );
  });

  it("ends glueless delegations that need each other, with no address for either name server", async () => {
    const walk = walker();
    const rows = await Promise.all([walk.walk("cyc1.test"), walk.walk("cyc2.test")]);
    assert.deepEqual(
      rows.map((r) => [r.reason, r.brokenZone]),
      [
        ["ns_without_aaaa", "cyc1.test"],
        ["ns_without_aaaa", "cyc2.test"],
      ],
    );
  });

  it("keeps its caches within the bound", async () => {
    const walk = walker({ maxEntries: 3 });
    for (const domain of ["one.test", "ready.test", "nov6.test", "mapped.test", "noglue.test"])
      await walk.walk(domain);
    assert.ok(walk.cached <= 4 * 3, `${walk.cached} entries`);
    // What was let go is asked again, with the same verdict.
    assert.equal((await walk.walk("ready.test")).ready, true);
  });

  it("sends nothing to an address the prober may not probe", async () => {
    sent = [];
    const row = await walker({ allow: [] }).walk("ready.test");
    // The lab's documentation addresses are special-purpose; without prober.allow_ranges the root
    // hint is never asked.
    assert.deepEqual([row.reason, row.cuts, row.cutServers], ["ns_without_aaaa", ["."], [0]]);
    assert.deepEqual(sent, []);
  });
});

describe("where the chain walk may send", () => {
  it("refuses IPv4, special-purpose addresses and IPv4 carried in IPv6; takes global IPv6", () => {
    assert.equal(destinationOf("2001:500:2::c", []), "ok");
    assert.equal(destinationOf("192.0.2.1", ["192.0.2.0/24"]), "forbidden");
    assert.equal(destinationOf("2001:db8::1", []), "forbidden");
    assert.equal(destinationOf("2001:db8::1", ["2001:db8::/32"]), "ok");
    assert.equal(destinationOf("::1", []), "forbidden");
    assert.equal(destinationOf("fe80::1", []), "forbidden");
    assert.equal(destinationOf("::ffff:192.0.2.3", ["::/0"]), "ipv4_mapped");
    assert.equal(destinationOf("64:ff9b::c000:201", []), "ipv4_mapped");
    assert.equal(destinationOf("::c000:201", []), "ipv4_mapped");
  });

  it("asks again over TCP when the UDP answer is truncated", async () => {
    const answer = (id: number, tc: boolean) =>
      dnsPacket.encode({
        type: "response",
        id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (tc ? dnsPacket.TRUNCATED_RESPONSE : 0),
        questions: [{ type: "NS", name: "." }],
        answers: tc ? [] : [{ type: "NS", name: ".", data: "a.root.test" }],
      });
    await using server = await startFakeServer(
      (query, reply) => reply.send(answer(query.packet?.id ?? 0, !query.tcp)),
      { host: "::1", tcp: true },
    );
    const network = new Ipv6Network({
      timeoutMs: 1000,
      retries: 0,
      maxInFlight: 1,
      allowRanges: ALLOW,
      endpointOf: () => server.endpoint,
    });
    const exchange = await network.ask(ADDRESSES.root, ".", "NS");
    assert.equal(exchange.kind, "answer");
    assert.equal(exchange.kind === "answer" && exchange.tcp, true);
    assert.deepEqual(
      server.queries.map((q) => [q.tcp, q.packet?.flags && q.packet.flags & dnsPacket.RECURSION_DESIRED]),
      [
        [false, 0],
        [true, 0],
      ],
    );
  });
});
