// Bearer-token checks for the gRPC services that act on data (CrawlService,
// QueryService): every handler of such a service is wrapped so a call without
// `authorization: Bearer <token>` ends UNAUTHENTICATED before it runs. Health
// and reflection are never wrapped, so probes and grpcurl's listing work.

import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Metadata, status, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { type Config, ConfigError } from "./config.js";

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

function authorised(metadata: Metadata, token: string): boolean {
  const header = metadata.get("authorization")[0];
  const given = typeof header === "string" ? header.replace(/^Bearer\s+/i, "") : "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const denied = {
  code: status.UNAUTHENTICATED,
  details: "missing or wrong bearer token (authorization: Bearer <api.token>)",
};

/** Wraps every handler; an empty token leaves the implementation as it is. */
export function requireToken(
  implementation: UntypedServiceImplementation,
  token: string,
): UntypedServiceImplementation {
  if (token === "") return implementation;
  const wrapped: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    wrapped[name] = ((
      call: { metadata: Metadata; destroy?: (e: Error) => void; emit: (e: string, v: unknown) => void },
      callback?: (e: unknown) => void,
    ) => {
      if (authorised(call.metadata, token))
        return (handler as (...args: unknown[]) => unknown)(call, callback);
      if (callback) return callback(denied);
      // Streaming calls without a callback: end the stream with the status.
      call.emit("error", Object.assign(new Error(denied.details), denied));
    }) as never;
  }
  return wrapped;
}
