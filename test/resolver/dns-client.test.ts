// The DNS client against a real authoritative server (NSD on loopback) and
// scripted ones: every outcome a crawl records, the TCP fallback, retries
// across servers, the caps, and what the client puts on the wire.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DnsClient, type DnsClientOptions } from "../../services/resolver/dns-client.js";
import { dnsMetrics } from "../../services/resolver/dns-metrics.js";
import { type DnsAsker, ThreadedDnsClient } from "../../services/resolver/dns-thread.js";
import { type Nsd, startNsd } from "../support/nsd.js";
import { answerTo, startFakeServer } from "./fake-server.js";
import { zones } from "./zones.js";

// The same questions to the client on the main thread and to the one on a worker thread of its own
// (resolver.dns_thread): the same answers.
const clients: [string, (options: DnsClientOptions) => DnsAsker][] = [
  ["on the main thread", (options) => new DnsClient(options)],
  ["on its own thread", (options) => new ThreadedDnsClient(options)],
];
for (const [where, makeClient] of clients)
  describe(`DNS client ${where}, against NSD`, () => {
    let nsd: Nsd;
    let dns: DnsAsker;
    before(async () => {
      nsd = await startNsd(zones);
      dns = makeClient({
        servers: [{ host: nsd.address, port: nsd.port }],
        timeoutMs: 1000,
        retries: 0,
        maxInFlight: 50,
      });
    });
    after(async () => {
      dns?.close();
      await nsd?.stop();
    });

    it("NOERROR with data is OK, with the records", async () => {
      const a = await dns.query("WWW.r.example.", "A");
      assert.equal(a.outcome, "OK");
      assert.equal(a.rcode, 0);
      assert.deepEqual(
        a.records.map((r) => (r as { data: string }).data),
        ["192.0.2.1"],
      );
      assert.equal(a.server, nsd.endpoint);
      assert.equal(a.tcp, false);
    });

    it("NOERROR without the asked type is NODATA", async () => {
      assert.equal((await dns.query("v4only.r.example", "AAAA")).outcome, "NODATA");
      assert.equal((await dns.query("www.r.example", "MX")).outcome, "NODATA");
    });

    it("a name that does not exist is NXDOMAIN", async () => {
      const answer = await dns.query("missing.r.example", "A");
      assert.equal(answer.outcome, "NXDOMAIN");
      assert.equal(answer.rcode, 3);
    });

    it("a zone the server cannot serve is SERVFAIL; one it does not serve is REFUSED", async () => {
      assert.equal((await dns.query("www.broken.example", "A")).outcome, "SERVFAIL");
      assert.equal((await dns.query("www.elsewhere.example", "A")).outcome, "REFUSED");
    });

    it("follows a CNAME chain, across zones, and records it", async () => {
      const answer = await dns.query("c1.r.example", "A");
      assert.equal(answer.outcome, "OK");
      assert.deepEqual(answer.cnameChain, ["c2.r.example", "www.o.example"]);
      assert.deepEqual(
        answer.records.map((r) => (r as { data: string }).data),
        ["192.0.2.9"],
      );
    });

    it("a chain ending at a missing name is NXDOMAIN, with the chain", async () => {
      const answer = await dns.query("dangling.r.example", "A");
      assert.equal(answer.outcome, "NXDOMAIN");
      assert.deepEqual(answer.cnameChain, ["nothing.o.example"]);
    });

    it("a CNAME loop ends as MALFORMED, not in a loop", async () => {
      const answer = await dns.query("l1.r.example", "A");
      assert.equal(answer.outcome, "MALFORMED");
      assert.match(answer.detail ?? "", /loop/);
    });

    it("asks again over TCP when the UDP answer is truncated (60 AAAA > 1232 bytes)", async () => {
      const answer = await dns.query("big.r.example", "AAAA");
      assert.equal(answer.outcome, "OK");
      assert.equal(answer.tcp, true);
      assert.equal(answer.records.length, 60);
    });

    it("never sends a name that is not one, and says why", async () => {
      const sent = dns.stats.queries;
      const cases = [
        "a..r.example",
        `${"x".repeat(64)}.r.example`,
        `${"abcdefghi.".repeat(26)}example`,
        "sp ace.example",
      ];
      for (const name of cases) {
        const answer = await dns.query(name, "A");
        assert.equal(answer.outcome, "INVALID_NAME", name);
        assert.ok(answer.detail);
      }
      assert.equal(dns.stats.queries, sent);
    });
  });

describe("DNS client on its own thread", () => {
  it("reports its questions to this thread's metrics, and answers what is pending when closed", async () => {
    await using silent = await startFakeServer(() => {});
    const before = (await dnsMetrics.questions.get()).values.find((v) => v.labels["outcome"] === "TIMEOUT");
    const dns = new ThreadedDnsClient({
      servers: [silent.endpoint],
      timeoutMs: 100,
      retries: 0,
      maxInFlight: 10,
    });
    assert.equal((await dns.query("www.example.com", "A")).outcome, "TIMEOUT");
    // The worker sends its counters a second apart.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const after = (await dnsMetrics.questions.get()).values.find((v) => v.labels["outcome"] === "TIMEOUT");
    assert.equal((after?.value ?? 0) - (before?.value ?? 0), 1);
    const pending = dns.query("www.example.org", "A");
    dns.close();
    const answer = await pending;
    assert.equal(answer.outcome, "TIMEOUT");
    assert.equal(answer.detail, "client closed");
  });

  it("replaces a worker that dies, and asks its questions again", async () => {
    let asked = 0;
    // The first query is left unanswered; the worker dies; the question is asked again and answered.
    await using server = await startFakeServer((q, reply) => {
      if (++asked > 1)
        reply.send(
          answerTo(q.packet!, { answers: [{ type: "A", name: "www.example.com", data: "192.0.2.7" }] }),
        );
    });
    const dns = new ThreadedDnsClient({
      servers: [server.endpoint],
      timeoutMs: 5000,
      retries: 0,
      maxInFlight: 10,
    });
    const pending = dns.query("www.example.com", "A");
    while (asked === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await (dns as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const answer = await pending;
    dns.close();
    assert.equal(answer.outcome, "OK");
    assert.deepEqual(
      answer.records.map((r) => (r as { data: string }).data),
      ["192.0.2.7"],
    );
    assert.equal(asked, 2);
  });
});

describe("DNS client: timeouts, retries, caps, and the wire", () => {
  const options = (
    servers: DnsClientOptions["servers"],
    more: Partial<DnsClientOptions> = {},
  ): DnsClientOptions => ({
    servers,
    timeoutMs: 200,
    retries: 1,
    maxInFlight: 100,
    ...more,
  });

  it("a server that never answers is TIMEOUT, after the retries", async () => {
    await using silent = await startFakeServer(() => {});
    const dns = new DnsClient(options([silent.endpoint]));
    const started = performance.now();
    const answer = await dns.query("www.example.com", "A");
    dns.close();
    assert.equal(answer.outcome, "TIMEOUT");
    assert.equal(silent.queries.length, 2);
    assert.ok(performance.now() - started >= 380);
  });

  it("retries on the next configured server, IPv4 and IPv6 alike", async () => {
    await using silent = await startFakeServer(() => {});
    await using v6 = await startFakeServer(
      (q, reply) =>
        reply.send(
          answerTo(q.packet!, { answers: [{ type: "A", name: "www.example.com", data: "192.0.2.7" }] }),
        ),
      { host: "::1" },
    );
    const dns = new DnsClient(options([silent.endpoint, v6.endpoint]));
    const answer = await dns.query("www.example.com", "A");
    dns.close();
    assert.equal(answer.outcome, "OK");
    assert.equal(answer.server, `[::1]:${v6.port}`);
  });

  it("keeps no more queries in flight than the cap", async () => {
    await using silent = await startFakeServer(() => {});
    const dns = new DnsClient(options([silent.endpoint], { maxInFlight: 3, retries: 0, timeoutMs: 100 }));
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, dns.inFlight);
    }, 5);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => dns.query(`n${i}.example`, "A")));
    clearInterval(watch);
    dns.close();
    assert.ok(answers.every((a) => a.outcome === "TIMEOUT"));
    assert.equal(most, 3);
    assert.equal(silent.queries.length, 10);
  });

  it("keeps to the queries-per-second cap of a server", async () => {
    await using server = await startFakeServer((q, reply) => reply.send(answerTo(q.packet!)));
    const dns = new DnsClient(options([server.endpoint], { qpsPerServer: 100 }));
    const started = performance.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => dns.query(`n${i}.example`, "A")));
    dns.close();
    // A burst of 5, then 25 more at 10 ms apart.
    assert.ok(performance.now() - started >= 230, `${performance.now() - started} ms`);
  });

  it("sends from random ports with random ids, and asks internationalised names by their A-label", async () => {
    await using server = await startFakeServer((q, reply) => reply.send(answerTo(q.packet!)));
    const dns = new DnsClient(options([server.endpoint], { sockets: 8, queriesPerSocket: 10 }));
    await Promise.all(Array.from({ length: 200 }, (_, i) => dns.query(`n${i}.example`, "A")));
    await dns.query("bücher.example", "AAAA");
    dns.close();
    const ports = new Set(server.queries.map((q) => q.from.port));
    const ids = new Set(server.queries.map((q) => q.packet!.id));
    // 201 queries, 10 per socket before a fresh one: at least 20 ports.
    assert.ok(ports.size >= 20, `${ports.size} ports`);
    assert.ok(ids.size >= 190, `${ids.size} ids`);
    assert.deepEqual(server.queries.at(-1)!.packet!.questions, [
      { name: "xn--bcher-kva.example", type: "AAAA", class: "IN" },
    ]);
  });
});
