// Answers a client must not believe (RFC 5452 9.1: id, source and question
// must match) and answers it cannot read: each is counted and dropped, or
// recorded as MALFORMED, and the client carries on.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { DnsClient } from "../../services/resolver/dns-client.js";
import { dnsMetrics } from "../../services/resolver/dns-metrics.js";
import { answerTo, type FakeServer, startFakeServer } from "./fake-server.js";

const good = { type: "A", name: "www.example.com", data: "192.0.2.1" } as const;

async function dropped(why: string): Promise<number> {
  const metric = await dnsMetrics.dropped.get();
  return metric.values.find((v) => v.labels["why"] === why)?.value ?? 0;
}

function client(server: FakeServer, retries = 0): DnsClient {
  return new DnsClient({ servers: [server.endpoint], timeoutMs: 300, retries, maxInFlight: 10 });
}

describe("hostile answers", () => {
  it("drops an answer with the wrong id, then takes the right one", async () => {
    await using server = await startFakeServer((q, reply) => {
      reply.send(
        answerTo(
          { ...q.packet!, id: (q.packet!.id! + 1) & 0xffff },
          { answers: [{ ...good, data: "203.0.113.66" }] },
        ),
      );
      setTimeout(() => reply.send(answerTo(q.packet!, { answers: [good] })), 20);
    });
    const before = await dropped("unknown_id");
    const dns = client(server);
    const answer = await dns.query("www.example.com", "A");
    dns.close();
    assert.equal(answer.outcome, "OK");
    assert.deepEqual(
      answer.records.map((r) => (r as { data: string }).data),
      ["192.0.2.1"],
    );
    assert.equal((await dropped("unknown_id")) - before, 1);
  });

  it("drops an answer for another question, and one from another port", async () => {
    await using server = await startFakeServer((q, reply) => {
      const other = { ...q.packet!, questions: [{ type: "A" as const, name: "evil.example.net" }] };
      reply.send(answerTo(other, { answers: [{ ...good, name: "evil.example.net" }] }));
      reply.sendFromOtherPort(answerTo(q.packet!, { answers: [{ ...good, data: "203.0.113.66" }] }));
      setTimeout(() => reply.send(answerTo(q.packet!, { answers: [good] })), 20);
    });
    const [question, source] = [await dropped("wrong_question"), await dropped("wrong_source")];
    const dns = client(server);
    const answer = await dns.query("www.example.com", "A");
    dns.close();
    assert.equal(answer.outcome, "OK");
    assert.deepEqual(
      answer.records.map((r) => (r as { data: string }).data),
      ["192.0.2.1"],
    );
    assert.equal((await dropped("wrong_question")) - question, 1);
    // The socket is connected to the server, so the kernel drops the other port's datagram
    // before the client sees it; were it to get through, the source check would count it.
    assert.ok((await dropped("wrong_source")) - source <= 1);
  });

  it("ignores records owned by a name that was not asked", async () => {
    await using server = await startFakeServer((q, reply) =>
      reply.send(
        answerTo(q.packet!, { answers: [{ ...good, name: "bank.example.net", data: "203.0.113.66" }] }),
      ),
    );
    const dns = client(server);
    const answer = await dns.query("www.example.com", "A");
    dns.close();
    assert.equal(answer.outcome, "NODATA");
    assert.equal(answer.records.length, 0);
  });

  it("only wrong answers: TIMEOUT", async () => {
    await using server = await startFakeServer((q, reply) =>
      reply.send(answerTo({ ...q.packet!, id: (q.packet!.id! + 1) & 0xffff }, { answers: [good] })),
    );
    const dns = client(server);
    assert.equal((await dns.query("www.example.com", "A")).outcome, "TIMEOUT");
    dns.close();
  });

  it("a truncated packet or a compression loop is MALFORMED; a retry may still succeed", async () => {
    let n = 0;
    await using server = await startFakeServer((q, reply) => {
      const whole = answerTo(q.packet!, { answers: [good] });
      if (n++ === 0) reply.send(whole.subarray(0, whole.length - 2));
      else if (n === 2) {
        // The answer's owner name: a pointer to itself.
        const loop = Buffer.from(whole);
        const at = 12 + q.packet!.questions![0]!.name.length + 2 + 4;
        loop.writeUInt16BE(0xc000 | at, at);
        reply.send(loop.subarray(0, at + 2 + 14));
      } else reply.send(whole);
    });
    const dns = client(server);
    const first = await dns.query("www.example.com", "A");
    const second = await dns.query("www.example.com", "A");
    assert.equal(first.outcome, "MALFORMED");
    assert.equal(second.outcome, "MALFORMED");
    const retried = new DnsClient({
      servers: [server.endpoint],
      timeoutMs: 300,
      retries: 1,
      maxInFlight: 10,
    });
    // First try: the loop (MALFORMED); the retry: the whole answer.
    n = 1;
    assert.equal((await retried.query("www.example.com", "A")).outcome, "OK");
    dns.close();
    retried.close();
  });

  it("a truncated answer whose TCP side is closed or lies ends as TIMEOUT or MALFORMED, not a crash", async () => {
    await using server = await startFakeServer(
      (q, reply) => {
        if (!q.packet) return;
        if (!q.tcp) reply.send(answerTo(q.packet, { flags: dnsPacket.TRUNCATED_RESPONSE }));
        else reply.send(answerTo({ ...q.packet, id: (q.packet.id! + 1) & 0xffff }, { answers: [good] }));
      },
      { tcp: true },
    );
    const dns = client(server);
    const answer = await dns.query("www.example.com", "A");
    dns.close();
    assert.equal(answer.outcome, "MALFORMED");
    assert.equal(answer.tcp, true);
  });
});
