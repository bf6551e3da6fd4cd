// GET / of one host on one given address (sockets at the edge): the connection goes to that
// address and nowhere else, with the Host header and TLS SNI set to the host; the certificate
// is recorded (SHA-256 of the leaf) but not verified; redirects within the site are followed
// (redirect.ts), the body is read up to a cap, and a fetch that got no answer is tried once
// more. No comparison here (parity.ts) and no address checks (web-prober.ts makes them).

import { createHash } from "node:crypto";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { type Failure, failureOfErrno } from "../failure.js";
import type { PageFetch } from "./parity.js";
import { isRedirect, redirectStep, rootUrl } from "./redirect.js";

export interface FetchLimits {
  /** TCP connect, and the TLS handshake for https. */
  readonly connectTimeoutMs: number;
  /** One attempt, redirects included. */
  readonly timeoutMs: number;
  readonly bodyCapBytes: number;
  readonly maxRedirects: number;
  /** Tests only: the ports connected to instead of 80 and 443 (URLs and Host stay the site's). */
  readonly ports?: { readonly http: number; readonly https: number };
}

export const USER_AGENT = "ipv6matrix-web/1 (+https://github.com/ipv6matrix; same-site parity)";

class FetchFailure extends Error {
  constructor(
    readonly failure: Failure,
    message: string,
  ) {
    super(message);
  }
}

interface Response {
  readonly status: number;
  readonly location: string;
  readonly body: Buffer;
  readonly cert: string;
  readonly ttfbMs: number;
  readonly downloadMs: number;
}

/** The failure name of a client error: TLS and HTTP parse errors have their own codes. */
export function failureOf(error: unknown): Failure {
  if (error instanceof FetchFailure) return error.failure;
  const code = (error as { code?: string }).code ?? "";
  if (/^(ERR_SSL_|ERR_TLS_|EPROTO$)/.test(code) || /SSL|TLS/.test(String((error as Error).message)))
    return "ssl_failed_handshake";
  return failureOfErrno(code);
}

// One TLS context for every fetch: without it each connection builds its own, loading the
// system's CA store again (most of a handshake's CPU here), for a verification never made.
let sharedContext: SecureContext | undefined;
const secureContext = () => (sharedContext ??= createSecureContext());

/** One request on `address` for `url`; rejects with the failure when nothing answered. */
function getOnce(address: string, url: URL, limits: FetchLimits, deadline: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === "https:";
    const started = performance.now();
    const options: RequestOptions & {
      servername?: string;
      rejectUnauthorized?: boolean;
      secureContext?: SecureContext;
    } = {
      host: address,
      port: https ? (limits.ports?.https ?? 443) : (limits.ports?.http ?? 80),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      agent: false,
      headers: {
        Host: url.host,
        "User-Agent": USER_AGENT,
        Accept: "text/html,*/*",
        "Accept-Encoding": "identity",
        Connection: "close",
      },
    };
    // SNI names the host, never the address; the certificate is recorded, not required to verify.
    if (https)
      Object.assign(options, {
        servername: url.hostname,
        rejectUnauthorized: false,
        secureContext: secureContext(),
      });
    const request = (https ? httpsRequest : httpRequest)(options);
    let cert = "";
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(wholeTimer);
      request.destroy();
      reject(error);
    };
    const connectTimer = setTimeout(
      () =>
        fail(new FetchFailure("generic_timeout", `no connection to ${address} within the connect timeout`)),
      limits.connectTimeoutMs,
    );
    const wholeTimer = setTimeout(
      () => fail(new FetchFailure("generic_timeout", `${url.href} on ${address}: no full answer in time`)),
      Math.max(1, deadline - Date.now()),
    );
    request.on("socket", (socket: Socket) => {
      socket.once(https ? "secureConnect" : "connect", () => {
        clearTimeout(connectTimer);
        if (https) {
          // The X509 object is parsed lazily; getPeerCertificate() would build every field in
          // JavaScript just to hash the DER.
          const leaf = (socket as TLSSocket).getPeerX509Certificate();
          cert = leaf ? createHash("sha256").update(leaf.raw).digest("hex") : "";
        }
      });
    });
    request.on("error", fail);
    request.on("response", (response: IncomingMessage) => {
      const ttfbMs = performance.now() - started;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(wholeTimer);
        request.destroy();
        const location = response.headers.location;
        resolve({
          status: response.statusCode ?? 0,
          location: typeof location === "string" ? location : "",
          body: Buffer.concat(chunks),
          cert,
          ttfbMs,
          downloadMs: performance.now() - started - ttfbMs,
        });
      };
      response.on("data", (chunk: Buffer) => {
        const room = limits.bodyCapBytes - bytes;
        if (room <= 0) return;
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(kept);
        bytes += kept.length;
        // The cap reached: what is read is the body; the rest is never downloaded.
        if (bytes >= limits.bodyCapBytes) done();
      });
      response.on("end", done);
      // A body cut short after the headers is still an answer: the status came.
      response.on("error", done);
      response.on("aborted", done);
    });
    request.end();
  });
}

/** One attempt: GET / and the redirects within the site, up to maxRedirects. */
async function attempt(
  address: string,
  scheme: "http" | "https",
  host: string,
  limits: FetchLimits,
): Promise<PageFetch> {
  const deadline = Date.now() + limits.timeoutMs;
  let url = rootUrl(scheme, host);
  for (let redirects = 0; ; redirects++) {
    const response = await getOnce(address, url, limits, deadline);
    const page = (offSiteLocation: string): PageFetch => ({
      status: response.status,
      finalUrl: url.href,
      bytes: response.body.length,
      body: response.body.toString("utf8"),
      cert: response.cert,
      ttfbMs: response.ttfbMs,
      downloadMs: response.downloadMs,
      error: "",
      offSiteLocation,
    });
    if (!isRedirect(response.status) || response.location === "" || redirects >= limits.maxRedirects)
      return page("");
    const step = redirectStep(url, response.location, host);
    if (step.kind === "off_site") return page(step.location);
    url = step.url;
  }
}

/** GET / of `host` over `scheme` on `address`, tried once more when nothing answered. */
export async function fetchPage(
  address: string,
  scheme: "http" | "https",
  host: string,
  limits: FetchLimits,
): Promise<PageFetch> {
  let failure: Failure = "unknown_failure";
  for (let attempts = 0; attempts < 2; attempts++) {
    try {
      return await attempt(address, scheme, host, limits);
    } catch (error) {
      failure = failureOf(error);
    }
  }
  return {
    status: 0,
    finalUrl: "",
    bytes: 0,
    body: "",
    cert: "",
    ttfbMs: 0,
    downloadMs: 0,
    error: failure,
    offSiteLocation: "",
  };
}
