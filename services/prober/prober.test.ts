// The prober on loopback (root only: raw sockets): every metric at 127.0.0.1 and ::1, bad ICMP
// injected into the shared socket, and the run without CAP_NET_RAW. Nothing leaves the host.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PortState } from "../../gen/ipv6matrix/v1/common.js";
import { loadConfig } from "../runtime/config.js";
import { EchoSocket } from "./echo-socket.js";
import { internetChecksum } from "./icmp-packet.js";
import { PacketPacer } from "./packet-pacer.js";
import { Prober, proberOptionsFrom } from "./prober.js";
import { rawSocketOpener } from "./raw-socket.js";

const root = process.getuid?.() === 0;
const loopback = ["127.0.0.0/8", "::1/128"];
const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");

function loopbackProber(): Prober {
  const config = loadConfig({
    sets: [`prober.allow_ranges=${loopback.join(",")}`, "ping.interval=0.01", "trace.timeout=0.3"],
  });
  return new Prober({ ...proberOptionsFrom(config), confineTo: loopback });
}

test("every metric at 127.0.0.1 and ::1", { skip: !root && "needs root (raw sockets)" }, async () => {
  const prober = loopbackProber();
  try {
    for (const ip of ["127.0.0.1", "::1"]) {
      const result = await prober.probe(ip, "c1");
      assert.equal(result.notProbedReason, "");
      assert.equal(result.ping?.sent, 5);
      assert.equal(result.ping?.received, 5);
      assert.ok((result.ping?.minMs ?? 0) > 0 && (result.ping?.minMs ?? 0) <= (result.ping?.avgMs ?? 0));
      assert.equal(result.trace?.reached, true);
      assert.equal(result.trace?.hops, 1);
      assert.deepEqual(
        result.trace?.path.map((hop) => hop.address),
        [ip],
      );
      // Loopback's MTU is 65536; the search starts at 1500 (a path of jumbo frames reads 1500).
      assert.equal(result.trace?.mtu, 1500);
      assert.equal(result.sourceIp, ip);
      assert.ok([PortState.PORT_STATE_OPEN, PortState.PORT_STATE_CLOSED].includes(result.tcp80));
    }
  } finally {
    prober.close();
  }
});

test("special-purpose and out-of-bounds addresses get no packet, only a reason", async () => {
  const prober = loopbackProber();
  try {
    const privateRange = await prober.probe("10.0.0.1");
    assert.match(privateRange.notProbedReason, /10\.0\.0\.0\/8/);
    assert.equal(privateRange.tcp80, PortState.PORT_STATE_NOT_PROBED);
    assert.equal(privateRange.ping, undefined);
    // 192.0.2.0/24 is documentation, and not allowed here.
    assert.match((await prober.probe("192.0.2.1")).notProbedReason, /documentation/);
    assert.match((await prober.probe("not an address")).notProbedReason, /not an IP address/);
  } finally {
    prober.close();
  }
});

test("bad ICMP on the wire is counted and ignored", {
  skip: !root && "needs root (raw sockets)",
}, async () => {
  const injector = rawSocketOpener()(1, 4);
  const socket = new EchoSocket(4, new PacketPacer({ pps: 1000, perDestinationPps: 1000 }));
  const send = async (packet: Buffer) => {
    injector.send(packet, 0, packet.length, "127.0.0.1", 64);
  };
  const withChecksum = (packet: Buffer) => {
    packet.writeUInt16BE(internetChecksum(packet, 0, packet.length), 2);
    return packet;
  };
  try {
    const probe = socket.probe({ destination: "127.0.0.1", ttl: 64, timeoutMs: 1000 });
    // Time exceeded with a wrong checksum; one quoting a UDP packet; one cut short; a stray echo reply.
    const badChecksum = Buffer.alloc(36);
    badChecksum[0] = 11;
    badChecksum.writeUInt16BE(0xdead, 2);
    const quotesUdp = Buffer.alloc(36);
    quotesUdp[0] = 11;
    quotesUdp[8] = 0x45;
    quotesUdp[17] = 17;
    const truncated = Buffer.alloc(12);
    truncated[0] = 3;
    truncated[8] = 0x45;
    const stray = Buffer.from([0, 0, 0, 0, 0xff, 0xfe, 0xff, 0xfe]);
    for (const packet of [badChecksum, withChecksum(quotesUdp), withChecksum(truncated), withChecksum(stray)])
      await send(packet);
    assert.equal((await probe).kind, "reply");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(socket.counts.garbage, 2);
    assert.equal(socket.counts.ignored, 1);
    assert.ok(socket.counts.unmatched >= 1);
  } finally {
    socket.close();
    injector.close();
  }
});

test("without CAP_NET_RAW: one clear message, TCP measured, ping and path not measured", {
  skip: !root && "needs root to drop a capability",
}, async () => {
  const { stdout, stderr } = await promisify(execFile)(
    "setpriv",
    [
      ...["--bounding-set", "-net_raw", process.execPath, "--import", "tsx", "test/prober/run-prober.ts"],
      ...[
        "--confine",
        loopback.join(","),
        "--set",
        `prober.allow_ranges=${loopback.join(",")}`,
        "127.0.0.1",
        "::1",
      ],
    ],
    { cwd: repo, timeout: 30_000 },
  );
  const results = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((row) => !row.totals);
  assert.equal(results.length, 2);
  for (const result of results) {
    assert.match(result.ping.notMeasuredReason, /CAP_NET_RAW/);
    assert.equal(result.ping.sent, undefined, "sent 0: not measured, not unreachable");
    assert.match(result.trace.notMeasuredReason, /CAP_NET_RAW/);
    assert.equal(result.tcp80, "PORT_STATE_CLOSED");
  }
  const warnings = stderr.split("\n").filter((line) => line.includes("setcap cap_net_raw+ep"));
  assert.equal(warnings.length, 1, stderr);
});
