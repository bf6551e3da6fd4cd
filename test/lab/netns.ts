// Builds the lab's network from topology.ts and a scenario: namespaces, veth links, addresses,
// routes (lab prefixes only), forwarding, the narrow link, the silent router and the per-address
// firewall rules (filtered ports, dropped pings). Then checks that no namespace has a route out.
import { execFileSync } from "node:child_process";
import { isIP } from "node:net";
import { isLabPrefix } from "./allowed-ranges.js";
import type { AddressSpec } from "./scenario.js";
import { LINKS, NAMESPACES, NS_PREFIX, ROUTERS, routesFor, SILENT_ROUTER, type Site } from "./topology.js";

export function sh(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")}: ${(e.stderr || e.message).trim()}`);
  }
}

export const nsName = (short: string) => `${NS_PREFIX}${short}`;

function ipBatch(ns: string, lines: string[]): void {
  if (lines.length > 0) sh("ip", ["-n", nsName(ns), "-batch", "-"], `${lines.join("\n")}\n`);
}

function sysctl(ns: string, settings: string[], optional = false): void {
  for (const s of settings) {
    try {
      sh("ip", ["netns", "exec", nsName(ns), "sysctl", "-q", "-w", s]);
    } catch (err) {
      if (!optional) throw err;
    }
  }
}

/** The interface of a site namespace that faces its router. */
export function siteInterface(site: Site): string {
  return site === "far" ? "to-r4" : "to-r3";
}

export function buildNetwork(addresses: AddressSpec[], infrastructure: Record<Site, string[]>): void {
  for (const short of NAMESPACES) {
    sh("ip", ["netns", "add", nsName(short)]);
    ipBatch(short, ["link set dev lo up"]);
    sysctl(short, [
      "net.ipv6.conf.all.accept_dad=0",
      "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.conf.all.accept_ra=0",
      "net.ipv6.conf.default.accept_ra=0",
      "net.ipv4.conf.all.rp_filter=0",
      "net.ipv4.conf.default.rp_filter=0",
      // Traceroute and PMTU discovery need every ICMP error, not one a second.
      "net.ipv4.icmp_ratelimit=0",
      "net.ipv6.icmp.ratelimit=0",
      "net.ipv4.ping_group_range=0 2147483647",
    ]);
    sysctl(short, ["net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=10000"], true);
  }
  for (const r of ROUTERS) sysctl(r, ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);

  for (const l of LINKS) {
    sh("ip", [
      "link",
      "add",
      "name",
      l.aIf,
      "netns",
      nsName(l.a),
      "type",
      "veth",
      "peer",
      "name",
      l.bIf,
      "netns",
      nsName(l.b),
    ]);
    for (const [ns, ifname, v4, v6] of [
      [l.a, l.aIf, l.a4, l.a6],
      [l.b, l.bIf, l.b4, l.b6],
    ] as const) {
      const lines = [`addr add ${v4}/${l.len4} dev ${ifname}`, `addr add ${v6}/64 dev ${ifname} nodad`];
      if (l.mtu4) lines.unshift(`link set dev ${ifname} mtu ${l.mtu4}`);
      lines.push(`link set dev ${ifname} up`);
      ipBatch(ns, lines);
    }
  }
  // After every link is up: a peer coming up resets the IPv6 MTU to the link MTU.
  for (const l of LINKS.filter((x) => x.mtu6)) {
    sysctl(l.a, [`net.ipv6.conf.${l.aIf}.mtu=${l.mtu6}`]);
    sysctl(l.b, [`net.ipv6.conf.${l.bIf}.mtu=${l.mtu6}`]);
  }

  const perSite: Record<Site, string[]> = { near: [], far: [], dns: [] };
  for (const a of addresses) perSite[a.site].push(a.ip);
  for (const site of Object.keys(perSite) as Site[]) perSite[site].push(...infrastructure[site]);
  for (const site of Object.keys(perSite) as Site[]) {
    const dev = siteInterface(site);
    ipBatch(
      site,
      perSite[site].map((ip) =>
        isIP(ip) === 6 ? `addr add ${ip}/128 dev ${dev} nodad` : `addr add ${ip}/32 dev ${dev}`,
      ),
    );
  }
  for (const [ns, routes] of Object.entries(routesFor(perSite))) {
    ipBatch(
      ns,
      routes.map((r) => `route add ${r.to} via ${r.via}`),
    );
  }

  sh(
    "ip",
    ["netns", "exec", nsName(SILENT_ROUTER), "nft", "-f", "-"],
    "table inet lab {\n chain out { type filter hook output priority 0; policy accept;\n" +
      "  icmp type time-exceeded drop\n  icmpv6 type time-exceeded drop\n }\n}\n",
  );
  for (const site of ["near", "far", "dns"] as const) {
    const rules = firewallRules(addresses.filter((a) => a.site === site));
    if (rules.length > 0) {
      const text = `table inet lab {\n chain in { type filter hook input priority 0; policy accept;\n${rules.map((r) => `  ${r}`).join("\n")}\n }\n}\n`;
      sh("ip", ["netns", "exec", nsName(site), "nft", "-f", "-"], text);
    }
  }
  assertNoRouteOut();
}

/** nft rules for one site: drop what the scenario says is filtered, and ICMP echo where ping is false. */
export function firewallRules(addresses: AddressSpec[]): string[] {
  const rules: string[] = [];
  for (const a of addresses) {
    const match = isIP(a.ip) === 6 ? `ip6 daddr ${a.ip}` : `ip daddr ${a.ip}`;
    const ports = [
      a.tcp80 === "filtered" ? 80 : 0,
      a.tcp443 === "filtered" ? 443 : 0,
      a.smtp === "filtered" ? 25 : 0,
    ].filter((p) => p > 0);
    if (ports.length > 0) rules.push(`${match} tcp dport { ${ports.join(", ")} } drop`);
    if (!a.ping) rules.push(`${match} ${isIP(a.ip) === 6 ? "icmpv6" : "icmp"} type echo-request drop`);
  }
  return rules;
}

/** Refuses a lab where any namespace has a default route or a route outside the lab ranges. */
export function assertNoRouteOut(): void {
  for (const short of NAMESPACES) {
    for (const family of ["-4", "-6"]) {
      const table = sh("ip", ["-n", nsName(short), family, "route", "show", "table", "all"]);
      for (const line of table.split("\n").filter(Boolean)) {
        const dest = line.replace(/^(local|broadcast|multicast|anycast|unicast)\s+/, "").split(/\s+/)[0]!;
        if (dest === "default")
          throw new Error(`lab refused: namespace ${nsName(short)} has a default route: ${line}`);
        if (dest.startsWith("fe80:") || dest.startsWith("ff00:") || dest.startsWith("ff02:")) continue;
        if (!isLabPrefix(dest))
          throw new Error(`lab refused: namespace ${nsName(short)} routes outside the lab: ${line}`);
      }
    }
  }
}
