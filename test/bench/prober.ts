// `npm run bench:prober`: addresses fully probed per second (ping 5 packets, tcp80, tcp443,
// SMTP with STARTTLS and TLS, traceroute and path MTU), packets per second and peak memory,
// on the lab's scale mode (test/lab/scale: one namespace answers for every address of
// 198.18.0.0/15 and 2001:db8:5ca0::/44), then scamper (the field's reference) pinging and
// tracing the same targets. Needs root. Every packet stays between the two scale namespaces:
// the prober is confined to the scale ranges, and scamper only gets those addresses.
// Options: --count 10000 --ipv6-share 0.4 --concurrency 1000 --pps 20000 --target 500 --no-scamper
//          --smtp-threads N

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "../..");
const SCALE_SH = join(repo, "test/lab/scale/scale.sh");
const SCALE_NAME = process.env.V6M_SCALE_NAME ?? "v6m-scale";
const VANTAGE = `${SCALE_NAME}-vantage`;
const CONFINE = "198.18.0.0/15,2001:db8:5ca0::/44";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    "ipv6-share": { type: "string", default: "0.4" },
    concurrency: { type: "string", default: "1000" },
    pps: { type: "string", default: "20000" },
    target: { type: "string", default: "500" },
    "no-scamper": { type: "boolean", default: false },
    /** Worker threads for SMTP; the prober's default (one per spare CPU) when not given. */
    "smtp-threads": { type: "string" },
  },
});
const count = Number(values.count);
const v6 = Math.round(count * Number(values["ipv6-share"]));

if (process.getuid?.() !== 0) {
  console.error("bench:prober needs root (network namespaces, raw sockets)");
  process.exit(2);
}

/** Scale-mode targets: the first addresses of each range (all answer, all have 25/80/443 open). */
function targets(): string[] {
  const out: string[] = [];
  for (let i = 1; i <= count - v6; i++) out.push(`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
  for (let i = 1; i <= v6; i++) out.push(`2001:db8:5ca1::${i.toString(16)}`);
  return out;
}

interface Run {
  addresses: number;
  seconds: number;
  packets: number;
  peakRssMb: number;
  /** CPU seconds of the prober (every thread) and of the lab's servers; not known for scamper. */
  cpu?: { prober: number; servers: number };
  note: string;
}

/** Runs `argv` inside the scale vantage; resolves with stdout and the wall time. */
function inVantage(argv: string[]): Promise<{ stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", VANTAGE, ...argv], { cwd: repo });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${argv[0]} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** The scale servers' accept-queue overflows so far (a SYN dropped there costs a 1 s retransmission). */
function listenOverflows(): number {
  const out = execFileSync("ip", [
    "netns",
    "exec",
    `${SCALE_NAME}-srv`,
    "nstat",
    "-az",
    "TcpExtListenOverflows",
  ]).toString();
  return Number(/TcpExtListenOverflows\s+(\d+)/.exec(out)?.[1] ?? 0);
}

/** CPU seconds (user + system) used so far by the processes of the scale server namespace (hostd, DNS). */
function serverCpuSeconds(): number {
  const pids = execFileSync("ip", ["netns", "pids", `${SCALE_NAME}-srv`])
    .toString()
    .trim()
    .split("\n");
  let ticks = 0;
  for (const pid of pids.filter((p) => p !== "")) {
    try {
      // Fields 14 and 15 of /proc/PID/stat (after the command in parentheses): utime, stime.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

const ICMP_KEYS = ["ping_received=5", "hops=1", "mtu=1500"];
const TCP_KEYS = ["tcp80=1", "tcp443=1", "tcp25=1", "starttls=true"];

/** Share of addresses measured as scale mode is: every port open, STARTTLS, 5 replies, 1 hop, MTU 1500. */
function correctness(tally: Record<string, number>, addresses: number, keys: string[]): string {
  return keys.map((key) => `${key} ${(((tally[key] ?? 0) / addresses) * 100).toFixed(1)}%`).join(", ");
}

async function prober(file: string, keys: string[], sets: string[] = []): Promise<Run> {
  const overflowsBefore = listenOverflows();
  const serversBefore = serverCpuSeconds();
  const { stdout } = await inVantage([
    ...[process.execPath, "--import", "tsx", "test/prober/run-prober.ts", "--targets", file, "--quiet"],
    ...["--confine", CONFINE, "--set", "prober.allow_ranges=198.18.0.0/15,2001:db8::/32"],
    ...sets.flatMap((set) => ["--set", set]),
    ...(values["smtp-threads"] ? ["--smtp-threads", values["smtp-threads"]] : []),
    ...[
      "--concurrency",
      values.concurrency!,
      "--ramp-ms",
      "2000",
      "--pps",
      values.pps!,
      "--per-destination-pps",
      "100",
    ],
  ]);
  const { totals } = JSON.parse(stdout.trim().split("\n").at(-1)!);
  // ICMP echo probes counted by the sockets, plus one SYN per TCP port (3 per address).
  const packets = totals.echo.sent + 3 * totals.addresses;
  return {
    addresses: totals.addresses,
    seconds: totals.seconds,
    packets,
    peakRssMb: totals.maxRssKb / 1024,
    cpu: { prober: totals.cpuSeconds, servers: serverCpuSeconds() - serversBefore },
    note: `as expected: ${correctness(totals.tally, totals.addresses, keys)}; late ICMP answers ${totals.echo.unmatched}; server accept-queue overflows ${listenOverflows() - overflowsBefore}`,
  };
}

async function scamper(file: string, dir: string, pings = 5): Promise<Run> {
  const commands = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .flatMap((ip) => [`ping -c ${pings} -i 0.2 ${ip}`, `trace -P icmp-paris -q 1 -w 2 -m 30 ${ip}`]);
  const cmdfile = join(dir, "scamper.cmds");
  writeFileSync(cmdfile, `${commands.join("\n")}\n`);
  const out = join(dir, "scamper.json");
  const { stderr, seconds } = await inVantage([
    ...["/usr/bin/time", "-f", "rss_kb=%M", "scamper", "-O", "cmdfile", "-O", "json", "-o", out],
    ...["-p", "10000", "-w", values.concurrency!, "-f", cmdfile],
  ]);
  const results = readFileSync(out, "utf8")
    .split("\n")
    .filter((line) => /"type":"(ping|trace)"/.test(line));
  const packets = results.reduce((sum, line) => {
    const row = JSON.parse(line) as { type: string; ping_sent?: number; probe_count?: number };
    return sum + (row.type === "ping" ? (row.ping_sent ?? 0) : (row.probe_count ?? 0));
  }, 0);
  const rss = Number(/rss_kb=(\d+)/.exec(stderr)?.[1] ?? 0);
  return {
    addresses: results.length / 2,
    seconds,
    packets,
    peakRssMb: rss / 1024,
    note: `ping ${pings} + trace icmp-paris only (no TCP, SMTP, PMTU); pps capped at 10000 by scamper`,
  };
}

/** CPU per address, and the rate the machine's CPUs could give if nothing else ran on them. */
function cpuLine(name: string, run: Run): string {
  if (!run.cpu) return "";
  const perAddress = (seconds: number) => ((seconds / run.addresses) * 1000).toFixed(2);
  const total = run.cpu.prober + run.cpu.servers;
  const ceiling = (cpus().length * run.addresses) / total;
  return `${name.padEnd(9)} prober ${perAddress(run.cpu.prober)} ms + lab servers ${perAddress(run.cpu.servers)} ms of CPU per address; ${cpus().length} idle CPUs would allow ${ceiling.toFixed(0)} addresses/s`;
}

function row(name: string, run: Run): string {
  const rate = (run.addresses / run.seconds).toFixed(0);
  const pps = (run.packets / run.seconds).toFixed(0);
  return `${name.padEnd(9)} ${String(run.addresses).padStart(9)} ${run.seconds.toFixed(1).padStart(7)} ${rate.padStart(11)} ${pps.padStart(9)} ${run.peakRssMb.toFixed(0).padStart(8)}  ${run.note}`;
}

const dir = mkdtempSync(join(tmpdir(), "bench-prober-"));
try {
  console.log(`scale mode up (${SCALE_SH}) ...`);
  execFileSync("bash", [SCALE_SH, "up", "1000"], { stdio: ["ignore", "ignore", "inherit"] });
  const file = join(dir, "targets.txt");
  writeFileSync(file, `${targets().join("\n")}\n`);
  console.log(
    `${count} addresses (${count - v6} IPv4, ${v6} IPv6), concurrency ${values.concurrency}, prober pps cap ${values.pps}; ` +
      "every metric: ping 5 x 0.2 s, tcp80, tcp443, SMTP + STARTTLS + TLS, traceroute, path MTU",
  );
  const ours = await prober(file, [...ICMP_KEYS, ...TCP_KEYS]);
  const icmpOnly = [
    "metrics.tcp80=false",
    "metrics.tcp443=false",
    "metrics.tcp25=false",
    "metrics.tls=false",
  ];
  const icmp = await prober(file, ICMP_KEYS, icmpOnly);
  const tcp = await prober(file, TCP_KEYS, ["metrics.ping=false", "metrics.path=false"]);
  // Issue 17's target: ping x3 + traceroute + TCP 80/443 no slower than scamper's ping x3 + trace.
  const issue17 = await prober(
    file,
    ["ping_received=3", "hops=1", "mtu=1500", "tcp80=1", "tcp443=1"],
    ["metrics.tcp25=false", "metrics.tls=false", "ping.count=3"],
  );
  const theirs = values["no-scamper"] ? undefined : await scamper(file, dir);
  const theirs3 = values["no-scamper"] ? undefined : await scamper(file, dir, 3);
  const header = [
    "run".padEnd(9),
    "addresses".padStart(9),
    "seconds".padStart(7),
    "addresses/s".padStart(11),
  ];
  console.log(`\n${[...header, "packets/s".padStart(9), "peak MB".padStart(8)].join(" ")}`);
  console.log(row("all", ours));
  console.log(row("icmp", icmp));
  console.log(row("tcp+smtp", tcp));
  if (theirs) console.log(row("scamper", theirs));
  console.log(row("p3+t+tcp", issue17));
  if (theirs3) console.log(row("scamper3", theirs3));
  console.log("");
  for (const [name, run] of [
    ["all", ours],
    ["icmp", icmp],
    ["tcp+smtp", tcp],
    ["p3+t+tcp", issue17],
  ] as const)
    console.log(cpuLine(name, run));
  console.log(
    "\nall: every metric; icmp: ping + traceroute + path MTU (the work scamper does); tcp+smtp: 80, 443, 25 + STARTTLS + TLS; " +
      "p3+t+tcp: ping x3 + traceroute + path MTU + TCP 80 and 443 (issue 17's target), beside scamper3: scamper's ping x3 + trace",
  );
  console.log(
    `load average during the run: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(" ")} on ${cpus().length} CPUs`,
  );
  const rate = ours.addresses / ours.seconds;
  const target = Number(values.target);
  console.log(
    `\nprober: ${rate.toFixed(0)} addresses/s with all metrics; target ${target}: ${rate >= target ? "met" : "NOT met"}`,
  );
} finally {
  execFileSync("bash", [SCALE_SH, "down"], { stdio: "inherit" });
  rmSync(dir, { recursive: true, force: true });
}
