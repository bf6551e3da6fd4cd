// Fuzzing the answer parser: random and mutated packets, parsed directly and
// sent by a hostile server on loopback to the real client. Nothing may throw,
// hang or crash; every question ends in one of the closed outcomes. The seed
// is printed, so a failure can be replayed (FUZZ_SEED=...).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket, { type Answer } from "dns-packet";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import { type DnsAnswer, DnsClient } from "../../services/resolver/dns-client.js";
import { checkAnswer, recordText, walkChain } from "../../services/resolver/dns-message.js";
import { mxJobs, nsJobs } from "../../services/resolver/features.js";
import { hostAddresses } from "../../services/resolver/host-actor.js";
import { PrefixTable } from "../../services/resolver/ip6-type.js";
import { startFakeServer } from "./fake-server.js";

const seed = Number(process.env["FUZZ_SEED"] ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function random(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const name = "www.example.com";
const seeds: dnsPacket.Packet[] = [
  {
    answers: [
      { type: "A", name, data: "192.0.2.1" },
      { type: "A", name, data: "192.0.2.2" },
    ],
  },
  {
    answers: [
      { type: "CNAME", name, data: "edge.cdn.example" },
      { type: "A", name: "edge.cdn.example", data: "192.0.2.3" },
    ],
  },
  {
    answers: [{ type: "MX", name, data: { preference: 10, exchange: "mx.example.com" } }],
    additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232 } as Answer],
  },
  {
    rcode: "NXDOMAIN",
    authorities: [
      {
        type: "SOA",
        name: "example.com",
        data: {
          mname: "ns1.example.com",
          rname: "h.example.com",
          serial: 1,
          refresh: 2,
          retry: 3,
          expire: 4,
          minimum: 5,
        },
      },
    ],
  } as dnsPacket.Packet,
  {
    answers: [
      { type: "NS", name, data: "ns1.example.com" },
      { type: "TXT", name, data: ["v=spf1 -all"] },
    ],
  },
  {
    answers: [
      { type: "AAAA", name, data: "2001:db8::1" },
      { type: "PTR", name, data: "host.example" },
    ],
  },
];

function seedPacket(pick: () => number, id: number, type: string): Buffer {
  const base = seeds[Math.floor(pick() * seeds.length)]!;
  return dnsPacket.encode({
    type: "response",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as "A", name }],
    ...base,
  });
}

/** Bit flips, byte stomps, cuts, random tails, wild counts, pointers aimed anywhere. */
function mutate(pick: () => number, packet: Buffer): Buffer {
  const bytes = Buffer.from(packet);
  const rounds = 1 + Math.floor(pick() * 4);
  let out = bytes;
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(pick() * out.length);
    switch (Math.floor(pick() * 7)) {
      case 0:
        out[at] = out[at]! ^ (1 << Math.floor(pick() * 8));
        break;
      case 1:
        out[at] = Math.floor(pick() * 256);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3:
        out = Buffer.concat([
          out,
          Buffer.from(Array.from({ length: Math.floor(pick() * 40) }, () => Math.floor(pick() * 256))),
        ]);
        break;
      case 4:
        if (out.length >= 12) out.writeUInt16BE(Math.floor(pick() * 65536), 4 + 2 * Math.floor(pick() * 4));
        break;
      case 5:
        if (at + 1 < out.length) out.writeUInt16BE(0xc000 | Math.floor(pick() * (out.length + 8)), at);
        break;
      default:
        out = Buffer.from(Array.from({ length: Math.floor(pick() * 300) }, () => Math.floor(pick() * 256)));
    }
  }
  return out;
}

const outcomes = new Set([
  "OK",
  "NODATA",
  "NXDOMAIN",
  "SERVFAIL",
  "REFUSED",
  "TIMEOUT",
  "MALFORMED",
  "OTHER",
]);

/** What the actors do with a decoded answer: chain, text, addresses, NS and MX jobs. */
function shape(records: Answer[], type: "A" | "AAAA" | "NS" | "MX"): void {
  const walk = walkChain(records, name, type, 8);
  for (const record of records) assert.equal(typeof recordText(record), "string");
  const answer: DnsAnswer = {
    outcome: "OK",
    rcode: 0,
    records: walk.records,
    cnameChain: walk.chain,
    server: "",
    rttMs: 0,
    tcp: false,
  };
  for (const address of hostAddresses(answer, answer, [], new PrefixTable([])))
    assert.ok(address.family === Family.FAMILY_IPV4 || address.family === Family.FAMILY_IPV6);
  nsJobs(walk.records.map((r) => recordText(r)));
  mxJobs(walk.records.map((r) => ({ exchange: recordText(r), preference: 0 })));
}

describe(`fuzzing the answer parser (FUZZ_SEED=${seed})`, () => {
  it("parses 30,000 random and mutated packets without throwing", () => {
    const pick = random(seed);
    const kinds = { answer: 0, malformed: 0, mismatch: 0 };
    for (let i = 0; i < 30_000; i++) {
      const type = (["A", "AAAA", "NS", "MX"] as const)[i % 4]!;
      const bytes = mutate(pick, seedPacket(pick, i & 0xffff, type));
      const checked = checkAnswer(bytes, { name, type });
      kinds[checked.kind]++;
      if (checked.kind === "answer") shape([...(checked.packet.answers ?? [])], type);
    }
    // The mutations must reach every verdict, or they test nothing.
    assert.ok(kinds.answer > 1000 && kinds.malformed > 1000 && kinds.mismatch > 100, JSON.stringify(kinds));
  });

  it("a hostile server sending mutated answers never crashes the client; every question ends in an outcome", async () => {
    const pick = random(seed + 1);
    await using server = await startFakeServer(
      (query, reply) => {
        if (!query.packet) return;
        const type = query.packet.questions?.[0]?.type ?? "A";
        const roll = pick();
        // Mostly one mutated answer; sometimes a burst of them, a truncation (then TCP), or silence.
        const count = roll < 0.1 ? 0 : roll < 0.8 ? 1 : 5;
        for (let i = 0; i < count; i++) {
          const clean = seedPacket(pick, query.packet.id ?? 0, type);
          reply.send(pick() < 0.15 ? clean : mutate(pick, clean));
        }
        if (roll > 0.95 && !query.tcp)
          reply.send(
            dnsPacket.encode({
              type: "response",
              id: query.packet.id,
              flags: dnsPacket.TRUNCATED_RESPONSE,
              questions: query.packet.questions,
            }),
          );
      },
      { tcp: true },
    );
    const dns = new DnsClient({ servers: [server.endpoint], timeoutMs: 150, retries: 1, maxInFlight: 200 });
    const types = ["A", "AAAA", "NS", "MX"] as const;
    const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => dns.query(name, types[i % 4]!)));
    dns.close();
    const seen: Record<string, number> = {};
    for (const answer of answers) {
      assert.ok(outcomes.has(answer.outcome), answer.outcome);
      seen[answer.outcome] = (seen[answer.outcome] ?? 0) + 1;
      shape(answer.records, "A");
    }
    assert.ok((seen["OK"] ?? 0) > 0 && (seen["MALFORMED"] ?? 0) > 0, JSON.stringify(seen));
  });
});
