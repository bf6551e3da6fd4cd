// The synthetic DNS server's two paths give the same answers: for thousands of questions of every
// kind the rule has (apex NS/SOA/MX/A, hosts, providers' name servers, reverse names, NXDOMAIN,
// NODATA, other types; EDNS or not; any case), the hand-written fast path's response decodes to
// what dns-packet's path encodes. Queries the fast path does not take go to dns-packet's path.
// Then a real server on loopback answers over UDP and TCP with the same bytes.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as dnsPacket from "dns-packet";
import { answer, FAST_ANSWER_ROOM, fastAnswer } from "./fast-answer.js";
import { packetAnswer } from "./packet-answer.js";
import { DEFAULT_TLDS, domainName, type World } from "./rule.js";

const types = createRequire(import.meta.url)("dns-packet/types.js") as {
  toString(code: number): string;
  toType(name: string): number;
};
const world: World = { count: 3000, tlds: DEFAULT_TLDS };
const CODES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 };
const ALL_TYPES = [...Object.values(CODES), 257, 65280];
const EDNS_COOKIE = Buffer.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);

interface QuerySpec {
  id?: number;
  flags?: number;
  /** Labels as bytes on the wire; a string is split on dots. */
  name: string | Buffer[];
  type: number;
  class?: number;
  /** No OPT record, an OPT without options, or an OPT with these option bytes. */
  opt?: false | true | Buffer;
}

function query(spec: QuerySpec): Buffer {
  const labels =
    typeof spec.name === "string"
      ? spec.name === ""
        ? []
        : spec.name.split(".").map((l) => Buffer.from(l, "latin1"))
      : spec.name;
  const parts: Buffer[] = [Buffer.alloc(12)];
  parts[0]!.writeUInt16BE(spec.id ?? 0x1234, 0);
  parts[0]!.writeUInt16BE(spec.flags ?? 0x0100, 2);
  parts[0]!.writeUInt16BE(1, 4);
  parts[0]!.writeUInt16BE(spec.opt ? 1 : 0, 10);
  for (const label of labels) parts.push(Buffer.from([label.length]), label);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(spec.type, 1);
  tail.writeUInt16BE(spec.class ?? 1, 3);
  parts.push(tail);
  if (spec.opt) {
    const options = spec.opt === true ? Buffer.alloc(0) : spec.opt;
    const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]);
    opt.writeUInt16BE(options.length, 9);
    parts.push(opt, options);
  }
  return Buffer.concat(parts);
}

/** Every kind of name the rule has, and names near them that it does not have. */
function names(): string[] {
  const out: string[] = [];
  for (let n = 0; n < 240; n++) {
    const d = domainName(world, n);
    out.push(d, `www.${d}`, `mx.${d}`, `ntp.${d}`, `ns1.${d}`, `ns2.${d}`);
  }
  for (const n of [1234, 2997, 2998, 2999]) out.push(domainName(world, n), `www.${domainName(world, n)}`);
  for (const n of [3000, 3001, 99999])
    out.push(`d${n}.${DEFAULT_TLDS[n % 6]}`, `www.d${n}.${DEFAULT_TLDS[n % 6]}`);
  out.push("d5.com", "d05.uk", "d0.com", "d00.com", "d.com", "d1.net1", "d1.net", "dx.net", "e1.net");
  out.push("smtp.d0.com", "a-b.d0.com", "x_y.d0.com", "a.www.d0.com", "ns3.d0.com", "www1.d0.com");
  out.push("www.d0.com.example", "com", "net", "arpa", "example.com", "x", "a.b.c.d.e.f");
  for (let k = 0; k < 102; k += 3) out.push(`ns1.prov${k}.net`, `ns2.prov${k}.net`);
  out.push("ns1.prov007.net", "ns2.prov99.net", "ns1.prov100.net", "ns3.prov5.net", "ns1.prov.net");
  out.push("ns1.prov5.com", "x.ns1.prov5.net", "ns1.provx.net");
  for (let i = 0; i < 3100; i += 37) {
    out.push(`${i & 255}.${(i >> 8) & 255}.18.198.in-addr.arpa`);
    const nibbles = i.toString(16).padStart(20, "0").split("").reverse().join(".");
    out.push(`${nibbles}.1.a.c.5.8.b.d.0.1.0.0.2.ip6.arpa`);
  }
  out.push("0.0.18.198.in-addr.arpa", "9.0.18.198.in-addr.arpa", "0.0.19.198.in-addr.arpa");
  out.push("300.0.18.198.in-addr.arpa", "007.0.18.198.in-addr.arpa", "1.0.17.198.in-addr.arpa");
  out.push("18.198.in-addr.arpa", "a.0.18.198.in-addr.arpa", "1.2.0.18.198.in-addr.arpa");
  const high = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.1.a.c.5.8.b.d.0.1.0.0.2.ip6.arpa"; // past 2^53
  const safe = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.a.c.5.8.b.d.0.1.0.0.2.ip6.arpa";
  out.push(high, safe, safe.replace("1.a.c.5", "2.a.c.5"), `g.${safe.slice(2)}`, `10.${safe.slice(2)}`);
  out.push("8.b.d.0.1.0.0.2.ip6.arpa", `0.${safe}`);
  out.push(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(50)}.d6.com`);
  return out;
}

/** The parts of a decoded response that a client reads. */
function readable(response: Buffer) {
  const p = dnsPacket.decode(response);
  return {
    id: p.id,
    flags: p.flags,
    questions: p.questions,
    answers: p.answers,
    authorities: p.authorities,
    additionals: p.additionals,
  };
}

function fast(q: Buffer, udp: boolean): Buffer | undefined {
  const out = Buffer.alloc(FAST_ANSWER_ROOM);
  const length = fastAnswer(world, q, udp, out);
  return length > 0 ? out.subarray(0, length) : undefined;
}

function assertSame(q: Buffer, label: string): void {
  for (const udp of [true, false]) {
    const mine = fast(q, udp);
    const reference = packetAnswer(world, q, udp);
    assert.ok(mine, `${label}: the fast path takes it`);
    assert.ok(reference, `${label}: dns-packet answers it`);
    assert.deepEqual(readable(mine), readable(reference), label);
    assert.ok(mine.length <= reference.length, `${label}: no longer than uncompressed`);
  }
}

describe("scale DNS server: fast path = dns-packet path", () => {
  test("every kind of name, every type, with and without EDNS, any case", () => {
    let checked = 0;
    for (const name of names()) {
      for (const type of ALL_TYPES) {
        assertSame(query({ name, type }), `${name} ${type}`);
        assertSame(query({ name, type, opt: true }), `${name} ${type} EDNS`);
        checked += 2;
      }
      assertSame(query({ name: name.toUpperCase(), type: CODES.A }), `${name} upper case`);
      const mixed = name.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
      assertSame(query({ name: mixed, type: CODES.NS, opt: true }), `${mixed} NS`);
      assertSame(query({ name: mixed, type: CODES.SOA }), `${mixed} SOA`);
      assertSame(query({ name: mixed, type: CODES.AAAA }), `${mixed} AAAA`);
      checked += 4;
    }
    assert.ok(checked > 20_000, `${checked} questions`);
  });

  test("header: id and RD copied, other query flags ignored; EDNS options dns-packet keeps as bytes", () => {
    for (const flags of [0, 0x0100, 0x8000, 0x7fff, 0xffff, 0x0010]) {
      assertSame(query({ id: 0, flags, name: "www.d0.com", type: CODES.A }), `flags ${flags}`);
      assertSame(query({ id: 0xffff, flags, name: "x.d3.de", type: CODES.MX }), `flags ${flags} NXDOMAIN`);
    }
    assertSame(query({ name: "www.d0.com", type: CODES.AAAA, opt: EDNS_COOKIE }), "cookie");
    assertSame(query({ name: "d0.com", type: CODES.NS, opt: Buffer.from([0, 12, 0, 0]) }), "padding");
  });

  test("the response bytes, compressed against the question", () => {
    const q = query({ name: "d0.com", type: CODES.NS });
    assert.equal(
      fast(q, true)!.toString("hex"),
      "12348500000100020000000002643003636f6d0000020001" +
        "c00c000200010000 0e10 0006 036e7331 c00c".replace(/ /g, "") +
        "c00c000200010000 0e10 0006 036e7332 c00c".replace(/ /g, ""),
    );
  });

  test("truncated over 512 bytes exactly when dns-packet's uncompressed answer is", () => {
    // Only names this long pass 512 bytes: a 63-letter TLD in the SOA's three names, and a
    // question name of up to 254 bytes.
    const longWorld: World = { count: 10, tlds: ["t".repeat(63)] };
    let fastTaken = 0;
    let truncated = 0;
    for (let filler = 1; filler <= 190; filler++) {
      const labels = Array.from({ length: Math.ceil(filler / 60) }, (_, i) =>
        "f".repeat(Math.min(59, filler - 60 * i)),
      );
      const wire = labels.reduce((sum, label) => sum + 1 + label.length, 0);
      if (wire + 3 + 64 > 254) break; // dns-packet's longest name
      const q = query({ name: `${labels.join(".")}.d0.${longWorld.tlds[0]}`, type: CODES.A });
      const reference = packetAnswer(longWorld, q, true)!;
      assert.deepEqual(readable(answer(longWorld, q, true)!), readable(reference), `filler ${filler}`);
      if (fastAnswer(longWorld, q, true, Buffer.alloc(FAST_ANSWER_ROOM)) > 0) fastTaken++;
      if ((readable(reference).flags ?? 0) & 0x0200) truncated++;
    }
    assert.ok(fastTaken > 100 && truncated > 0, `fast ${fastTaken}, truncated ${truncated}`);
  });

  test("a TLD of other than letters is never generated, as the rule's pattern says", () => {
    const oddWorld: World = { count: 10, tlds: ["com", "x1", "x-y"] };
    for (const name of ["d0.com", "d1.x1", "www.d1.x1", "a.d1.x1", "d2.x-y", "ns1.d2.x-y"]) {
      for (const type of [CODES.A, CODES.SOA, CODES.NS, CODES.TXT]) {
        const q = query({ name, type });
        const out = Buffer.alloc(FAST_ANSWER_ROOM);
        const length = fastAnswer(oddWorld, q, true, out);
        assert.ok(length > 0, name);
        assert.deepEqual(readable(out.subarray(0, length)), readable(packetAnswer(oddWorld, q, true)!), name);
      }
    }
  });

  test("queries of other shapes go to dns-packet's path", () => {
    const two = query({ name: "www.d0.com", type: CODES.A });
    two.writeUInt16BE(2, 4);
    const withAnswer = query({ name: "www.d0.com", type: CODES.A });
    withAnswer.writeUInt16BE(1, 6);
    const ecs = Buffer.from([0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2]);
    const pointer = Buffer.concat([query({ name: "d0.com", type: CODES.A }), Buffer.from([0])]);
    const others: [string, Buffer][] = [
      ["two questions", Buffer.concat([two, Buffer.from([1, 0x61, 0, 0, 1, 0, 1])])],
      ["two questions, one given", two],
      ["an answer record", withAnswer],
      ["class CH", query({ name: "www.d0.com", type: CODES.A, class: 3 })],
      ["class ANY", query({ name: "www.d0.com", type: CODES.A, class: 255 })],
      ["root", query({ name: "", type: CODES.NS })],
      ["a dot in a label", query({ name: [Buffer.from("www.d0"), Buffer.from("com")], type: CODES.A })],
      ["a space", query({ name: "www .d0.com", type: CODES.A })],
      ["latin-1", query({ name: "caf\xe9.d0.com", type: CODES.A })],
      ["a wildcard", query({ name: "*.d0.com", type: CODES.A })],
      ["ECS", query({ name: "www.d0.com", type: CODES.A, opt: ecs })],
      ["options past the OPT", query({ name: "www.d0.com", type: CODES.A, opt: Buffer.from([0, 10, 0, 9]) })],
      ["header only", query({ name: "d0.com", type: CODES.A }).subarray(0, 12)],
      ["cut question", query({ name: "d0.com", type: CODES.A }).subarray(0, 20)],
      ["short", Buffer.from([1, 2, 3])],
      ["name too long", query({ name: `${"a.".repeat(127)}d0.com`, type: CODES.A })],
    ];
    // A question name that is a pointer to the header: dns-packet refuses it, so must we.
    pointer[12] = 0xc0;
    pointer[13] = 0x00;
    others.push(["pointer", pointer]);
    for (const [label, q] of others) {
      assert.equal(fastAnswer(world, q, true, Buffer.alloc(FAST_ANSWER_ROOM)), 0, label);
      const reference = packetAnswer(world, q, true);
      assert.deepEqual(answer(world, q, true), reference, label);
    }
  });

  test("dns-packet writes every question type back as it read it, so copying the bytes is the same", () => {
    for (let code = 0; code < 65536; code++) assert.equal(types.toType(types.toString(code)), code);
  });
});

describe("scale DNS server on loopback", () => {
  test("answers over UDP and TCP with the fast path's bytes", async () => {
    await using server = await startServer();
    const questions = [
      query({ name: "www.d3.de", type: CODES.AAAA, opt: true }),
      query({ name: "d1.net", type: CODES.NS }),
      query({ name: "D2.ORG", type: CODES.SOA }),
      query({ name: "nope.d4.de", type: CODES.A, opt: true }),
      query({ name: "www.d0.com", type: CODES.A, class: 3 }),
    ];
    const udp = createSocket("udp4");
    try {
      for (const q of questions) {
        const reply = new Promise<Buffer>((resolve) => udp.once("message", resolve));
        udp.send(q, server.port, "127.0.0.1");
        assert.deepEqual(await reply, answer(world, q, true));
      }
    } finally {
      udp.close();
    }
    const socket = connect(server.port, "127.0.0.1");
    try {
      const frames = Buffer.concat(questions.map((q) => Buffer.concat([Buffer.from([0, q.length]), q])));
      socket.write(frames);
      let received = Buffer.alloc(0);
      const wanted = questions.map((q) => answer(world, q, false)!);
      const total = wanted.reduce((sum, a) => sum + 2 + a.length, 0);
      for await (const chunk of socket) {
        received = Buffer.concat([received, chunk as Buffer]);
        if (received.length >= total) break;
      }
      let at = 0;
      for (const want of wanted) {
        assert.equal(received.readUInt16BE(at), want.length);
        assert.deepEqual(received.subarray(at + 2, at + 2 + want.length), want);
        at += 2 + want.length;
      }
    } finally {
      socket.destroy();
    }
  });
});

async function startServer(): Promise<{ port: number; [Symbol.asyncDispose]: () => Promise<void> }> {
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), "v6m-dns-server-"));
  const ready = join(dir, "ready");
  const args = ["--import", "tsx", join(import.meta.dirname, "dns-server.ts"), "--port", String(port)];
  args.push("--address", "127.0.0.1", "--count", String(world.count), "--ready-file", ready);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300 && !existsSync(ready) && child.exitCode === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!existsSync(ready)) {
    await stop();
    throw new Error("the DNS server did not start");
  }
  return { port, [Symbol.asyncDispose]: stop };
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
