// The whole-crawl benchmark's result: its JSON shape, the checks of the crawl's stored counts
// against the scale rule's totals, and the one table printed at the end. No measuring here.

import type { Store } from "../../services/runtime/store.js";
import type { Totals } from "../lab/scale/rule.js";
import type { ProcessFigures } from "./crawl-sampler.js";
import type { MassdnsFigures, ScamperFigures } from "./crawl-tools.js";

export interface BenchResult {
  bench: "crawl";
  mode: "embedded" | "nats";
  /** NATS mode: how many processes of each role (`resolver=2,prober=2`). */
  instances?: string;
  /** A + AAAA of www.<domain> only (--dns-only): massdns alone is the field's figure. */
  dnsOnly?: boolean;
  domains: number;
  /** What the run changed from the defaults: --set settings and --node-flag flags. */
  changed?: { set: string[]; nodeFlags: string[] };
  commit: string;
  machine: { cpus: number; model: string; memoryGb: number; loadBefore: number[]; loadAfter: number[] };
  at: string;
  crawl: ProcessFigures & { seconds: number; crawlId: string };
  summaries: ProcessFigures & { seconds: number };
  /** Questions unbound received from the crawl. */
  questions: number;
  /**
   * unbound's own account of the questions it could not serve during the crawl: dropped for a full
   * request list, overwritten in it by newer ones, answered SERVFAIL, and the most it held at once.
   * A count short of the rule with these at 0 is the crawl's loss, not the resolver's.
   */
  resolver?: { exceeded: number; overwritten: number; servfail: number; maxRequests: number };
  /** Questions the dns6 chain walk sent straight to the lab's root and name servers over IPv6. */
  dns6Questions: number;
  /** Distinct addresses the crawl stored (and probed). */
  addresses: number;
  /** Rows of the store's tables after the crawl (raw and summaries). */
  rows: number;
  /** Median over the addresses that answered of their ping_avg (ms); scamper's is beside it. */
  rttMedianMs: number;
  /** Seconds from the crawl's start to the last row each stage stored. */
  stageSeconds: Record<string, number>;
  /** The lab's processes during the crawl (unbound, DNS parent and children, hostd). */
  processes: Record<string, ProcessFigures>;
  field:
    | { skipped: string }
    | {
        massdns: MassdnsFigures & { unbound: ProcessFigures | undefined };
        scamper: ScamperFigures | undefined;
      };
  /** [got, wanted] */
  checks: Record<string, [number, number]>;
}

/** The crawl's counts next to the rule's (hand-checked in test/lab/scale.test.ts). */
export async function crawlChecks(
  store: Store,
  crawlId: string,
  want: Totals,
  stdout: string,
  { dnsOnly = false, dns6Walked = !dnsOnly }: { dnsOnly?: boolean; dns6Walked?: boolean } = {},
): Promise<Record<string, [number, number]>> {
  const one = async (sql: string) => Number((await store.query(sql, { c: crawlId }))[0]?.["n"] ?? -1);
  const dns6 = (where: string) =>
    one(`SELECT count() AS n FROM dns6_chains FINAL WHERE crawl_id = {c:String} AND ${where}`);
  return {
    "domains completed": [Number(/completed: (\d+) domains/.exec(stdout)?.[1] ?? -1), want.domains],
    "www hosts with A": [
      await one(
        `SELECT count() AS n FROM hosts FINAL WHERE crawl_id = {c:String} AND match(host, '^www\\.d[0-9]+\\.[a-z]+$') AND length(ipv4) > 0`,
      ),
      want.wwwA,
    ],
    "www hosts with AAAA": [
      await one(
        `SELECT count() AS n FROM hosts FINAL WHERE crawl_id = {c:String} AND match(host, '^www\\.d[0-9]+\\.[a-z]+$') AND length(ipv6) > 0`,
      ),
      want.wwwAAAA,
    ],
    ...(dnsOnly
      ? {}
      : {
          "addresses without a ping reply": [
            await one(
              `SELECT count() AS n FROM addresses FINAL WHERE crawl_id = {c:String} AND ping_received = 0`,
            ),
            0,
          ] as [number, number],
        }),
    ...(!dns6Walked
      ? {}
      : {
          // The dns6 chain walk (decision 014): in-house name servers with AAAA glue (N % 4 == 0)
          // make a ready zone of two; without it (N % 4 == 2) no_aaaa_glue; a provider's pair has one.
          "dns6 ready": [await dns6("ready = 1"), want.nsInHouse - want.nsInHouseNoAAAA] as [number, number],
          "dns6 no_aaaa_glue": [await dns6("reason = 'no_aaaa_glue'"), want.nsInHouseNoAAAA] as [
            number,
            number,
          ],
          "dns6 one_ipv6_nameserver": [await dns6("reason = 'one_ipv6_nameserver'"), want.nsProvider] as [
            number,
            number,
          ],
        }),
  };
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

export function formatTable(r: BenchResult): string {
  const field = "massdns" in r.field ? r.field : undefined;
  const scamper = field?.scamper;
  const fieldSeconds = field ? field.massdns.seconds + (scamper?.seconds ?? 0) : Number.NaN;
  const fieldName = r.dnsOnly ? "massdns" : "massdns + scamper";
  const rows: [string, string, string][] = [
    [
      "wall time (s)",
      f(r.crawl.seconds),
      field
        ? scamper
          ? `${f(fieldSeconds)} (massdns ${f(field.massdns.seconds)} + scamper ping ${f(scamper.pingSeconds)} + trace ${f(scamper.traceSeconds)})`
          : `${f(fieldSeconds)} (massdns)`
        : "skipped",
    ],
    [`ratio to ${fieldName}`, field ? f(r.crawl.seconds / fieldSeconds, 2) : "-", ""],
    ["domains/s", f(r.domains / r.crawl.seconds), ""],
    [
      "questions/s",
      f(r.questions / r.crawl.seconds, 0),
      field ? f(field.massdns.questions / field.massdns.seconds, 0) : "",
    ],
    // The chain walk asks authoritative servers itself, beside unbound's questions.
    ["dns6 walk questions/domain", f(r.dns6Questions / r.domains, 2), ""],
    ["addresses/s", f(r.addresses / r.crawl.seconds), scamper ? f(scamper.addresses / scamper.seconds) : ""],
    ["rows stored/s", f(r.rows / r.crawl.seconds, 0), ""],
    [
      "RTT median (ms, ping avg per address)",
      f(r.rttMedianMs, 3),
      scamper ? `${f(scamper.rttMedianMs, 3)} (difference ${f(r.rttMedianMs - scamper.rttMedianMs, 3)})` : "",
    ],
    ...(r.resolver
      ? [
          [
            "unbound: dropped (list full) / overwritten / SERVFAIL",
            `${r.resolver.exceeded} / ${r.resolver.overwritten} / ${r.resolver.servfail}`,
            `most in its list at once ${r.resolver.maxRequests}`,
          ] as [string, string, string],
        ]
      : []),
    ["summaries alone (s)", f(r.summaries.seconds), ""],
    [
      "CPU per domain (ms)",
      f((r.crawl.cpuSeconds * 1000) / r.domains, 2),
      field ? f(((field.massdns.cpuSeconds + (scamper?.cpuSeconds ?? 0)) * 1000) / r.domains, 2) : "",
    ],
    [
      r.mode === "nats" ? "peak RSS crawl, every process summed (MB)" : "peak RSS crawl (MB)",
      f(r.crawl.peakRssMb, 0),
      field
        ? `massdns ${f(field.massdns.peakRssMb, 0)}${scamper ? `, scamper ${f(scamper.peakRssMb, 0)}` : ""}`
        : "",
    ],
    ["peak RSS summarise (MB)", f(r.summaries.peakRssMb, 0), ""],
    ...Object.entries(r.processes).map(([name, p]): [string, string, string] => [
      `peak RSS ${name} (MB)`,
      f(p.peakRssMb, 0),
      `CPU ${f(p.cpuSeconds)} s`,
    ]),
    ...Object.entries(r.stageSeconds)
      .sort((a, b) => a[1] - b[1])
      .map(([stage, s]): [string, string, string] => [`stage ${stage} done at (s)`, f(s), ""]),
  ];
  const header = `${r.dnsOnly ? "DNS only (A + AAAA of www)" : "whole crawl"}, ${r.domains} domains (${r.questions} questions, ${r.addresses} addresses, ${r.rows} rows), ${r.mode}${r.instances ? ` (${r.instances})` : ""}, commit ${r.commit}, load ${r.machine.loadBefore.map((l) => l.toFixed(1)).join(" ")}${changedFromDefaults(r)}`;
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(12, ...rows.map((x) => x[1].length));
  const lines = rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const checks = Object.entries(r.checks).map(
    ([k, [g, w]]) => `${g === w ? "ok  " : "DIFF"} ${k}: ${g} (rule: ${w})`,
  );
  return [
    header,
    `${"".padEnd(w0)}  ${"ipv6matrix".padStart(w1)}  ${fieldName}`,
    ...lines,
    ...checks,
    field
      ? `field tools: massdns answered ${field.massdns.answered}/${field.massdns.questions} questions${scamper ? `; scamper: ${scamper.pingReplied}/${scamper.addresses} addresses replied to ping, ${scamper.traced} traces completed` : ""}`
      : `field tools: skipped (${(r.field as { skipped: string }).skipped})`,
  ].join("\n");
}

/** ", with --set a=b --node-flag=--x" when the run changed a default, so that a table says what it measured. */
function changedFromDefaults(r: BenchResult): string {
  const changed = [
    ...(r.changed?.set ?? []).map((pair) => `--set ${pair}`),
    ...(r.changed?.nodeFlags ?? []).map((flag) => `--node-flag=${flag}`),
  ];
  return changed.length > 0 ? `, with ${changed.join(" ")}` : "";
}
