// The whole-crawl benchmark's lab: scale mode (test/lab/scale/scale.sh) two hops away behind a
// router, made a DNS hierarchy: a root (delegation.ts) at 198.19.253.1 refers every domain and
// every reverse zone to its name servers; every name server address of 198.18.0.0/15 is NATed
// (port 53) to one authoritative dns-server.ts at 198.19.253.2, so that the in-house and provider
// name servers all answer from their own addresses; unbound in the vantage is the recursive
// resolver (127.0.0.1:53), started cold for each run. Not a test: callers hold the lab lock.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const root = resolve(import.meta.dirname, "../..");
const SCALE_SH = join(root, "test/lab/scale/scale.sh");
export const PARENT_ADDR = "198.19.253.1";
export const CHILD_ADDR = "198.19.253.2";
/** The same two servers over IPv6, for the dns6 chain walk (decision 014): its root hint and its NAT target. */
export const PARENT_ADDR6 = "2001:db8:5d::53";
export const CHILD_ADDR6 = "2001:db8:5d::54";
export const RESOLVER_ADDR = "127.0.0.1";

export interface CrawlLab {
  name: string;
  state: string;
  vantage: string;
  server: string;
  /** Process ids of the lab's servers by role (hostd, parent, child), for their peak RSS. */
  servers(): Record<string, number>;
  /** (Re)starts unbound with an empty cache; resolves with its pid. */
  startResolver(logQueries: boolean): Promise<number>;
  stopResolver(): Promise<void>;
  /** unbound-control stats_noreset as key -> number. */
  resolverStats(): Record<string, number>;
  down(): void;
}

export function labName(): string {
  const name = process.env["V6M_SCALE_NAME"] ?? "v6m-scale-bench";
  if (!/^v6m-scale-[a-z0-9-]{1,10}$/.test(name))
    throw new Error(`V6M_SCALE_NAME must be v6m-scale-<a-z0-9->, not '${name}'`);
  return name;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
}

function pidsIn(ns: string): number[] {
  return sh("ip", ["netns", "pids", ns]).trim().split(/\s+/).filter(Boolean).map(Number);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

async function waitFor(what: string, ok: () => boolean, seconds = 30): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (ok()) return;
    await sleep(100);
  }
  throw new Error(`crawl lab: ${what} not ready after ${seconds} s`);
}

export async function crawlLabUp(count: number): Promise<CrawlLab> {
  const name = labName();
  const state = `/run/${name}`;
  const vantage = `${name}-vantage`;
  const server = `${name}-srv`;
  sh("bash", [SCALE_SH, "up", String(count)], { ...process.env, V6M_SCALE_NAME: name, SCALE_HOPS: "2" });
  const lab: CrawlLab = {
    name,
    state,
    vantage,
    server,
    servers() {
      const found: Record<string, number> = {};
      for (const pid of pidsIn(server)) {
        const c = cmdline(pid);
        if (c.includes("hostd.ts")) found["hostd"] = pid;
        else if (c.includes(`--address ${PARENT_ADDR6}`)) found["dns parent v6"] = pid;
        else if (c.includes("--role parent")) found["dns parent"] = pid;
        else if (c.includes(`--address ${CHILD_ADDR6}`)) found["dns children v6"] = pid;
        else if (c.includes(`--address ${CHILD_ADDR}`)) found["dns children"] = pid;
      }
      return found;
    },
    startResolver: (logQueries) => startUnbound(lab, logQueries),
    stopResolver: () => stopUnbound(lab),
    resolverStats() {
      const out = sh("unbound-control", ["-c", join(state, "unbound.conf"), "stats_noreset"]);
      return Object.fromEntries(
        out
          .trim()
          .split("\n")
          .map((l) => l.split("=") as [string, string])
          .map(([k, v]) => [k, Number(v)]),
      );
    },
    down() {
      spawnSync("bash", [SCALE_SH, "down"], {
        env: { ...process.env, V6M_SCALE_NAME: name },
        stdio: "ignore",
      });
    },
  };
  try {
    // The IPv6 twins live on the server's link (the router routes 2001:db8:5d::/64 to it).
    for (const address of [PARENT_ADDR6, CHILD_ADDR6])
      sh("ip", ["-n", server, "addr", "add", `${address}/64`, "dev", "to-rtr", "nodad"]);
    for (const [role, address, ready] of [
      ["parent", PARENT_ADDR, join(state, "parent.ready")],
      ["authoritative", CHILD_ADDR, join(state, "authoritative.ready")],
      ["parent", PARENT_ADDR6, join(state, "parent6.ready")],
      ["authoritative", CHILD_ADDR6, join(state, "authoritative6.ready")],
    ] as const) {
      const child = spawn(
        "setsid",
        [
          "ip",
          "netns",
          "exec",
          server,
          process.execPath,
          "--import",
          "tsx",
          "test/lab/scale/dns-server.ts",
          "--address",
          address,
          "--port",
          "53",
          "--count",
          String(count),
          "--role",
          role,
          "--ready-file",
          ready,
        ],
        { cwd: root, stdio: "ignore", detached: true },
      );
      child.unref();
      await waitFor(`dns ${role}`, () => existsSync(ready));
    }
    // Every other address of the ranges answers DNS as the authoritative server; conntrack
    // un-NATs the reply, so each name server answers from its own address.
    const nat = (bin: string, args: string[]) =>
      sh("ip", ["netns", "exec", server, bin, "-t", "nat", ...args]);
    sh("ip", ["netns", "exec", server, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_udp_timeout=5"]);
    for (const proto of ["udp", "tcp"]) {
      // Over IPv6 the same: name server addresses of 2001:db8:5ca0::/44 to the IPv6 child.
      sh("ip", [
        "netns",
        "exec",
        server,
        "ip6tables",
        "-t",
        "nat",
        "-A",
        "PREROUTING",
        "-p",
        proto,
        "--dport",
        "53",
        "-d",
        "2001:db8:5ca0::/44",
        "-j",
        "DNAT",
        "--to-destination",
        `[${CHILD_ADDR6}]:53`,
      ]);
      nat("iptables", [
        "-A",
        "PREROUTING",
        "-p",
        proto,
        "--dport",
        "53",
        "-d",
        "198.19.253.0/24",
        "-j",
        "RETURN",
      ]);
      nat("iptables", [
        "-A",
        "PREROUTING",
        "-p",
        proto,
        "--dport",
        "53",
        "-d",
        "198.18.0.0/15",
        "-j",
        "DNAT",
        "--to-destination",
        CHILD_ADDR,
      ]);
    }
    writeFileSync(
      join(state, "root.hints"),
      `. 3600000 NS a.root.test.\na.root.test. 3600000 A ${PARENT_ADDR}\n`,
    );
    return lab;
  } catch (err) {
    lab.down();
    throw err;
  }
}

function unboundConf(lab: CrawlLab, logQueries: boolean): string {
  return `server:
  username: ""
  chroot: ""
  directory: "${lab.state}"
  pidfile: "${lab.state}/unbound.pid"
  use-syslog: no
  logfile: "${lab.state}/unbound.log"
  log-queries: ${logQueries ? "yes" : "no"}
  verbosity: 0
  interface: ${RESOLVER_ADDR}
  port: 53
  access-control: 127.0.0.0/8 allow
  do-daemonize: no
  # The authoritative servers are asked over IPv4 only (the NAT above is IPv4).
  do-ip6: no
  root-hints: "${lab.state}/root.hints"
  module-config: "iterator"
  # unbound answers the documentation prefix's reverse zone itself (RFC 6303) unless told not to.
  local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." nodefault
  qname-minimisation: no
  num-threads: 1
  num-queries-per-thread: 4096
  outgoing-range: 8192
  so-rcvbuf: 4m
  so-sndbuf: 4m
  msg-cache-size: 128m
  rrset-cache-size: 256m
  extended-statistics: yes
remote-control:
  control-enable: yes
  control-interface: "${lab.state}/unbound.ctl"
  control-use-cert: no
`;
}

async function startUnbound(lab: CrawlLab, logQueries: boolean): Promise<number> {
  await stopUnbound(lab);
  rmSync(join(lab.state, "unbound.log"), { force: true });
  writeFileSync(join(lab.state, "unbound.conf"), unboundConf(lab, logQueries));
  const child = spawn(
    "ip",
    ["netns", "exec", lab.vantage, "unbound", "-d", "-c", join(lab.state, "unbound.conf")],
    {
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    },
  );
  child.unref();
  await waitFor(
    "unbound",
    () => spawnSync("unbound-control", ["-c", join(lab.state, "unbound.conf"), "status"]).status === 0,
  );
  return child.pid!;
}

async function stopUnbound(lab: CrawlLab): Promise<void> {
  const pidFile = join(lab.state, "unbound.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  await waitFor("unbound exit", () => !existsSync(`/proc/${pid}`));
  rmSync(pidFile, { force: true });
}
