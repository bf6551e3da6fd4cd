// The one access rule of every gRPC server (CrawlService, QueryService, ResolverService,
// ProberService, GeoService alike): when a token is configured, every call but health and
// reflection carries `authorization: Bearer <token>`, compared in constant time. It also
// decides whether a server may listen beyond loopback. It does not authorise per method.

import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { type Metadata, status, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { type Config, ConfigError, type Endpoint, formatEndpoint } from "./config.js";

/** The configured token: api.token (or IPV6MATRIX_API_TOKEN), else the first line of api.token_file. */
export function apiToken(config: Config): string {
  if (config.api.token !== "") return config.api.token;
  if (config.api.token_file === "") return "";
  try {
    const token = readFileSync(config.api.token_file, "utf8").split("\n")[0]!.trim();
    if (token === "") throw new ConfigError(`api.token_file ${config.api.token_file}: the file is empty`);
    return token;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `api.token_file ${config.api.token_file}: cannot read it (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

/** The bearer token a call carries, or "" when it carries none. */
export function bearerOf(metadata: Metadata): string {
  const header = metadata.get("authorization")[0];
  return typeof header === "string" ? header.replace(/^Bearer\s+/i, "") : "";
}

// Both sides are hashed first: timingSafeEqual needs equal lengths, and comparing the raw
// strings' lengths would tell a caller how long the token is.
const digest = (text: string) => createHash("sha256").update(text).digest();

export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Who is calling, for per-caller budgets: when the server requires a token, the token (its
 * digest, checked already: one budget per token, also behind a proxy); else the peer's
 * address without its port. A token the server does not check would let a caller pick a
 * new identity per call, so it is then ignored.
 */
export function callerOf(call: { metadata: Metadata; getPeer(): string }, tokenRequired: boolean): string {
  if (tokenRequired) return `token:${digest(bearerOf(call.metadata)).toString("hex").slice(0, 16)}`;
  const peer = call.getPeer().replace(/^ipv[46]:/, "");
  return `peer:${peer.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1")}`;
}

const denied = {
  code: status.UNAUTHENTICATED,
  details: "missing or wrong bearer token (authorization: Bearer <api.token>)",
};

/** Wraps every handler of one service; an empty token leaves the implementation as it is. */
export function requireToken(
  implementation: UntypedServiceImplementation,
  token: string,
): UntypedServiceImplementation {
  if (token === "") return implementation;
  const wrapped: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    wrapped[name] = ((
      call: { metadata: Metadata; emit: (e: string, v: unknown) => void },
      callback?: (e: unknown) => void,
    ) => {
      if (tokenMatches(bearerOf(call.metadata), token))
        return (handler as (...args: unknown[]) => unknown)(call, callback);
      if (callback) return callback(denied);
      // Server-streaming calls have no callback: end the stream with the status.
      call.emit("error", Object.assign(new Error(denied.details), denied));
    }) as never;
  }
  return wrapped;
}

/** Loopback addresses and the name `localhost`; any other host (0.0.0.0, a name) is exposed. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || /^::ffff:127\./i.test(host);
  return false;
}

/**
 * Whether a server may listen on `listen` as configured. Beyond loopback without both a token
 * and TLS it needs api.allow_insecure: then the returned warning is logged at start; without
 * it this throws a ConfigError of one line.
 */
export function exposureWarning(config: Config, listen: Endpoint): string | undefined {
  if (isLoopback(listen.host)) return undefined;
  const missing = [
    ...(apiToken(config) === "" ? ["token (api.token)"] : []),
    ...(config.api.tls_cert === "" ? ["TLS (api.tls_cert, api.tls_key)"] : []),
  ];
  if (missing.length === 0) return undefined;
  const what = `api.listen ${formatEndpoint(listen)} is not loopback and has no ${missing.join(" and no ")}`;
  if (!config.api.allow_insecure)
    throw new ConfigError(`${what}: set them, or api.allow_insecure=true to serve so all the same`);
  return `${what}; serving all the same (api.allow_insecure)`;
}
