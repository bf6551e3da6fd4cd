// DNS outcomes of issue 15 item 10, against real name servers (NSD) and a scripted one: a
// SERVFAIL or REFUSED from one configured server is not final while another server answers; the
// RCODE behind an OTHER outcome reaches the stored row; a null MX (RFC 7505) is NULL_MX, not
// NODATA, and no host named ".".

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { DnsOutcome, Feature } from "../../gen/ipv6matrix/v1/common.js";
import { hostRow, jobRows } from "../../services/aggregator/rows.js";
import { DnsClient, type DnsClientOptions } from "../../services/resolver/dns-client.js";
import { dnsMetrics } from "../../services/resolver/dns-metrics.js";
import { domainJobs } from "../../services/resolver/domain-actor.js";
import { type Nsd, startNsd } from "../support/nsd.js";
import { answerTo, startFakeServer } from "./fake-server.js";

const soa = (origin: string) =>
  `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ns1.${origin}. hostmaster.${origin}. 7 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.53\n`;

// Server one cannot load broken.example (SERVFAIL for it) and does not serve good.example
// (REFUSED); server two serves both.
const goodZones = {
  "good.example": `${soa("good.example")}www A 192.0.2.10\n`,
  "broken.example": `${soa("broken.example")}www A 192.0.2.11\n`,
  // A null MX: the domain takes no mail (RFC 7505 3).
  "nomail.example": `${soa("nomail.example")}@ MX 0 .\nwww A 192.0.2.12\n`,
};
const troubledZones = {
  "other.example": `${soa("other.example")}www A 192.0.2.99\n`,
  "broken.example": "this is not a zone file\n",
};

const options = (servers: DnsClientOptions["servers"]): DnsClientOptions => ({
  servers,
  timeoutMs: 1000,
  retries: 0,
  maxInFlight: 10,
});

async function passedOver(rcode: string): Promise<number> {
  const metric = await dnsMetrics.passedOver.get();
  return metric.values.find((v) => v.labels["rcode"] === rcode)?.value ?? 0;
}

describe("a SERVFAIL or REFUSED from the first name server: the others are asked", () => {
  let troubled: Nsd;
  let good: Nsd;
  before(async () => {
    troubled = await startNsd(troubledZones);
    good = await startNsd(goodZones);
  });
  after(async () => {
    await troubled?.stop();
    await good?.stop();
  });

  for (const [case_, name, rcode] of [
    ["SERVFAIL", "www.broken.example", "SERVFAIL"],
    ["REFUSED", "www.good.example", "REFUSED"],
  ] as const)
    it(`${case_} from the first, an answer from the second: OK from the second, counted`, async () => {
      // A client of its own, so that its first question starts at the first server (rotation).
      const dns = new DnsClient(
        options([
          { host: troubled.address, port: troubled.port },
          { host: good.address, port: good.port },
        ]),
      );
      const before = await passedOver(rcode);
      const answer = await dns.query(name, "A");
      dns.close();
      assert.equal(answer.outcome, "OK");
      assert.equal(answer.server, good.endpoint);
      assert.equal(answer.detail, `${rcode} from ${troubled.endpoint}; then ${good.endpoint}`);
      assert.equal((await passedOver(rcode)) - before, 1);
    });

  it("when every server says SERVFAIL, SERVFAIL it is; a server is never asked twice for it", async () => {
    let asked = 0;
    await using servfail = await startFakeServer((q, reply) => {
      asked++;
      reply.send(answerTo(q.packet!, { flags: dnsPacket.RECURSION_AVAILABLE | 2 }));
    });
    const dns = new DnsClient({ ...options([troubled.endpoint, servfail.endpoint].map(split)), retries: 2 });
    const answer = await dns.query("www.broken.example", "A");
    dns.close();
    assert.equal(answer.outcome, "SERVFAIL");
    assert.equal(asked, 1);
  });

  it("the only server's SERVFAIL is final, asked once (the lab's lame delegation stays one question)", async () => {
    let asked = 0;
    await using servfail = await startFakeServer((q, reply) => {
      asked++;
      reply.send(answerTo(q.packet!, { flags: dnsPacket.RECURSION_AVAILABLE | 2 }));
    });
    const dns = new DnsClient({ ...options([servfail.endpoint]), retries: 2 });
    assert.equal((await dns.query("www.example.com", "A")).outcome, "SERVFAIL");
    dns.close();
    assert.equal(asked, 1);
  });

  it("a null MX (MX 0 .) is NULL_MX: one MX row without a host, not NODATA, no host '.'", async () => {
    const dns = new DnsClient(options([{ host: good.address, port: good.port }]));
    const { jobs } = await domainJobs(
      "nomail.example",
      { features: [Feature.FEATURE_MX], metrics: [], wwwPrefixes: [], ntpPrefixes: [], date: "" } as never,
      dns,
    );
    dns.close();
    assert.deepEqual(jobs, [
      {
        type: Feature.FEATURE_MX,
        domain: "nomail.example",
        host: "",
        priority: 0,
        outcome: DnsOutcome.DNS_OUTCOME_NULL_MX,
        rcode: 0,
      },
    ]);
    assert.deepEqual(
      jobRows(
        { crawlId: "c", domain: "nomail.example", tld: "example", jobs, soa: undefined, dns6: undefined },
        "2026-12-01",
      ).map((row) => [row["type"], row["host"], row["outcome"]]),
      [["MX", "", "NULL_MX"]],
    );
  });
});

describe("the RCODE behind an OTHER outcome is kept, to the stored row", () => {
  // NOTIMP (4) for MX, FORMERR (1) for A, an RCODE dns-packet has no name for (BADVERS-like 11) for AAAA.
  const rcodes: Record<string, number> = { MX: 4, A: 1, AAAA: 11 };
  const reply = (q: { packet?: dnsPacket.DecodedPacket }) => {
    const type = q.packet!.questions![0]!.type;
    const bytes = answerTo(q.packet!);
    // The RCODE is the low four bits of the flags' second byte (RFC 1035 4.1.1).
    bytes[3] = (bytes[3]! & 0xf0) | (rcodes[type] ?? 0);
    return bytes;
  };

  it("NOTIMP to MX: the MX job row says OTHER and keeps 4", async () => {
    await using server = await startFakeServer((q, r) => r.send(reply(q)));
    const dns = new DnsClient(options([server.endpoint]));
    const mx = await dns.query("example.com", "MX");
    assert.deepEqual([mx.outcome, mx.rcode], ["OTHER", 4]);
    const { jobs } = await domainJobs(
      "example.com",
      { features: [Feature.FEATURE_MX], metrics: [], wwwPrefixes: [], ntpPrefixes: [], date: "" } as never,
      dns,
    );
    dns.close();
    const rows = jobRows(
      { crawlId: "c", domain: "example.com", tld: "com", jobs, soa: undefined, dns6: undefined },
      "2026-12-01",
    );
    assert.deepEqual(
      rows.map((row) => [row["type"], row["host"], row["outcome"], row["rcode"]]),
      [["MX", "", "OTHER", 4]],
    );
  });

  it("FORMERR to A and an unnamed RCODE to AAAA: the host row keeps 1 and 11", async () => {
    await using server = await startFakeServer((q, r) => r.send(reply(q)));
    const dns = new DnsClient(options([server.endpoint]));
    const [a, aaaa] = await Promise.all([
      dns.query("www.example.com", "A"),
      dns.query("www.example.com", "AAAA"),
    ]);
    dns.close();
    assert.deepEqual([a.outcome, a.rcode, aaaa.outcome, aaaa.rcode], ["OTHER", 1, "OTHER", 11]);
    const { otherRcode, toProto } = await import("../../services/resolver/outcome.js");
    const row = hostRow(
      {
        crawlId: "c",
        host: "www.example.com",
        aOutcome: toProto(a.outcome),
        aaaaOutcome: toProto(aaaa.outcome),
        aRcode: otherRcode(a),
        aaaaRcode: otherRcode(aaaa),
        addresses: [],
        cnameChain: [],
      },
      "2026-12-01",
    );
    assert.deepEqual(
      [row["a_outcome"], row["a_rcode"], row["aaaa_outcome"], row["aaaa_rcode"]],
      ["OTHER", 1, "OTHER", 11],
    );
  });
});

function split(endpoint: { host: string; port: number } | string): { host: string; port: number } {
  if (typeof endpoint !== "string") return endpoint;
  const at = endpoint.lastIndexOf(":");
  return { host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)) };
}
