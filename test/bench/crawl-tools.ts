// The field's tools on the same lab as the crawl, for the whole-crawl benchmark's ratio: massdns
// asks the crawl's own questions (read from unbound's query log) through the same recursive
// resolver, scamper pings (x3) and traces the addresses the crawl stored. Each runs as a child
// process under /usr/bin/time in the vantage namespace; their code is never part of the repo.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { medianOfMeans, scamperPingRtts } from "./rtt-median.js";

export interface Timed {
  seconds: number;
  peakRssMb: number;
  cpuSeconds: number;
}

/** Runs `command` in namespace `ns` under /usr/bin/time; throws with its stderr when it fails. */
export function timedIn(
  ns: string,
  command: string[],
  dir: string,
  label: string,
): Timed & { stdout: string } {
  const timeFile = join(dir, `${label}.time`);
  const started = performance.now();
  const r = spawnSync(
    "ip",
    ["netns", "exec", ns, "/usr/bin/time", "-o", timeFile, "-f", "%M %U %S", ...command],
    {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [kb, user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  return { seconds, peakRssMb: kb! / 1024, cpuSeconds: user! + sys!, stdout: r.stdout };
}

/** The questions unbound received ("info: 127.0.0.1 www.d1.com. A IN" lines), grouped by type. */
export function questionsFromLog(log: string): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const m of log.matchAll(/ info: \S+ (\S+)\. ([A-Z0-9]+) IN$/gm)) {
    const list = byType.get(m[2]!) ?? [];
    list.push(m[1]!);
    byType.set(m[2]!, list);
  }
  return byType;
}

export interface MassdnsFigures extends Timed {
  questions: number;
  answered: number;
}

/** massdns once per question type, one after the other; the figures are the sums, the peak the max. */
export function runMassdns(
  binary: string,
  ns: string,
  resolver: string,
  byType: Map<string, string[]>,
  dir: string,
): MassdnsFigures {
  writeFileSync(join(dir, "resolvers.txt"), `${resolver}\n`);
  const total: MassdnsFigures = { seconds: 0, peakRssMb: 0, cpuSeconds: 0, questions: 0, answered: 0 };
  for (const [type, names] of byType) {
    const input = join(dir, `massdns-${type}.txt`);
    const output = join(dir, `massdns-${type}.out`);
    writeFileSync(input, `${names.join("\n")}\n`);
    const t = timedIn(
      ns,
      [
        binary,
        "--root",
        "-r",
        join(dir, "resolvers.txt"),
        "-t",
        type,
        "-s",
        "1000",
        "-o",
        "J",
        "-w",
        output,
        "-q",
        input,
      ],
      dir,
      `massdns-${type}`,
    );
    total.seconds += t.seconds;
    total.cpuSeconds += t.cpuSeconds;
    total.peakRssMb = Math.max(total.peakRssMb, t.peakRssMb);
    total.questions += names.length;
    total.answered += existsSync(output)
      ? readFileSync(output, "utf8").split("\n").filter(Boolean).length
      : 0;
  }
  return total;
}

export interface ScamperFigures extends Timed {
  addresses: number;
  pingSeconds: number;
  traceSeconds: number;
  pingReplied: number;
  traced: number;
  /** Median over addresses of the mean of each one's ping RTTs (ms), as the crawl's is taken. */
  rttMedianMs: number;
}

/**
 * scamper ping -c 3 of every address, then an ICMP-Paris trace of every address (echo requests,
 * as the prober's traceroute; a wait of 2 s a probe, the prober's trace.timeout), at `pps`.
 */
export function runScamper(
  binary: string,
  ns: string,
  addresses: string[],
  dir: string,
  pps = 10000,
): ScamperFigures {
  const list = join(dir, "addresses.txt");
  writeFileSync(list, `${addresses.join("\n")}\n`);
  const ping = timedIn(
    ns,
    [binary, "-p", String(pps), "-c", "ping -c 3", "-O", "json", "-f", list],
    dir,
    "scamper-ping",
  );
  const trace = timedIn(
    ns,
    [binary, "-p", String(pps), "-c", "trace -P icmp-paris -w 2", "-O", "json", "-f", list],
    dir,
    "scamper-trace",
  );
  const records = (out: string, type: string) =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r["type"] === type);
  const pings = records(ping.stdout, "ping");
  const traces = records(trace.stdout, "trace");
  return {
    seconds: ping.seconds + trace.seconds,
    cpuSeconds: ping.cpuSeconds + trace.cpuSeconds,
    peakRssMb: Math.max(ping.peakRssMb, trace.peakRssMb),
    addresses: addresses.length,
    pingSeconds: ping.seconds,
    traceSeconds: trace.seconds,
    pingReplied: pings.filter(
      (p) => Number((p["statistics"] as { replies?: number } | undefined)?.replies ?? 0) > 0,
    ).length,
    traced: traces.filter((t) => t["stop_reason"] === "COMPLETED").length,
    rttMedianMs: medianOfMeans(scamperPingRtts(ping.stdout)),
  };
}
