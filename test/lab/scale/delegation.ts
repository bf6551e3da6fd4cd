// The parent of scale mode's DNS hierarchy (the whole-crawl benchmark's lab): a root server that
// refers every generated domain to its name servers (rule.ts's NS with glue) and every reverse
// name to ns1/ns2.prov<K>.net, and answers the rest (the provider hosts, its own name)
// authoritatively. The children are dns-server.ts. It is not fast (dns-packet both ways): a cold
// recursive resolver asks it once per zone, the children take the bulk.
import { isIP } from "node:net";
import * as dnsPacket from "dns-packet";
import { decodeQuery, packetAnswer } from "./packet-answer.js";
import { IPV4_SPAN, lookup, nameServers, PROVIDERS, type World } from "./rule.js";

export const ROOT_NAME = "a.root.test";
const TTL = 3600;
const EDNS_PAYLOAD = 1232;
const V6_REVERSE_ZONE = "1.a.c.5.8.b.d.0.1.0.0.2.ip6.arpa"; // 2001:db8:5ca1::/48

/** The zone cut at or above `name` and its name servers, when the parent delegates it. */
export function delegationOf(world: World, name: string): { zone: string; servers: string[] } | undefined {
  const domain = /(?:^|\.)d(0|[1-9][0-9]*)\.([a-z]+)$/.exec(name);
  if (domain) {
    const n = Number(domain[1]);
    if (n >= world.count || world.tlds[n % world.tlds.length] !== domain[2]) return undefined;
    return { zone: `d${n}.${domain[2]}`, servers: nameServers(world, n) };
  }
  const v4 = /(?:^|\.)([0-9]+)\.(18|19)\.198\.in-addr\.arpa$/.exec(name);
  if (v4) {
    const third = Number(v4[1]);
    if (third > 255 || (Number(v4[2]) - 18) * 65536 + third * 256 >= IPV4_SPAN) return undefined;
    const k = third % PROVIDERS;
    return { zone: `${third}.${v4[2]}.198.in-addr.arpa`, servers: [`ns1.prov${k}.net`, `ns2.prov${k}.net`] };
  }
  if (name === V6_REVERSE_ZONE || name.endsWith(`.${V6_REVERSE_ZONE}`)) {
    return { zone: V6_REVERSE_ZONE, servers: ["ns1.prov0.net", "ns2.prov0.net"] };
  }
  return undefined;
}

/** The parent's response to `query`, or undefined when it cannot be decoded. */
export function parentAnswer(
  world: World,
  query: Buffer,
  udp: boolean,
  ownAddress: string,
): Buffer | undefined {
  const decoded = decodeQuery(query);
  if (!decoded) return undefined;
  const { q, question, name } = decoded;
  const edns = q.additionals?.some((a) => a.type === "OPT");
  const opt = edns ? [{ type: "OPT", name: ".", udpPayloadSize: EDNS_PAYLOAD } as dnsPacket.Answer] : [];
  const rd = (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const base = { id: q.id, type: "response" as const, questions: [question] };
  const a = (owner: string, type: string, data: unknown) =>
    ({ name: owner, type, ttl: TTL, class: "IN", data }) as dnsPacket.Answer;
  const cut = delegationOf(world, name);
  if (cut) {
    // A and AAAA glue, so that the dns6 chain walk (IPv6 alone) finds the in-house name servers.
    const glue = cut.servers.flatMap((ns) =>
      (["A", "AAAA"] as const).flatMap((type) => {
        const found = lookup(world, ns, type);
        return found === "NXDOMAIN" ? [] : found.map((rr) => a(ns, type, rr.data));
      }),
    );
    return dnsPacket.encode({
      ...base,
      flags: rd,
      answers: [],
      authorities: cut.servers.map((ns) => a(cut.zone, "NS", ns)),
      additionals: [...glue, ...opt],
    });
  }
  const aa = dnsPacket.AUTHORITATIVE_ANSWER | rd;
  // The root answers on an IPv4 and an IPv6 address, each as a process of its own: its name has
  // the address it was asked on.
  const ownType = isIP(ownAddress) === 6 ? "AAAA" : "A";
  if (name === "" || name === ROOT_NAME || name === "test") {
    const answers =
      name === "" && question.type === "NS"
        ? [a(".", "NS", ROOT_NAME)]
        : name === ROOT_NAME && question.type === ownType
          ? [a(ROOT_NAME, ownType, ownAddress)]
          : [];
    return dnsPacket.encode({
      ...base,
      flags: aa,
      answers,
      authorities: [],
      additionals: [
        ...(name === "" && question.type === "NS" ? [a(ROOT_NAME, ownType, ownAddress)] : []),
        ...opt,
      ],
    });
  }
  // The empty non-terminals above the generated names exist (NODATA, not NXDOMAIN), so that a
  // resolver that minimises its questions goes on down.
  const labels = name.split(".");
  const ancestors = [
    "in-addr.arpa",
    "198.in-addr.arpa",
    "18.198.in-addr.arpa",
    "19.198.in-addr.arpa",
    "arpa",
  ];
  if (
    (labels.length === 1 && (world.tlds.includes(name) || name === "arpa" || name === "net")) ||
    ancestors.includes(name) ||
    /^prov[0-9]+\.net$/.test(name) ||
    V6_REVERSE_ZONE.endsWith(name)
  ) {
    return dnsPacket.encode({ ...base, flags: aa, answers: [], authorities: [], additionals: opt });
  }
  return packetAnswer(world, query, udp);
}
