// Lab tests against the real thing: the default lab comes up fast, DNS through unbound gives
// the scenario's answers, ports/ICMP/MTU behave as declared, and teardown leaves nothing behind.
// Needs root; every test tears the lab down even when it fails.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { type Lab, startLab, stopLab } from "./lab.js";

async function dig(lab: Lab, ...args: string[]): Promise<string> {
  const r = await lab.exec("dig", ["+time=3", "+tries=1", `@${lab.resolver}`, ...args]);
  return r.stdout;
}

const status = (out: string) => /status: (\w+)/.exec(out)?.[1];
const answers = (out: string, type: string) =>
  out
    .split("\n")
    .filter((l) => !l.startsWith(";") && l.split(/\s+/)[3] === type)
    .map((l) => l.split(/\s+/)[4]);

/**
 * "open" | "closed" | "filtered" for a TCP connect from the vantage (bash /dev/tcp), told by what
 * came back, never by how long it took: a reset is "Connection refused"; silence is the kernel
 * giving up ("Connection timed out") or timeout(1) ending the wait (exit 124).
 */
async function tcp(lab: Lab, address: string, port: number): Promise<string> {
  const r = await lab.exec("timeout", ["3", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`]);
  if (r.code === 0) return "open";
  if (/Connection refused/.test(r.stderr)) return "closed";
  return r.code === 124 || /timed out/.test(r.stderr)
    ? "filtered"
    : `unexpected: ${r.code} ${r.stderr.trim()}`;
}

describe("default lab", { timeout: 180_000 }, () => {
  let lab: Lab & AsyncDisposable;
  before(async () => {
    lab = await startLab("default");
  });
  after(async () => {
    await stopLab();
  });

  test("comes up with its files", () => {
    assert.equal(lab.vantage, "v6m-vantage");
    assert.match(readFileSync(lab.domainsFile, "utf8"), /^alpha\.com$/m);
    assert.match(readFileSync(lab.configPath, "utf8"), /192\.0\.2\.53/);
  });

  test("DNS outcomes through unbound", async () => {
    assert.equal(status(await dig(lab, "delta.org", "NS")), "NXDOMAIN");
    assert.equal(status(await dig(lab, "echo.org", "NS")), "SERVFAIL");
    const nodata = await dig(lab, "foxtrot.org", "MX");
    assert.equal(status(nodata), "NOERROR");
    assert.deepEqual(answers(nodata, "MX"), []);
    const chain = await dig(lab, "www.charlie.com", "A");
    assert.deepEqual(answers(chain, "CNAME"), ["web.charlie.com.", "edge.cdnprov.net."]);
    assert.deepEqual(answers(chain, "A"), ["203.0.113.80"]);
    assert.deepEqual(answers(await dig(lab, "alpha.com", "NS"), "NS"), [
      "ns1.alpha.com.",
      "ns1.dnsprov.net.",
    ]);
    assert.deepEqual(
      answers(await dig(lab, "+short", "-x", "203.0.113.26").then((s) => `x 0 IN PTR ${s.trim()}`), "PTR"),
      ["mail.alpha.com."],
    );
    assert.equal(status(await dig(lab, "-x", "2002:cb00:7137::1")), "NXDOMAIN");
    assert.equal(status(await dig(lab, "mx.golf.co.uk", "A")), "NOERROR");
    assert.deepEqual(answers(await dig(lab, "india.de", "NS"), "NS"), ["ns1.india.de."]);
  });

  test("the big AAAA set is truncated over UDP and complete over TCP", async () => {
    const udp = await dig(lab, "+ignore", "+notcp", "www.kilo.jp", "AAAA");
    assert.match(udp, /flags: qr tc/);
    const full = await dig(lab, "+tcp", "www.kilo.jp", "AAAA");
    const got = answers(full, "AAAA");
    assert.equal(got.length, 60);
    assert.equal(got[0], "2001:db8:a:100::1");
  });

  test("ports are open, closed and filtered as declared", async () => {
    assert.equal(await tcp(lab, "203.0.113.30", 80), "open");
    assert.equal(await tcp(lab, "203.0.113.30", 443), "closed");
    assert.equal(await tcp(lab, "203.0.113.40", 80), "filtered");
    assert.equal(await tcp(lab, "2001:db8:a::40", 443), "filtered");
    assert.equal(await tcp(lab, "2001:db8:a::21", 80), "open");
    assert.equal(await tcp(lab, "2002:cb00:7137::1", 443), "open");
    assert.equal(await tcp(lab, "2001:0:c633:6401::66", 80), "open");
  });

  test("SMTP offers STARTTLS and completes TLS, or does not, or stalls", async () => {
    const starttls = await lab.exec(
      "openssl",
      ["s_client", "-starttls", "smtp", "-connect", "203.0.113.25:25", "-brief"],
      10_000,
    );
    assert.match(starttls.stderr + starttls.stdout, /CONNECTION ESTABLISHED|Protocol version/);
    const plain = await lab.exec("bash", [
      "-c",
      "exec 3<>/dev/tcp/203.0.113.55/25; read -t 2 l <&3; echo $l; printf 'EHLO x\\r\\n' >&3; for i in 1 2 3 4; do read -t 2 l <&3 && echo $l; done",
    ]);
    assert.match(plain.stdout, /^220 /);
    assert.doesNotMatch(plain.stdout, /STARTTLS/);
    const stall = await lab.exec("bash", [
      "-c",
      "exec 3<>/dev/tcp/203.0.113.65/25; read -t 2 l <&3; echo $l; printf 'EHLO x\\r\\n' >&3; read -t 2 l <&3 && echo $l; true",
    ]);
    assert.deepEqual(stall.stdout.trim().split("\n").length, 1);
    assert.match(stall.stdout, /^220 /);
  });

  test("pings answer except where dropped", async () => {
    assert.equal((await lab.exec("ping", ["-c", "1", "-W", "1", "203.0.113.30"])).code, 0);
    assert.equal((await lab.exec("ping", ["-c", "1", "-W", "1", "2001:db8:a::70"])).code, 0);
    assert.notEqual((await lab.exec("ping", ["-c", "1", "-W", "1", "203.0.113.41"])).code, 0);
    assert.notEqual((await lab.exec("ping", ["-c", "1", "-W", "1", "2001:db8:a::123"])).code, 0);
  });

  test("the narrow link gives path MTU 1400 / 1280 and r2 stays silent", async () => {
    const frag = await lab.exec("ping", ["-c", "1", "-W", "1", "-M", "do", "-s", "1400", "203.0.113.30"]);
    assert.match(frag.stdout + frag.stderr, /Frag needed and DF set \(mtu = 1400\)/);
    const t6 = await lab.exec("tracepath", ["-n", "2001:db8:a::20"]);
    assert.match(t6.stdout, /pmtu 1280/);
    assert.match(t6.stdout, /hops 4/);
    assert.match(t6.stdout, /\n\s*2:\s+no reply/);
    const t4 = await lab.exec("tracepath", ["-n", "203.0.113.130"]);
    assert.match(t4.stdout, /pmtu 1400/);
    assert.match(t4.stdout, /hops 5/);
    assert.match(t4.stdout, /198\.51\.100\.10/);
  });

  test("no namespace has a route out of the lab", async () => {
    for (const ns of ["vantage", "resolver", "r1", "r2", "r3", "r4", "near", "far", "dns"]) {
      for (const family of ["-4", "-6"]) {
        const routes = execFileSync("ip", ["-n", `v6m-${ns}`, family, "route"], { encoding: "utf8" });
        assert.doesNotMatch(routes, /^default/m, `v6m-${ns} has a default route`);
      }
    }
  });
});

describe("teardown", { timeout: 120_000 }, () => {
  test("leaves no namespace, process or mount behind", async () => {
    {
      await using lab = await startLab("default");
      assert.equal((await lab.exec("true", [])).code, 0);
    }
    const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
    assert.doesNotMatch(namespaces, /^v6m-(?!scale-)/m);
    const mounts = readFileSync("/proc/mounts", "utf8");
    assert.doesNotMatch(mounts, /netns\/v6m-(?!scale-)/);
    const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    assert.doesNotMatch(ps, /\/run\/v6m-lab|test\/lab\/hostd\.ts|test\/lab\/dns-delay\.ts/);
  });
});
