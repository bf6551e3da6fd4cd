// Configuration texts for the lab's DNS servers: three NSD instances (root, TLDs, domains) in
// the dns site and unbound, the recursive resolver the crawler uses. Pure: returns file texts;
// daemons.ts writes and starts them. No DNSSEC anywhere (module-config: iterator).

import { RESOLVER, ROOT_SERVER, TLD_SERVER } from "./topology.js";
import { REVERSE_ZONES, type ZoneFile } from "./zones.js";

/** Where the slow proxy forwards to: the domains' NSD, also listening on loopback in site dns. */
export const AUTH_LOOPBACK = { address: "127.0.0.1", port: 5300 };

export function nsdConfig(dir: string, addresses: string[], zones: ZoneFile[], extra: string[] = []): string {
  return [
    "server:",
    ...addresses.map((a) => `  ip-address: ${a}`),
    ...extra.map((a) => `  ip-address: ${a}`),
    "  port: 53",
    "  server-count: 1",
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`,
    '  database: ""',
    `  zonelistfile: "${dir}/zone.list"`,
    `  xfrdfile: "${dir}/xfrd.state"`,
    `  xfrdir: "${dir}"`,
    `  logfile: "${dir}/nsd.log"`,
    "  verbosity: 1",
    "  hide-version: yes",
    "  refuse-any: no",
    "  tcp-count: 256",
    "remote-control:",
    "  control-enable: no",
    ...zones.flatMap((z) => ["zone:", `  name: "${z.zone}"`, `  zonefile: "${z.file}"`]),
    "",
  ].join("\n");
}

export function rootHints(): string {
  const n = ROOT_SERVER.name;
  return [
    `. 3600000 NS ${n}.`,
    `${n}. 3600000 A ${ROOT_SERVER.ipv4}`,
    `${n}. 3600000 AAAA ${ROOT_SERVER.ipv6}`,
    "",
  ].join("\n");
}

export function unboundConfig(dir: string): string {
  return [
    "server:",
    `  interface: ${RESOLVER.ipv4}`,
    `  interface: ${RESOLVER.ipv6}`,
    `  outgoing-interface: ${RESOLVER.ipv4}`,
    `  outgoing-interface: ${RESOLVER.ipv6}`,
    "  port: 53",
    "  do-ip4: yes",
    "  do-ip6: yes",
    "  do-udp: yes",
    "  do-tcp: yes",
    "  access-control: 0.0.0.0/0 refuse",
    "  access-control: ::/0 refuse",
    // The vantage and the resolver's own side of the lab.
    "  access-control: 192.0.2.0/26 allow",
    "  access-control: 2001:db8:1::/48 allow",
    `  root-hints: "${dir}/root.hints"`,
    '  module-config: "iterator"',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${dir}/unbound.pid"`,
    '  logfile: ""',
    "  use-syslog: no",
    "  verbosity: 1",
    // One line per question received ("info: <client> <name> <type> IN"): tests count the crawler's questions.
    "  log-queries: yes",
    "  num-threads: 1",
    // Keep answer order as the zone has it: the crawler takes "the first address".
    "  rrset-roundrobin: no",
    "  qname-minimisation: no",
    "  minimal-responses: yes",
    "  edns-buffer-size: 1232",
    "  max-udp-size: 1232",
    "  prefetch: no",
    "  hide-identity: yes",
    "  hide-version: yes",
    "  cache-max-negative-ttl: 60",
    // A zone whose questions the resolver drops without a word: the crawler's TIMEOUT
    // (test/e2e/lab-crawl.test.ts crawls quiet.org; it is not in the scenario's domain list).
    '  local-zone: "quiet.org." deny',
    // Unbound answers the documentation ranges' reverse zones itself (RFC 6303); the lab serves them.
    ...REVERSE_ZONES.map((z) => `  local-zone: "${z}." nodefault`),
    "",
  ].join("\n");
}

/** The NSD instances of the dns site: which addresses each listens on and which zones it serves. */
export function nsdInstances(zones: ZoneFile[], authAddresses: string[]) {
  return [
    {
      name: "nsd-root",
      addresses: [ROOT_SERVER.ipv4, ROOT_SERVER.ipv6],
      zones: zones.filter((z) => z.server === "root"),
    },
    {
      name: "nsd-tld",
      addresses: [TLD_SERVER.ipv4, TLD_SERVER.ipv6],
      zones: zones.filter((z) => z.server === "tld"),
    },
    {
      name: "nsd-auth",
      addresses: authAddresses,
      zones: zones.filter((z) => z.server === "auth"),
      extra: [`${AUTH_LOOPBACK.address}@${AUTH_LOOPBACK.port}`],
    },
  ];
}
