// The CLI's gRPC clients of the CrawlService and the QueryService: the address
// from --api or api.listen, TLS and the bearer token from the configuration,
// deadlines on unary calls.

import { readFileSync } from "node:fs";
import { credentials, InterceptingCall, type Interceptor, Metadata } from "@grpc/grpc-js";
import { CrawlServiceClient } from "../../gen/ipv6matrix/v1/crawl.js";
import { QueryServiceClient } from "../../gen/ipv6matrix/v1/query.js";
import { type Config, formatEndpoint, parseEndpoint } from "../runtime/config.js";
import { apiToken } from "../runtime/grpc-auth.js";
import { UsageError } from "./command.js";

type ClientArgs = ConstructorParameters<typeof CrawlServiceClient>;

export function crawlClient(values: Record<string, unknown>, config: Config): CrawlServiceClient {
  return new CrawlServiceClient(...connection(values, config));
}

export function queryClient(values: Record<string, unknown>, config: Config): QueryServiceClient {
  return new QueryServiceClient(...connection(values, config));
}

function connection(values: Record<string, unknown>, config: Config): ClientArgs {
  const given = values["api"] as string | undefined;
  const endpoint = given ? parseEndpoint(given, 7600) : config.api.listen;
  if (!endpoint) throw new UsageError(`--api ${given}: expected host:port`);
  // TLS when the configuration names a certificate (trusted as the CA: the usual self-signed one);
  // the bearer token of api.token / api.token_file on every call.
  const channel = config.api.tls_cert
    ? credentials.createSsl(readFileSync(config.api.tls_cert))
    : credentials.createInsecure();
  const token = apiToken(config);
  const callCredentials = credentials.createFromMetadataGenerator((_params, done) => {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    done(null, metadata);
  });
  return [
    formatEndpoint(endpoint),
    token && config.api.tls_cert ? credentials.combineChannelCredentials(channel, callCredentials) : channel,
    token && !config.api.tls_cert ? { interceptors: [bearer(token)] } : {},
  ];
}

/** Over plaintext, grpc-js refuses call credentials; an interceptor adds the header instead. */
function bearer(token: string): Interceptor {
  return (options, next) =>
    new InterceptingCall(next(options), {
      start(metadata, listener, start) {
        metadata.set("authorization", `Bearer ${token}`);
        start(metadata, listener);
      },
    });
}

export const deadline = (seconds = 30) => ({ deadline: Date.now() + seconds * 1000 });
