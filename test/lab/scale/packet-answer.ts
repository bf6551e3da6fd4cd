// The scale lab's authoritative answers through dns-packet: any query it can decode (several
// questions, other classes, odd names, EDNS options), answered from rule.ts. Slow and general;
// fast-answer.ts writes the common questions' bytes by hand and must agree with this.
import * as dnsPacket from "dns-packet";
import { lookup, type RecordType, type RR, type World } from "./rule.js";

const TYPES = new Set<string>(["A", "AAAA", "MX", "NS", "SOA", "PTR"]);
export const NXDOMAIN = 3;
export const NOTIMP = 4;
export const TTL = 3600;
/** TTL of the SOA in a negative answer (RFC 2308 3: the SOA's minimum). */
export const NEGATIVE_TTL = 300;
export const EDNS_PAYLOAD = 1232;

function toAnswer(rr: RR): dnsPacket.Answer {
  return { name: rr.name, type: rr.type, ttl: TTL, class: "IN", data: rr.data } as dnsPacket.Answer;
}

/** The enclosing generated domain's SOA for negative answers (RFC 2308), when there is one. */
function negativeSoa(world: World, name: string): dnsPacket.Answer[] {
  const apex = /(?:^|\.)(d\d+\.[a-z]+)$/.exec(name)?.[1];
  if (!apex) return [];
  const soa = lookup(world, apex, "SOA");
  return soa === "NXDOMAIN" ? [] : soa.map((rr) => ({ ...toAnswer(rr), ttl: NEGATIVE_TTL }));
}

/**
 * A query dns-packet decodes, its first question and that question's name (lower case, no root
 * dot); undefined when it does not decode or asks nothing: such a query gets no answer.
 */
export function decodeQuery(
  query: Buffer,
): { q: dnsPacket.Packet; question: dnsPacket.Question; name: string } | undefined {
  let q: dnsPacket.Packet;
  try {
    q = dnsPacket.decode(query);
  } catch {
    return undefined;
  }
  const question = q.questions?.[0];
  if (!question) return undefined;
  return { q, question, name: question.name.toLowerCase().replace(/\.$/, "") };
}

/** The answer through dns-packet, for any query it can decode; undefined: no answer (undecodable). */
export function packetAnswer(world: World, query: Buffer, udp: boolean): Buffer | undefined {
  const decoded = decodeQuery(query);
  if (!decoded) return undefined;
  const { q, question, name } = decoded;
  let flags = dnsPacket.AUTHORITATIVE_ANSWER | ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
  let answers: dnsPacket.Answer[] = [];
  let authorities: dnsPacket.Answer[] = [];
  if (!TYPES.has(question.type)) {
    const any = lookup(world, name, "A");
    if (any === "NXDOMAIN") flags |= NXDOMAIN;
    else if (question.type !== "TXT" && question.type !== "CNAME") flags |= NOTIMP;
  } else {
    const result = lookup(world, name, question.type as RecordType);
    if (result === "NXDOMAIN") {
      flags |= NXDOMAIN;
      authorities = negativeSoa(world, name);
    } else if (result.length === 0) authorities = negativeSoa(world, name);
    else answers = result.map(toAnswer);
  }
  const edns = q.additionals?.some((a) => a.type === "OPT");
  const response = (a: dnsPacket.Answer[], f: number) =>
    dnsPacket.encode({
      id: q.id,
      type: "response",
      flags: f,
      questions: [question],
      answers: a,
      authorities: a.length === 0 ? authorities : [],
      additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: EDNS_PAYLOAD } as dnsPacket.Answer] : [],
    });
  const out = response(answers, flags);
  if (udp && out.length > (edns ? EDNS_PAYLOAD : 512)) {
    return response([], flags | dnsPacket.TRUNCATED_RESPONSE);
  }
  return out;
}
