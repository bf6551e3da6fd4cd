// Fetching a submitted source URL without becoming a way into the server's network: http(s)
// only; the host's every address checked against the special-purpose registries
// (runtime/special-purpose.ts, the prober's rule) unless api.source_allow_ranges allows it;
// the connection made to the address checked (no second look-up a DNS answer could change);
// the same at every redirect; one time limit for the whole download. Every failure after the
// check reads the same, so an error never tells a closed port from an open one.

import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { logger } from "../runtime/log.js";
import { forbiddenReason } from "../runtime/special-purpose.js";
import { SourceError, type SourceLimits, SourceRefused, tooLarge } from "./domain-source.js";

const MAX_REDIRECTS = 5;
const log = logger({ service: "api", actor: "source-url" });

/** The response body of `source` (after redirects), once its status is 2xx. */
export async function fetchGuarded(source: string, limits: SourceLimits): Promise<IncomingMessage> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url = parseUrl(source, source);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const address = await checkedAddress(url, limits.allowRanges, source);
    let response: IncomingMessage;
    try {
      response = await get(url, address, signal);
    } catch (error) {
      throw unreachable(source, url, error);
    }
    const location = response.headers.location;
    if (
      response.statusCode !== undefined &&
      response.statusCode >= 300 &&
      response.statusCode < 400 &&
      location
    ) {
      response.resume();
      url = parseUrl(location, source, url);
      continue;
    }
    if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) {
      response.resume();
      throw unreachable(source, url, new Error(`HTTP ${response.statusCode}`));
    }
    const length = Number(response.headers["content-length"] ?? Number.NaN);
    if (length > limits.maxBytes) {
      response.destroy();
      throw tooLarge(`source ${source}`, limits.maxBytes);
    }
    return response;
  }
  throw new SourceError(`source ${source}: more than ${MAX_REDIRECTS} redirects`);
}

function parseUrl(text: string, source: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new SourceError(`source ${source}: not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new SourceRefused(`source ${source}: only http and https URLs are fetched`);
  return url;
}

/** The one address the request goes to: every address of the host must be allowed. */
async function checkedAddress(
  url: URL,
  allowRanges: readonly string[],
  source: string,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new SourceError(`source ${source}: cannot resolve ${host}`);
    }
  }
  for (const { address } of addresses) {
    const refused = forbiddenReason(address, allowRanges);
    if (refused)
      throw new SourceRefused(
        `source ${source}: ${host === address ? address : `${host} is ${address}`}: ${refused.replace(/; allow it with prober\.allow_ranges$/, "")}; never fetched unless api.source_allow_ranges allows it`,
      );
  }
  const first = addresses[0];
  if (!first) throw new SourceError(`source ${source}: cannot resolve ${host}`);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function get(
  url: URL,
  to: { address: string; family: 4 | 6 },
  signal: AbortSignal,
): Promise<IncomingMessage> {
  // Whatever the client asks, the answer is the address checked above.
  const pinned = ((_host: string, options: { all?: boolean }, done: (...args: unknown[]) => void) =>
    options.all
      ? done(null, [{ address: to.address, family: to.family }])
      : done(null, to.address, to.family)) as unknown as LookupFunction;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      lookup: pinned,
      signal,
      headers: { "user-agent": "ipv6matrix" },
    });
    req.once("response", resolve);
    req.once("error", reject);
    req.end();
  });
}

/** One message for every failure after the check: refused, reset, silent, too slow, TLS, not 2xx. */
function unreachable(source: string, url: URL, error: unknown): SourceError {
  log.warn({ source, url: url.href, reason: (error as Error).message }, "source URL not fetched");
  return new SourceError(
    `source ${source}: cannot fetch it (no answer, or no 2xx reply within api.source_timeout)`,
  );
}
