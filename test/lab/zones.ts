// Writes the DNS tree of a scenario as zone files: the root, every TLD and `arpa` (delegations
// with glue), the domain and provider zones, transit.net (router names) and the reverse zones.
// Pure: returns file names and texts. Which server serves which zone is decided in dns-config.ts.
import { isIP } from "node:net";
import { reverseName } from "./ip-format.js";
import { type Scenario, type ZoneSpec, zoneOf } from "./scenario.js";
import { RESOLVER, ROOT_SERVER, ROUTER_NAMES, TLD_SERVER, VANTAGE } from "./topology.js";

export interface ZoneFile {
  zone: string;
  file: string;
  text: string;
  server: "root" | "tld" | "auth";
}

/** Reverse zones served by the domains' NSD; PTRs outside them do not exist (NXDOMAIN). */
export const REVERSE_ZONES = [
  "2.0.192.in-addr.arpa",
  "100.51.198.in-addr.arpa",
  "113.0.203.in-addr.arpa",
  "8.b.d.0.1.0.0.2.ip6.arpa",
];
const REVERSE_NS = ["ns1.dnsprov.net", "ns2.dnsprov.net"];
const SERIAL = 2024010101;

function soa(zone: string, mname: string): string {
  return `${zone}. 3600 IN SOA ${mname}. hostmaster.${zone === "" ? "nic.net" : zone}. ${SERIAL} 7200 3600 1209600 300`;
}

function addressRecord(name: string, ip: string): string {
  return `${name}. 3600 IN ${isIP(ip) === 6 ? "AAAA" : "A"} ${ip}`;
}

function fileName(zone: string): string {
  return zone === "" ? "root.zone" : `${zone}.zone`;
}

/** Addresses per host name: the scenario's hosts plus the fixed infrastructure. */
function addressBook(s: Scenario): Map<string, string[]> {
  const book = new Map<string, string[]>();
  const add = (host: string, ip: string) => book.set(host, [...(book.get(host) ?? []), ip]);
  for (const a of s.addresses) add(a.host, a.ip);
  for (const server of [ROOT_SERVER, TLD_SERVER]) {
    add(server.name, server.ipv4);
    add(server.name, server.ipv6);
  }
  for (const [ip, name] of Object.entries(ROUTER_NAMES)) add(name, ip);
  for (const [who, c] of [
    ["vantage", VANTAGE],
    ["resolver", RESOLVER],
  ] as const) {
    add(`${who}.transit.net`, c.ipv4);
    add(`${who}.transit.net`, c.ipv6);
  }
  return book;
}

/** NS records of a child zone plus glue for name servers inside it. */
function delegation(z: ZoneSpec, book: Map<string, string[]>): string[] {
  const lines = z.ns.map((ns) => `${z.name}. 3600 IN NS ${ns}.`);
  for (const ns of z.ns) {
    if (ns !== z.name && !ns.endsWith(`.${z.name}`)) continue;
    const glue = z.glue[ns] ?? book.get(ns) ?? [];
    if (glue.length === 0)
      throw new Error(`zone ${z.name}: name server ${ns} is inside the zone but has no address`);
    lines.push(...glue.map((ip) => addressRecord(ns, ip)));
  }
  return lines;
}

export function buildZones(s: Scenario): ZoneFile[] {
  const book = addressBook(s);
  const providers: ZoneSpec[] = [
    {
      name: "transit.net",
      ns: REVERSE_NS,
      mname: REVERSE_NS[0]!,
      mx: [],
      records: [],
      servedBy: "auth",
      glue: {},
    },
    ...REVERSE_ZONES.map((name) => ({
      name,
      ns: REVERSE_NS,
      mname: REVERSE_NS[0]!,
      mx: [] as Array<[number, string]>,
      records: [],
      servedBy: "auth" as const,
      glue: {},
    })),
  ];
  const zones = [...s.zones, ...providers];
  const tops = [...s.tlds, "arpa"];
  const out: ZoneFile[] = [];

  const root = [soa("", ROOT_SERVER.name), `. 3600 IN NS ${ROOT_SERVER.name}.`];
  root.push(
    addressRecord(ROOT_SERVER.name, ROOT_SERVER.ipv4),
    addressRecord(ROOT_SERVER.name, ROOT_SERVER.ipv6),
  );
  for (const tld of tops) root.push(`${tld}. 3600 IN NS ${TLD_SERVER.name}.`);
  root.push(addressRecord(TLD_SERVER.name, TLD_SERVER.ipv4), addressRecord(TLD_SERVER.name, TLD_SERVER.ipv6));
  out.push({ zone: ".", file: fileName(""), text: root.join("\n"), server: "root" });

  for (const tld of tops) {
    const lines = [soa(tld, TLD_SERVER.name), `${tld}. 3600 IN NS ${TLD_SERVER.name}.`];
    if (tld === "net") {
      for (const server of [ROOT_SERVER, TLD_SERVER]) {
        lines.push(addressRecord(server.name, server.ipv4), addressRecord(server.name, server.ipv6));
      }
    }
    for (const z of zones)
      if (
        zoneOf(
          z.name,
          tops.map((name) => ({ name })),
        ) === tld
      )
        lines.push(...delegation(z, book));
    out.push({ zone: tld, file: fileName(tld), text: lines.join("\n"), server: "tld" });
  }

  const ptrs = new Map<string, string[]>();
  const ptrOf = (ip: string, name: string) => {
    const owner = reverseName(ip);
    const zone = REVERSE_ZONES.find((r) => owner.endsWith(`.${r}`));
    if (zone) ptrs.set(zone, [...(ptrs.get(zone) ?? []), `${owner}. 3600 IN PTR ${name}.`]);
  };
  for (const a of s.addresses) if (a.ptr) ptrOf(a.ip, a.host);
  for (const [name, ips] of book)
    if (zoneOf(name, s.zones) === undefined) for (const ip of ips) ptrOf(ip, name);

  for (const z of zones) {
    if (z.servedBy === "nobody") continue;
    const lines = [soa(z.name, z.mname), ...z.ns.map((ns) => `${z.name}. 3600 IN NS ${ns}.`)];
    lines.push(...z.mx.map(([pref, ex]) => `${z.name}. 3600 IN MX ${pref} ${ex}.`));
    lines.push(...z.records.map((r) => `$ORIGIN ${z.name}.\n${r}`));
    for (const [host, ips] of book) {
      if (zoneOf(host, zones) === z.name) lines.push(...ips.map((ip) => addressRecord(host, ip)));
    }
    lines.push(...(ptrs.get(z.name) ?? []));
    out.push({ zone: z.name, file: fileName(z.name), text: lines.join("\n"), server: "auth" });
  }
  return out.map((f) => ({ ...f, text: `$TTL 3600\n${f.text}\n` }));
}
