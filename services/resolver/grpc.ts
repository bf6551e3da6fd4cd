// ResolverService.Resolve over gRPC: one name, one type, the full outcome, for
// debugging a crawl's answer by hand (grpcurl, or the generated client). It
// asks with the crawl's own DNS client, so what it shows is what a crawl sees.
// Bad input is INVALID_ARGUMENT with the reason; a DNS failure is an outcome. A name server
// the request names must be a configured one or allowed (PERMISSION_DENIED otherwise).

import { isIP } from "node:net";
import type { RecordType } from "dns-packet";
import {
  type ResolveRequest,
  ResolveResponse,
  ResolverServiceService,
} from "../../gen/ipv6matrix/v1/resolver.js";
import { InvalidArgumentError, PermissionDeniedError } from "../runtime/api-errors.js";
import { type Config, parseEndpoint } from "../runtime/config.js";
import { checkHostName } from "../runtime/domain-name.js";
import { unaryHandler } from "../runtime/grpc-errors.js";
import type { GrpcService } from "../runtime/grpc-server.js";
import { NameserverPolicy } from "../runtime/nameserver-policy.js";
import { questionTypes, recordText } from "./dns-message.js";
import { toProto } from "./outcome.js";
import type { ResolverContext } from "./resolver-context.js";

/** A request that cannot be asked: INVALID_ARGUMENT over gRPC. */
export class ResolveInputError extends InvalidArgumentError {
  override name = "ResolveInputError";
}

/** A name server the configuration does not let a caller name (nameserver-policy.ts): PERMISSION_DENIED. */
export class NameserverRefused extends PermissionDeniedError {
  override name = "NameserverRefused";
}

/** Answers one ResolveRequest; throws ResolveInputError for a request that cannot be asked. */
export async function resolveOnce(
  context: ResolverContext,
  request: ResolveRequest,
  policy: NameserverPolicy,
): Promise<ResolveResponse> {
  const type = request.type.trim().toUpperCase();
  if (questionTypes[type] === undefined)
    throw new ResolveInputError(
      `type ${JSON.stringify(request.type)}: expected one of ${Object.keys(questionTypes).join(", ")}`,
    );
  const name = checkHostName(request.name);
  if (!name.ok)
    throw new ResolveInputError(`name ${JSON.stringify(request.name.slice(0, 80))}: ${name.reason}`);
  let server: ReturnType<typeof parseEndpoint> | undefined;
  if (request.nameserver.trim() !== "") {
    server = parseEndpoint(request.nameserver, 53);
    if (!server || isIP(server.host) === 0)
      throw new ResolveInputError(
        `nameserver ${JSON.stringify(request.nameserver)}: expected addr or addr:port ([addr]:port for IPv6)`,
      );
    const refused = policy.refusal(server);
    if (refused) throw new NameserverRefused(refused);
  }
  const dns = server ? context.oneOffClient(server) : context.client();
  const answer = await dns.query(name.name, type as RecordType).finally(() => {
    if (server) dns.close();
  });
  return ResolveResponse.fromPartial({
    outcome: toProto(answer.outcome),
    // -1 (no answer came) has no uint32 form; the outcome says TIMEOUT or MALFORMED.
    rcode: Math.max(0, answer.rcode),
    answers: answer.records.map(recordText),
    cnameChain: answer.cnameChain,
    nameserver: answer.server,
    rttMs: answer.rttMs,
    truncatedRetriedOverTcp: answer.tcp,
  });
}

export function resolverGrpcService(context: ResolverContext, config: Config): GrpcService {
  const policy = new NameserverPolicy(config.resolver.nameservers, config.resolver.allow_nameservers);
  return {
    name: "ipv6matrix.v1.ResolverService",
    definition: ResolverServiceService,
    implementation: {
      resolve: unaryHandler<ResolveRequest, ResolveResponse>((request) =>
        resolveOnce(context, request, policy),
      ),
    },
  };
}
