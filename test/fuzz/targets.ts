// The fuzz targets: each reader of bytes from outside, with what must hold for
// any input. A target throws only when that does not hold; the reader's own
// typed refusal (LegacyFormatError, ConfigError, DomainFileError, a "garbage"
// or "malformed" result) is a pass.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dnsPacket from "dns-packet";
import { readLegacyCsvRun } from "../../services/aggregator/legacy/csv-import.js";
import { legacyRawRows } from "../../services/aggregator/legacy/legacy-crawl.js";
import { LegacyFormatError, parseCsv } from "../../services/aggregator/legacy/legacy-formats.js";
import { echoRequest, internetChecksum, parseIcmp4, parseIcmp6 } from "../../services/prober/icmp-packet.js";
import { encodeHeader, encodeRequest } from "../../services/prober/ntp/packet.js";
import { judgeReply } from "../../services/prober/ntp/reply.js";
import { SmtpReplyParser } from "../../services/prober/smtp-reply.js";
import { checkAnswer, encodeQuery, recordText, walkChain } from "../../services/resolver/dns-message.js";
import { ConfigError, loadConfig } from "../../services/runtime/config.js";
import { DomainFileError, newReport, readDomainLines } from "../../services/runtime/domain-file.js";
import { normaliseName } from "../../services/runtime/domain-name.js";
import { legacyFiles, legacyRun } from "../aggregator/legacy-fixture.js";
import type { FuzzTarget } from "./engine.js";

const scratch = mkdtempSync(join(tmpdir(), "v6m-fuzz-"));
process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));

function dnsResponse(answers: dnsPacket.Answer[], rcode = "NOERROR"): Buffer {
  return dnsPacket.encode({
    type: "response",
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    rcode,
    questions: [{ type: "A", name: "www.example.com", class: "IN" }],
    answers,
  } as dnsPacket.Packet);
}

const dns: FuzzTarget = {
  name: "dns",
  about: "DNS answers (services/resolver/dns-message.ts checkAnswer, walkChain, recordText)",
  seeds: () => [
    dnsResponse([{ type: "A", name: "www.example.com", ttl: 60, data: "192.0.2.1" }]),
    dnsResponse([
      { type: "CNAME", name: "www.example.com", ttl: 60, data: "web.example.net" },
      { type: "CNAME", name: "web.example.net", ttl: 60, data: "www.example.com" },
      { type: "A", name: "web.example.net", ttl: 60, data: "192.0.2.2" },
    ]),
    dnsResponse([], "NXDOMAIN"),
    dnsResponse([
      { type: "MX", name: "www.example.com", ttl: 60, data: { preference: 10, exchange: "mx.example.com" } },
    ]),
    encodeQuery(7, "www.example.com", "A"),
  ],
  dictionary: ["\x00\x01", "\x00\x1c", "\x00\x05", "\xc0\x0c", "\x03www\x07example\x03com\x00", "\x00\x29"],
  run(data) {
    const checked = checkAnswer(data, { name: "www.example.com", type: "A" });
    assert.ok(["answer", "malformed", "mismatch"].includes(checked.kind));
    if (checked.kind !== "answer") return;
    const answers = checked.packet.answers ?? [];
    const walk = walkChain(answers, "www.example.com", "A", 8);
    assert.ok(walk.chain.length <= 8);
    for (const record of answers) assert.equal(typeof recordText(record), "string");
  },
};

const icmp: FuzzTarget = {
  name: "icmp",
  about: "ICMP and ICMPv6 packets (services/prober/icmp-packet.ts parseIcmp4, parseIcmp6)",
  seeds: () => {
    const ipv4 = (icmp: Buffer) => {
      const header = Buffer.alloc(20);
      header[0] = 0x45;
      header.writeUInt16BE(20 + icmp.length, 2);
      header[9] = 1;
      header.set([192, 0, 2, 1], 12);
      return Buffer.concat([header, icmp]);
    };
    const reply = echoRequest(4, 0x1234, 5);
    reply[0] = 0;
    reply.writeUInt16BE(0, 2);
    reply.writeUInt16BE(internetChecksum(reply, 0, reply.length), 2);
    const request4 = ipv4(echoRequest(4, 0x1234, 6));
    const exceeded = Buffer.concat([Buffer.from([11, 0, 0, 0, 0, 0, 0, 0]), request4]);
    exceeded.writeUInt16BE(internetChecksum(exceeded, 0, exceeded.length), 2);
    const v6header = Buffer.alloc(40);
    v6header[0] = 0x60;
    v6header[6] = 58;
    const tooBig = Buffer.concat([
      Buffer.from([2, 0, 0, 0, 0, 0, 5, 0]),
      v6header,
      echoRequest(6, 0x1234, 7),
    ]);
    // The first byte says which parser: even IPv4, odd ICMPv6.
    return [
      Buffer.concat([Buffer.from([0]), ipv4(reply)]),
      Buffer.concat([Buffer.from([0]), ipv4(exceeded)]),
      Buffer.concat([Buffer.from([1]), tooBig]),
      Buffer.concat([Buffer.from([1]), echoRequest(6, 0x1234, 8)]),
    ];
  },
  dictionary: ["\x45", "\x60", "\x0b\x00", "\x03\x04", "\x80\x00", "\x81\x00", "\x00\x3a"],
  run(data) {
    const body = data.subarray(1);
    const parsed = (data[0] ?? 0) % 2 === 0 ? parseIcmp4(body) : parseIcmp6(body, "2001:db8::1");
    assert.ok(["echo-reply", "error", "ignored", "garbage"].includes(parsed.kind));
    if (parsed.kind === "error") {
      assert.ok(parsed.quoted.id >= 0 && parsed.quoted.id <= 0xffff && parsed.quoted.seq <= 0xffff);
      assert.ok(parsed.mtu >= 0 && parsed.mtu <= 0xffff_ffff);
    }
  },
};

const smtp: FuzzTarget = {
  name: "smtp",
  about: "SMTP replies (services/prober/smtp-reply.ts SmtpReplyParser)",
  seeds: () => [
    Buffer.from("220 mx.example.com ESMTP ready\r\n"),
    Buffer.from("250-mx.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
    Buffer.from("421 4.3.2 busy\r\n554 no\n"),
  ],
  dictionary: ["\r\n", "250-", "250 ", "220 ", "421-", "\x00", "STARTTLS"],
  run(data) {
    // The same bytes in one piece and cut at places the input chooses give the same replies.
    const whole = new SmtpReplyParser().push(data);
    const parser = new SmtpReplyParser();
    const pieces = [];
    const step = 1 + ((data[0] ?? 0) % 7);
    for (let at = 0; at < data.length; at += step) pieces.push(...parser.push(data.subarray(at, at + step)));
    assert.deepEqual(pieces, whole);
    const failures = whole.filter((r) => r.kind === "failure");
    assert.ok(failures.length <= 1 && (failures.length === 0 || whole.at(-1)!.kind === "failure"));
    for (const reply of whole)
      if (reply.kind === "reply") assert.ok(reply.reply.code >= 0 && reply.reply.code <= 999);
  },
};

// The origin every NTP input is judged against: a reply must carry it to count at all.
const ntpOrigin = Buffer.from("0123456789abcdef", "hex");

const ntp: FuzzTarget = {
  name: "ntp",
  about: "NTP replies (services/prober/ntp/reply.ts judgeReply, packet.ts decodeHeader)",
  seeds: () => {
    const header = (first: number, stratum: number, refid: string) =>
      encodeHeader({
        leap: first >> 6,
        version: (first >> 3) & 7,
        mode: first & 7,
        stratum,
        poll: 6,
        precision: -20,
        rootDelay: 0.001,
        rootDispersion: 0.01,
        refid: Buffer.from(refid, "latin1"),
        reference: Buffer.from("e9b7a10000000000", "hex"),
        origin: ntpOrigin,
        receive: Buffer.from("e9b7a10080000000", "hex"),
        transmit: Buffer.from("e9b7a100c0000000", "hex"),
      });
    return [
      header(0x24, 2, "\xc6\x33\x64\x01"),
      header(0xe4, 0, "RATE"),
      header(0xe4, 2, "LOCL"),
      encodeRequest(ntpOrigin).bytes,
    ];
  },
  dictionary: ["\x24", "\xe4", "\x23", "\x00", "\x10", "RATE", "\x01\x23\x45\x67\x89\xab\xcd\xef"],
  run(data) {
    const sentMs = Date.UTC(2024, 3, 3);
    const verdict = judgeReply(data, [{ transmit: ntpOrigin.toString("hex"), sentMs }], sentMs + 10);
    if (verdict.kind === "ignored") return;
    // Judged at all only with our origin; an answer has a stratum of 1..15 and finite numbers.
    assert.ok(data.subarray(24, 32).equals(ntpOrigin));
    if (verdict.kind === "answered") {
      assert.ok(verdict.stratum >= 1 && verdict.stratum <= 15);
      assert.ok(Number.isFinite(verdict.offsetMs) && Number.isFinite(verdict.rttMs));
    } else assert.ok(verdict.failure.startsWith("ntp_"));
  },
};

const domainFile: FuzzTarget = {
  name: "domain-file",
  about: "domain lists, Majestic and Tranco CSVs (services/runtime/domain-file.ts readDomainLines)",
  seeds: () => [
    Buffer.from("example.com\n# comment\n\nwww.Example.ORG.\nbad name\nexample.com\n"),
    Buffer.from("GlobalRank,TldRank,Domain,TLD\n1,1,google.com,com\n2,2,facebook.com,com\n"),
    Buffer.from("1,google.com\r\n2,youtube.com\r\n3,xn--bcher-kva.de\r\n"),
    Buffer.from("bücher.de\n\u00e9t\u00e9.fr\n"),
  ],
  dictionary: [",", "\n", "\r\n", "#", ".", "..", "xn--", "domain", '"', "1,", "-", "_", "\u200b"],
  async run(data) {
    const lines = data.toString("utf8").split(/\r?\n/);
    const report = newReport();
    const rejected: number[] = [];
    const accepted: { domain: string; line: number }[] = [];
    try {
      for await (const line of readDomainLines(lines, "fuzz", {
        report,
        onReject: (r) => rejected.push(r.line),
      }))
        accepted.push(line);
    } catch (error) {
      if (error instanceof DomainFileError) return;
      throw error;
    }
    const seen = new Set<string>();
    for (const { domain, line } of accepted) {
      // Accepted names are names: checking one again gives it back unchanged.
      assert.deepEqual(normaliseName(domain), { ok: true, name: domain });
      assert.ok(!seen.has(domain), `${domain} twice`);
      seen.add(domain);
      assert.ok(line >= 1 && line <= lines.length);
    }
    // A rejected line's number points at a line that is neither blank nor a comment.
    for (const line of rejected) {
      const text = lines[line - 1]?.trim() ?? "";
      assert.ok(text !== "" && !text.startsWith("#"), `line ${line} rejected: ${JSON.stringify(text)}`);
    }
    assert.equal(report.accepted, accepted.length);
    assert.equal(report.rejectedCount, rejected.length);
  },
};

const configFile = join(scratch, "config.yaml");
const config: FuzzTarget = {
  name: "config",
  about: "configuration files (services/runtime/config.ts loadConfig)",
  seeds: () => [
    Buffer.from("resolver:\n  timeout: 2\n  nameservers: [192.0.2.53, '[2001:db8::53]:5353']\n"),
    Buffer.from("features:\n  NS: true\n  MX: false\nping:\n  count: 3\ntelemetry:\n  log_level: warn\n"),
    Buffer.from("store:\n  url: http://user:pw@127.0.0.1:8123/db\nprober:\n  allow_ranges: [192.0.2.0/24]\n"),
    Buffer.from("api:\n  listen: 127.0.0.1:7600\n  max_domains: 100\n"),
  ],
  dictionary: [
    ":",
    "\n  ",
    "- ",
    "&a ",
    "*a",
    "!!binary ",
    "~",
    ".inf",
    "0x10",
    "[",
    "{",
    "'",
    '"',
    "__proto__",
  ],
  run(data) {
    writeFileSync(configFile, data);
    try {
      const loaded = loadConfig({ file: configFile, env: {} });
      assert.ok(Number.isFinite(loaded.resolver.timeout) && loaded.resolver.timeout > 0);
      assert.ok(Number.isInteger(loaded.ping.count));
      assert.ok(Array.isArray(loaded.resolver.nameservers));
    } catch (error) {
      if (error instanceof ConfigError) {
        // One line naming the file.
        assert.ok(!error.message.includes("\n"), error.message);
        return;
      }
      throw error;
    }
  },
};

const legacyNames = Object.keys(legacyFiles["com"]!);
const legacyDir = join(scratch, "legacy", legacyRun);
let legacyChanged: string | undefined;
const legacyCsv: FuzzTarget = {
  name: "legacy-csv",
  about:
    "the original crawler's CSV run folders (services/aggregator/legacy/csv-import.ts, legacy-formats.ts)",
  // First byte: which of the fixture's files the rest of the input replaces.
  seeds: () =>
    legacyNames.map((name, i) => Buffer.concat([Buffer.from([i]), Buffer.from(legacyFiles["com"]![name]!)])),
  dictionary: ["n/a", ",", "\r\n", '"', "True", "False", "2001:db8::1", "192.0.2.1", "a.com", "1e309", "-1"],
  async run(data) {
    const name = legacyNames[(data[0] ?? 0) % legacyNames.length]!;
    const text = data.subarray(1).toString("utf8");
    try {
      parseCsv(text, name);
    } catch (error) {
      if (!(error instanceof LegacyFormatError)) throw error;
    }
    // The fixture's run folder, with the one file of the last input put back and this input's written.
    if (legacyChanged === undefined) {
      mkdirSync(legacyDir, { recursive: true });
      for (const [file, content] of Object.entries(legacyFiles["com"]!))
        writeFileSync(join(legacyDir, file), content);
    } else writeFileSync(join(legacyDir, legacyChanged), legacyFiles["com"]![legacyChanged]!);
    writeFileSync(join(legacyDir, name), text);
    legacyChanged = name;
    try {
      const { crawl } = await readLegacyCsvRun([{ tld: "com", run: legacyRun, path: legacyDir }]);
      const rows = legacyRawRows(crawl, "c-fuzz");
      assert.ok(rows.jobs.every((job) => typeof job["domain"] === "string"));
    } catch (error) {
      if (error instanceof LegacyFormatError) return;
      throw error;
    }
  },
};

export const targets: readonly FuzzTarget[] = [dns, icmp, smtp, ntp, domainFile, config, legacyCsv];
