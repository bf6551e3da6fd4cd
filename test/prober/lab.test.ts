// The prober against the lab (test/lab, scenario default): every measured address of
// default.expected.yaml, measured from the vantage namespace, must show the hand-written
// open / closed / filtered ports, STARTTLS, ping reachability, hop count, path and path MTU.
// Needs root (namespaces, raw sockets). Packets stay inside the lab's namespaces: the runner
// is confined to the lab's ranges.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { type Lab, startLab } from "../lab/lab.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = process.getuid?.() === 0;
const LAB_RANGES =
  "192.0.2.0/24,198.51.100.0/24,203.0.113.0/24,198.18.0.0/15,2001:db8::/32,2002::/16,2001::/32";

/** An AddressResult in proto JSON, as the runner prints it. */
interface Measured {
  notProbedReason?: string;
  ping?: { sent?: number; received?: number };
  tcp80?: string;
  tcp443?: string;
  tcp25?: string;
  starttls?: boolean;
  smtp?: { step?: string; failure?: string };
  trace?: { hops?: number; reached?: boolean; mtu?: number; path?: { address?: string }[] };
}

interface Expected {
  host: string;
  ping: boolean;
  tcp80: string;
  tcp443: string;
  tcp25: string;
  starttls: boolean;
  /** The SMTP outcome: "<last step tried> <failure, or ok>". */
  smtp: string;
  hops: number | string;
  pmtu: number;
  path?: string[];
}

// The routers' addresses as the header of default.expected.yaml names them (PTRs are the
// resolver's job; the prober records addresses).
const routers: Record<string, [string, string]> = {
  "r1.transit.net": ["192.0.2.1", "2001:db8:1:1::1"],
  "r3.transit.net": ["198.51.100.6", "2001:db8:ff23::2"],
  "r4.transit.net": ["198.51.100.10", "2001:db8:ff34::2"],
};

/** Runs the prober inside the vantage namespace; one parsed AddressResult (proto JSON) per address. */
async function probeInLab(lab: Lab, ips: string[], extra: string[] = []) {
  const { stdout, stderr, code } = await lab.exec(
    process.execPath,
    [
      ...[
        "--import",
        "tsx",
        join(here, "run-prober.ts"),
        "--config",
        lab.configPath,
        "--confine",
        LAB_RANGES,
      ],
      ...["--concurrency", "64", ...extra, ...ips],
    ],
    120_000,
  );
  assert.equal(code, 0, stderr);
  const rows = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  const totals = rows.find((row) => row.totals)?.totals;
  const results = new Map<string, Measured>(rows.filter((row) => !row.totals).map((row) => [row.ip, row]));
  return { results, totals, stderr };
}

const state = (value: string | undefined) =>
  (value ?? "PORT_STATE_UNSPECIFIED").replace(/^PORT_STATE_/, "").toLowerCase();

test("the prober measures what default.expected.yaml says", {
  skip: !root && "needs root (lab)",
  timeout: 300_000,
}, async () => {
  await using lab = await startLab("default");
  const expected = parse(readFileSync(lab.expectedFile, "utf8")).addresses as Record<string, Expected>;
  const ips = Object.keys(expected);
  const { results, totals } = await probeInLab(lab, ips);
  const problems: string[] = [];
  const check = (ip: string, what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want))
      problems.push(
        `${ip} ${expected[ip]?.host}: ${what} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
      );
  };
  for (const ip of ips) {
    const want = expected[ip]!;
    const got = results.get(ip);
    if (!got) {
      problems.push(`${ip}: no result`);
      continue;
    }
    check(ip, "not probed", got.notProbedReason ?? "", "");
    check(ip, "ping sent", got.ping?.sent ?? 0, 5);
    check(ip, "ping received", got.ping?.received ?? 0, want.ping ? 5 : 0);
    check(ip, "tcp80", state(got.tcp80), want.tcp80);
    check(ip, "tcp443", state(got.tcp443), want.tcp443);
    check(ip, "tcp25", state(got.tcp25), want.tcp25);
    check(ip, "starttls", got.starttls ?? false, want.starttls);
    check(ip, "smtp", `${got.smtp?.step ?? ""} ${got.smtp?.failure || "ok"}`, want.smtp);
    // "0 with an ICMP-echo traceroute (4 with UDP)": ours is ICMP echo, as mtr's and the original's.
    const hops = typeof want.hops === "number" ? want.hops : 0;
    check(ip, "hops", got.trace?.hops ?? 0, hops);
    check(ip, "reached", got.trace?.reached ?? false, hops > 0);
    check(ip, "pmtu", got.trace?.mtu ?? 0, want.pmtu);
    if (want.path) {
      const family = ip.includes(":") ? 1 : 0;
      const path = want.path.map((name, i) =>
        name === "*" ? "*" : i === want.path!.length - 1 ? ip : (routers[name]?.[family] ?? name),
      );
      check(
        ip,
        "path",
        (got.trace?.path ?? []).map((hop) => hop.address || "*"),
        path,
      );
    }
  }
  assert.deepEqual(problems, []);
  // Every packet is accounted for: nothing garbled, nothing from a stranger.
  assert.equal(totals.echo.garbage ?? 0, 0);
  assert.equal(totals.echo.unexpectedSource ?? 0, 0);
});
