// The CLI's gRPC client of the CrawlService: the address from --api or
// api.listen, deadlines on unary calls.

import { credentials } from "@grpc/grpc-js";
import { CrawlServiceClient } from "../../gen/ipv6matrix/v1/crawl.js";
import { type Config, formatEndpoint, parseEndpoint } from "../runtime/config.js";
import { UsageError } from "./command.js";

export function crawlClient(values: Record<string, unknown>, config: Config): CrawlServiceClient {
  const given = values["api"] as string | undefined;
  const endpoint = given ? parseEndpoint(given, 7600) : config.api.listen;
  if (!endpoint) throw new UsageError(`--api ${given}: expected host:port`);
  return new CrawlServiceClient(formatEndpoint(endpoint), credentials.createInsecure());
}

export const deadline = (seconds = 30) => ({ deadline: Date.now() + seconds * 1000 });
