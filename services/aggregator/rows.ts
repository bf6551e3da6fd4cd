// From the messages on crawl.results to rows of the raw tables (migrations
// 001, 003, 005, 007, 011, 012, 013). Pure: the crawl's date is passed in.

import { Family, Feature, PortState } from "../../gen/ipv6matrix/v1/common.js";
import {
  type AddressResult,
  type DeadLetter,
  type DomainResult,
  type GeoResult,
  type HostResult,
  type ReverseResult,
  TraceMethod,
  type WebParity,
} from "../../gen/ipv6matrix/v1/work.js";
import { outcomeName } from "../runtime/outcome.js";
import type { Row } from "../runtime/store.js";

export const featureName = (feature: Feature): string => Feature[feature].replace(/^FEATURE_/, "");

/** The store's text for a port state: open, closed, filtered, not_probed, unreachable. */
export const portStateName = (state: PortState): string =>
  state === PortState.PORT_STATE_UNSPECIFIED
    ? "not_probed"
    : PortState[state].replace(/^PORT_STATE_/, "").toLowerCase();

/** IPv4 addresses as IPv4-mapped IPv6, so one IPv6 column holds both families. */
export function ipColumn(ip: string): string {
  return ip.includes(":") ? ip : `::ffff:${ip}`;
}

export function jobRows(result: DomainResult, date: string): Row[] {
  return result.jobs.map((job) => ({
    crawl_id: result.crawlId,
    date,
    domain: result.domain,
    tld: result.tld,
    type: featureName(job.type),
    host: job.host,
    priority: job.priority,
    outcome: outcomeName(job.outcome),
    rcode: job.rcode,
  }));
}

export function soaRows(result: DomainResult, date: string): Row[] {
  const soa = result.soa;
  if (!soa) return [];
  return [
    {
      crawl_id: result.crawlId,
      date,
      domain: result.domain,
      tld: result.tld,
      outcome: outcomeName(soa.outcome),
      rcode: soa.rcode,
      primary_by_soa: soa.primaryBySoa,
      primary_by_rank: soa.primaryByRank,
      primary_in_house: soa.primaryInHouse ? 1 : 0,
      secondary: soa.secondary,
      total: soa.total,
      rname: soa.rname,
      serial: soa.serial,
      refresh: soa.refresh,
      retry: soa.retry,
      expire: soa.expire,
      minimum: soa.minimum,
    },
  ];
}

/** The dns6 chain walk's row (migration 011); none when the crawl did not measure dns6. */
export function dns6Rows(result: DomainResult, date: string): Row[] {
  const chain = result.dns6;
  if (!chain) return [];
  // The UInt8 columns of counts: a zone with more than 255 name servers is still "many".
  const uint8 = (n: number) => Math.min(n, 255);
  return [
    {
      crawl_id: result.crawlId,
      date,
      domain: result.domain,
      ready: chain.ready ? 1 : 0,
      reason: chain.reason,
      broken_zone: chain.brokenZone,
      min_servers: uint8(chain.minServers),
      zone_servers: uint8(chain.zoneServers),
      cuts: chain.cuts,
      cut_servers: chain.cutServers.map(uint8),
      parent_child_agree: chain.parentChildAgree ? 1 : 0,
      queries: chain.queries,
    },
  ];
}

export function hostRow(result: HostResult, date: string): Row {
  const v4 = result.addresses.filter((a) => a.family === Family.FAMILY_IPV4);
  const v6 = result.addresses.filter((a) => a.family === Family.FAMILY_IPV6);
  return {
    crawl_id: result.crawlId,
    date,
    host: result.host,
    a_outcome: outcomeName(result.aOutcome),
    aaaa_outcome: outcomeName(result.aaaaOutcome),
    a_rcode: result.aRcode,
    aaaa_rcode: result.aaaaRcode,
    ipv4: v4.map((a) => a.ip),
    ipv6: v6.map((a) => a.ip),
    ip6_types: v6.map((a) => a.ip6Type),
    eui64: v6.map((a) => (a.eui64 ? 1 : 0)),
    valid4: v4.map((a) => (a.invalid ? 0 : 1)),
    valid6: v6.map((a) => (a.invalid ? 0 : 1)),
    prefix_ids: v6.map((a) => a.prefixId),
    prefix_names: v6.map((a) => a.prefixName),
    cname_chain: result.cnameChain,
  };
}

export function addressRow(result: AddressResult, date: string): Row {
  const ping = result.ping;
  const received = ping?.received ?? 0;
  const rtt = (value: number | undefined) => (received > 0 && value !== undefined ? value : null);
  const trace = result.trace;
  return {
    crawl_id: result.crawlId,
    date,
    ip: ipColumn(result.ip),
    family: result.family === Family.FAMILY_IPV6 ? 6 : 4,
    rdns: result.rdns,
    rdns_outcome: outcomeName(result.rdnsOutcome),
    ping_sent: ping?.sent ?? 0,
    ping_received: received,
    ping_min: rtt(ping?.minMs),
    ping_avg: rtt(ping?.avgMs),
    ping_max: rtt(ping?.maxMs),
    ping_mdev: rtt(ping?.mdevMs),
    tcp80: portStateName(result.tcp80),
    tcp443: portStateName(result.tcp443),
    tcp25: portStateName(result.tcp25),
    starttls: result.starttls ? 1 : 0,
    // The SMTP outcome, apart from tcp25 (the handshake): '' where port 25 was not probed.
    smtp_step: result.smtp?.step ?? "",
    smtp_failure: result.smtp?.failure ?? "",
    smtp_ehlo: result.smtp?.ehlo ? 1 : 0,
    // The NTP probe (migration 013): all zero and '' where it was not measured.
    ntp_measured: result.ntp ? 1 : 0,
    ntp_answered: result.ntp?.answered ? 1 : 0,
    ntp_stratum: result.ntp?.stratum ?? 0,
    ntp_offset_ms: result.ntp?.offsetMs ?? 0,
    ntp_rtt_ms: result.ntp?.rttMs ?? 0,
    ntp_failure: result.ntp?.failure ?? "",
    ntp_kiss: result.ntp?.kissCode ?? "",
    trace_hops: trace?.reached ? trace.hops : null,
    trace_path: (trace?.path ?? []).map((hop) => hop.name || hop.address || "*"),
    trace_reached: trace?.reached ? 1 : 0,
    trace_method: traceMethodName(trace?.method ?? TraceMethod.TRACE_METHOD_UNSPECIFIED),
    trace_port: trace?.port ?? 0,
    mtu: trace && trace.mtu > 0 ? trace.mtu : null,
    not_probed_reason: result.notProbedReason,
    prober_version: result.proberVersion,
  };
}

/** icmp, udp, tcp; "" when no method reached the destination. */
export const traceMethodName = (method: TraceMethod): string =>
  method === TraceMethod.TRACE_METHOD_UNSPECIFIED || method === TraceMethod.UNRECOGNIZED
    ? ""
    : TraceMethod[method].replace(/^TRACE_METHOD_/, "").toLowerCase();

export function geoRow(result: GeoResult, date: string): Row {
  const known = result.country !== "";
  return {
    crawl_id: result.crawlId,
    date,
    ip: ipColumn(result.ip),
    country: known ? result.country : "ZZ",
    city: result.city,
    region: result.region,
    latitude: known ? result.latitude : null,
    longitude: known ? result.longitude : null,
    asn: result.asn,
    as_org: result.asOrg,
    db_version: result.dbVersion,
  };
}

export function reverseRow(result: ReverseResult, date: string): Row {
  return {
    crawl_id: result.crawlId,
    date,
    ip: ipColumn(result.ip),
    name: result.name,
    outcome: outcomeName(result.outcome),
    rcode: result.rcode,
  };
}

/** A web_parity row (migration 012): ip4 NULL when the host has no IPv4 address. */
export function webParityRow(result: WebParity, date: string): Row {
  return {
    crawl_id: result.crawlId,
    date,
    host: result.host,
    scheme: result.scheme,
    ip4: result.ip4 === "" ? null : ipColumn(result.ip4),
    ip6: result.ip6,
    status4: result.status4,
    status6: result.status6,
    final_url4: result.finalUrl4,
    final_url6: result.finalUrl6,
    bytes4: result.bytes4,
    bytes6: result.bytes6,
    cert4: result.cert4,
    cert6: result.cert6,
    ttfb4_ms: result.ttfb4Ms,
    ttfb6_ms: result.ttfb6Ms,
    download4_ms: result.download4Ms,
    download6_ms: result.download6Ms,
    error4: result.error4,
    error6: result.error6,
    similarity: result.similarity,
    differences: result.differences,
    same: result.same ? 1 : 0,
    prober_version: result.proberVersion,
  };
}

export function deadLetterRow(letter: DeadLetter): Row {
  return {
    crawl_id: letter.crawlId,
    subject: letter.subject,
    key: letter.key,
    actor: letter.actor,
    reason: letter.reason,
    attempts: letter.attempts,
    payload: Buffer.from(letter.payload).toString("base64"),
  };
}
