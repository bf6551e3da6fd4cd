// The host actor (SPEC 3): a distinct host of crawl.hosts is asked for A and
// AAAA; every address is kept (IPv6 ones classified by ip6Type, each marked
// valid or not, decision 010), the first valid one of each family goes out on
// crawl.ips once per crawl for the prober, geo and the reverse actor (SPEC 4), a
// WWW host with a valid IPv6 address on crawl.web (issue 19), and the host's result
// on crawl.results.

import { isIP } from "node:net";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import {
  AddressTask,
  CrawlResult,
  type HostAddress,
  HostTask,
  WebTask,
} from "../../gen/ipv6matrix/v1/work.js";
import type { ActorDefinition } from "../runtime/actor.js";
import { measuresAddresses } from "../runtime/progress.js";
import { type AllowRanges, isValidHostAddress } from "../runtime/special-purpose.js";
import { Subjects } from "../runtime/topology.js";
import type { DnsAnswer } from "./dns-client.js";
import { classifyIpv6, type PrefixTable } from "./ip6-type.js";
import { otherRcode, toProto } from "./outcome.js";
import type { ResolverContext } from "./resolver-context.js";

export function hostActor(context: ResolverContext, maxInFlight: number): ActorDefinition<HostTask> {
  return {
    name: "resolver.host",
    service: "resolver",
    subject: Subjects.hosts,
    group: "resolver",
    maxInFlight,
    decode: (data) => HostTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, actor) {
      const dns = context.client(task.options);
      const [a, aaaa] = await Promise.all([dns.query(task.host, "A"), dns.query(task.host, "AAAA")]);
      const classify = (task.options?.metrics ?? []).includes("ip6Type");
      const addresses = hostAddresses(
        a,
        aaaa,
        context.validRanges,
        classify ? context.prefixTable : undefined,
      );
      // The legacy view measures the first valid address of each family (SPEC 4), when the crawl
      // measures anything of it: a DNS-only crawl sends none.
      const measured = measuresAddresses(task.options?.metrics ?? []);
      for (const family of measured ? [Family.FAMILY_IPV4, Family.FAMILY_IPV6] : []) {
        const first = addresses.find((address) => address.family === family && !address.invalid);
        if (!first) continue;
        await context.addressesSent.once(task.crawlId, first.ip, () => {
          const addressTask = AddressTask.encode({
            crawlId: task.crawlId,
            ip: first.ip,
            family,
            options: task.options,
            missing: [],
          }).finish();
          return actor.publish(Subjects.ips, addressTask, `${task.crawlId}:${first.ip}`);
        });
      }
      // Issue 19: a WWW host with a valid IPv6 address goes on to the prober's parity fetch,
      // before its result is stored (a crash in between redelivers the host, never loses it).
      const ip6 = addresses.find((address) => address.family === Family.FAMILY_IPV6 && !address.invalid);
      if (task.web && ip6 && (task.options?.metrics ?? []).includes("web6")) {
        const ip4 = addresses.find((address) => address.family === Family.FAMILY_IPV4 && !address.invalid);
        const webTask = WebTask.encode({
          crawlId: task.crawlId,
          host: task.host,
          ip4: ip4?.ip ?? "",
          ip6: ip6.ip,
          options: task.options,
          schemes: [],
        }).finish();
        await actor.publish(Subjects.web, webTask, `${task.crawlId}:${task.host}`);
      }
      const result = CrawlResult.encode({
        result: {
          $case: "host",
          value: {
            crawlId: task.crawlId,
            host: task.host,
            aOutcome: toProto(a.outcome),
            aaaaOutcome: toProto(aaaa.outcome),
            aRcode: otherRcode(a),
            aaaaRcode: otherRcode(aaaa),
            addresses,
            cnameChain: a.cnameChain.length > 0 ? a.cnameChain : aaaa.cnameChain,
          },
        },
      }).finish();
      await actor.publish(Subjects.results, result, `host:${task.crawlId}:${task.host}`);
    },
  };
}

/**
 * Every address of the two answers, in answer order, IPv4 first; duplicates
 * and anything that is not an address of the asked family are left out.
 * Each is marked invalid when it cannot be a host's address (decision 010:
 * the special-purpose registries, unless `valid` holds it).
 * `table` given: IPv6 addresses get their ip6Type, prefix entry and EUI-64 mark.
 */
export function hostAddresses(
  a: DnsAnswer,
  aaaa: DnsAnswer,
  valid: AllowRanges,
  table?: PrefixTable,
): HostAddress[] {
  const out: HostAddress[] = [];
  const seen = new Set<string>();
  const take = (answer: DnsAnswer, family: 4 | 6) => {
    for (const record of answer.records) {
      const ip = (record as { data?: unknown }).data;
      if (typeof ip !== "string" || isIP(ip) !== family || seen.has(ip)) continue;
      seen.add(ip);
      const invalid = !isValidHostAddress(ip, valid);
      if (family === 4)
        out.push({
          ip,
          family: Family.FAMILY_IPV4,
          ip6Type: "",
          eui64: false,
          prefixId: "",
          prefixName: "",
          invalid,
        });
      else {
        const kind = table
          ? classifyIpv6(ip, table)
          : { type: "", eui64: false, prefixId: "", prefixName: "" };
        out.push({
          ip,
          family: Family.FAMILY_IPV6,
          ip6Type: kind.type,
          eui64: kind.eui64,
          prefixId: kind.prefixId,
          prefixName: kind.prefixName,
          invalid,
        });
      }
    }
  };
  take(a, 4);
  take(aaaa, 6);
  return out;
}
