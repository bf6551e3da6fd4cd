// Reverse names (SPEC 4 "reverse", and the router names of a path): the PTR
// of every distinct address of crawl.ips and of every router the prober puts
// on crawl.reverse, each asked once per crawl whichever way it came, stored
// as CrawlResult{reverse} under `reverse:<crawl>:<ip>`.

import type { CrawlOptions } from "../../gen/ipv6matrix/v1/common.js";
import { AddressTask, CrawlResult, ReverseTask } from "../../gen/ipv6matrix/v1/work.js";
import type { ActorContext, ActorDefinition } from "../runtime/actor.js";
import { reverseName as ptrName } from "../runtime/address.js";
import { Subjects } from "../runtime/topology.js";
import { firstName } from "./dns-client.js";
import { toProto } from "./outcome.js";
import type { ResolverContext } from "./resolver-context.js";

/** The name a PTR question asks for: in-addr.arpa (RFC 1035 3.5) or nibbles under ip6.arpa (RFC 3596 2.5). */
export function reverseName(ip: string): string | null {
  return ptrName(ip) ?? null;
}

async function reverse(
  context: ResolverContext,
  actor: ActorContext,
  crawlId: string,
  ip: string,
  options: CrawlOptions | undefined,
): Promise<void> {
  await context.reversed.once(crawlId, ip, async () => {
    const name = reverseName(ip);
    const answer = name ? await context.client(options).query(name, "PTR") : undefined;
    const result = CrawlResult.encode({
      result: {
        $case: "reverse",
        value: {
          crawlId,
          ip,
          name: answer ? firstName(answer) : "",
          outcome: toProto(answer ? answer.outcome : "INVALID_NAME"),
        },
      },
    }).finish();
    await actor.publish(Subjects.results, result, `reverse:${crawlId}:${ip}`);
  });
}

/** Host addresses, in group `resolver` of crawl.ips; only when the crawl measures `reverse`. */
export function addressReverseActor(
  context: ResolverContext,
  maxInFlight: number,
): ActorDefinition<AddressTask> {
  return {
    name: "resolver.reverse-address",
    service: "resolver",
    subject: Subjects.ips,
    group: "resolver",
    maxInFlight,
    decode: (data) => AddressTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, actor) {
      if (!(task.options?.metrics ?? []).includes("reverse")) return;
      await reverse(context, actor, task.crawlId, task.ip, task.options);
    },
  };
}

/** Routers met by traceroute, from crawl.reverse (the prober sends them only when it wants names). */
export function routerReverseActor(
  context: ResolverContext,
  maxInFlight: number,
): ActorDefinition<ReverseTask> {
  return {
    name: "resolver.reverse-router",
    service: "resolver",
    subject: Subjects.reverse,
    group: "resolver",
    maxInFlight,
    decode: (data) => ReverseTask.decode(data),
    crawlOf: (task) => task.crawlId,
    async handle(task, actor) {
      await reverse(context, actor, task.crawlId, task.ip, task.options);
    },
  };
}
