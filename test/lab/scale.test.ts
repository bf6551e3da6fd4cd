// Scale mode tests: the generator's totals against closed forms written here by hand (not taken
// from rule.ts), a sample of the synthetic server's answers against the same hand-written rule,
// and TCP accepted on any address of the AnyIP ranges. The namespaces are removed even on failure.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { assertLabPossible } from "./lab.js";
import { DEFAULT_TLDS, totals } from "./scale/rule.js";

const run = promisify(execFile);
const SCALE_SH = join(dirname(fileURLToPath(import.meta.url)), "scale", "scale.sh");
const COUNT = 100_000;
const tlds = DEFAULT_TLDS; // com, net, org, de, uk, jp

/** The rule, restated by hand from the table in rule.ts. */
function handTotals(c: number) {
  const perTld = Object.fromEntries(tlds.map((t, i) => [t, Math.floor(c / 6) + (i < c % 6 ? 1 : 0)]));
  return {
    domains: c,
    wwwA: c - Math.floor(c / 10),
    wwwAAAA: 4 * Math.floor(c / 10) + Math.min(c % 10, 4),
    mx: Math.ceil(c / 3),
    mxAAAA: Math.ceil(c / 6),
    nsInHouse: Math.ceil(c / 2),
    // N % 4 == 2: in-house name servers without AAAA.
    nsInHouseNoAAAA: Math.floor((c + 1) / 4),
    nsProvider: Math.floor(c / 2),
    ntp: Math.ceil(c / 5),
    providers: Math.min(50, Math.floor(c / 2)),
    perTld,
  };
}

function expectedAnswer(n: number, label: string, type: string): string[] {
  const d = `d${n}.${tlds[n % 6]}`;
  const i = n % 131072;
  const v4 = `198.${18 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
  const v6 =
    n === 0
      ? "2001:db8:5ca1::"
      : `2001:db8:5ca1::${n >= 65536 ? `${Math.floor(n / 65536).toString(16)}:` : ""}${(n % 65536).toString(16)}`;
  if (label === "www" && type === "A") return n % 10 === 9 ? [] : [v4];
  if (label === "www" && type === "AAAA") return n % 10 < 4 ? [v6] : [];
  if (label === "" && type === "MX") return n % 3 === 0 ? [`10 mx.${d}.`] : [];
  if (label === "" && type === "NS") {
    return n % 2 === 0 ? [`ns1.${d}.`, `ns2.${d}.`] : [`ns1.prov${n % 100}.net.`, `ns2.prov${n % 100}.net.`];
  }
  if (label === "ntp" && type === "A") return n % 5 === 0 ? [v4] : [];
  throw new Error(`no hand rule for ${label} ${type}`);
}

describe("scale rule totals", () => {
  for (const c of [0, 1, 7, 99, 100, 12_345, 100_000, 1_000_000]) {
    test(`count ${c}`, () => {
      assert.deepEqual(totals({ count: c, tlds }), handTotals(c));
    });
  }
});

describe("scale namespace", { timeout: 120_000 }, () => {
  const client = (cmd: string, args: string[]) =>
    run("ip", ["netns", "exec", "v6m-scale-vantage", cmd, ...args], { timeout: 20_000 });
  before(async () => {
    assertLabPossible();
    await run("bash", [SCALE_SH, "up", String(COUNT)], { timeout: 60_000 });
  });
  after(async () => {
    await run("bash", [SCALE_SH, "down"], { timeout: 60_000 });
    assert.doesNotMatch(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }), /v6m-scale-/);
  });

  test("a sample of answers follows the rule", async () => {
    const sample = [0, 1, 2, 3, 9, 10, 12_345, 65_536, 99_999];
    for (let k = 0; k < 20; k++) sample.push(Math.floor(Math.random() * COUNT));
    const cases: Array<[string, string]> = [
      ["www", "A"],
      ["www", "AAAA"],
      ["", "MX"],
      ["", "NS"],
      ["ntp", "A"],
    ];
    for (const n of sample) {
      for (const [label, type] of cases) {
        const name = `${label ? `${label}.` : ""}d${n}.${tlds[n % 6]}`;
        const wwwExists = !(label === "www" && n % 10 === 9) && !(label === "ntp" && n % 5 !== 0);
        const { stdout } = await client("dig", ["+time=2", "+tries=2", "@192.0.2.129", name, type]);
        assert.match(stdout, wwwExists ? /status: NOERROR/ : /status: NXDOMAIN/, `${name} ${type}`);
        const got = stdout
          .split("\n")
          .filter((l) => !l.startsWith(";") && l.split(/\s+/)[3] === type)
          .map((l) => l.split(/\s+/).slice(4).join(" "));
        assert.deepEqual(got, expectedAnswer(n, label, type), `${name} ${type}`);
      }
    }
    const beyond = await client("dig", [
      "+time=2",
      "@192.0.2.129",
      `www.d${COUNT + 6}.${tlds[(COUNT + 6) % 6]}`,
      "A",
    ]);
    assert.match(beyond.stdout, /status: NXDOMAIN/);
    const ptr = await client("dig", ["+short", "+time=2", "@192.0.2.129", "-x", "198.18.48.57"]);
    assert.equal(ptr.stdout.trim(), "www.d12345.de.");
    const soa = await client("dig", ["+short", "+tcp", "+time=2", "@192.0.2.129", "d12345.de", "SOA"]);
    assert.equal(soa.stdout.trim(), "ns1.prov45.net. hostmaster.d12345.de. 12345 7200 3600 1209600 300");
  });

  test("TCP is accepted on any address of the ranges", async () => {
    for (const [addr, port] of [
      ["198.18.0.1", 80],
      ["198.19.255.254", 443],
      ["198.18.77.3", 25],
      ["2001:db8:5ca1::1:2", 80],
      ["2001:db8:5ca2::63", 443],
    ] as const) {
      const r = await client("timeout", ["3", "bash", "-c", `exec 3<>/dev/tcp/${addr}/${port}`]).then(
        () => 0,
        () => 1,
      );
      assert.equal(r, 0, `${addr} port ${port}`);
    }
  });
});
