// The fetcher against real servers on loopback (127.0.0.1 and ::1): what it connects to, the
// Host and SNI it sends, redirects, the body cap, the certificate, timeouts and the retry.
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { LoopbackServers, selfSignedCertificate } from "../../../test/support/loopback-servers.js";
import { type FetchLimits, fetchPage } from "./fetch-page.js";

const servers = new LoopbackServers();
let certPem = "";
let keyPem = "";
/** What the servers saw: Host headers, SNI names, connections to the silent server. */
const seen = { hosts: [] as string[], sni: [] as string[], silent: 0 };

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const pages: Record<string, Handler> = {
  "/": (_q, r) => r.end("<p>home page</p>"),
  "/home": (_q, r) => r.end("<p>at home</p>"),
};
let root: Handler = pages["/"]!;

function handle(request: IncomingMessage, response: ServerResponse): void {
  seen.hosts.push(request.headers.host ?? "");
  const sni = (request.socket as TLSSocket).servername;
  if (typeof sni === "string") seen.sni.push(sni);
  (request.url === "/" ? root : (pages[request.url ?? ""] ?? ((_q, r) => r.writeHead(404).end())))(
    request,
    response,
  );
}

const ports = { v4: { http: 0, https: 0 }, v6: { http: 0, https: 0 } };
let silentPort = 0;
let closedPort = 0;

before(async () => {
  // A certificate for another name: the fetcher records it, it does not verify it.
  ({ cert: certPem, key: keyPem } = selfSignedCertificate("not-the-host.invalid"));
  for (const [family, host] of [
    ["v4", "127.0.0.1"],
    ["v6", "::1"],
  ] as const) {
    ports[family].http = await servers.listen(createHttpServer(handle), host);
    ports[family].https = await servers.listen(
      createHttpsServer({ key: keyPem, cert: certPem }, handle),
      host,
    );
  }
  const silent = createTcpServer(() => {
    seen.silent++;
  });
  silentPort = await servers.listen(silent, "127.0.0.1");
  const closed = createTcpServer();
  closedPort = await servers.listen(closed, "127.0.0.1");
  closed.close();
});

after(() => servers.close());

const limits = (family: "v4" | "v6", overrides: Partial<FetchLimits> = {}): FetchLimits => ({
  connectTimeoutMs: 2000,
  timeoutMs: 5000,
  bodyCapBytes: 4096,
  maxRedirects: 3,
  ports: ports[family],
  ...overrides,
});

describe("fetchPage on loopback", () => {
  it("GETs / over http on the given address with the host's Host header", async () => {
    root = pages["/"]!;
    seen.hosts.length = 0;
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", limits("v4"));
    assert.equal(page.error, "");
    assert.equal(page.status, 200);
    assert.equal(page.finalUrl, "http://www.test.se/");
    assert.equal(page.body, "<p>home page</p>");
    assert.equal(page.bytes, 16);
    assert.equal(page.cert, "");
    assert.ok(page.ttfbMs > 0);
    assert.deepEqual(seen.hosts, ["www.test.se"]);
  });

  it("over https on IPv6 sends SNI, records the leaf certificate's SHA-256 without verifying it", async () => {
    root = pages["/"]!;
    seen.sni.length = 0;
    const page = await fetchPage("::1", "https", "www.test.se", limits("v6"));
    assert.equal(page.status, 200);
    assert.equal(page.finalUrl, "https://www.test.se/");
    const expected = createHash("sha256").update(new X509Certificate(certPem).raw).digest("hex");
    assert.equal(page.cert, expected);
    assert.deepEqual(seen.sni, ["www.test.se"]);
  });

  it("follows a redirect within the site and ends at its final URL", async () => {
    root = (_q, r) => r.writeHead(302, { Location: "/home" }).end();
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", limits("v4"));
    assert.equal(page.status, 200);
    assert.equal(page.finalUrl, "http://www.test.se/home");
    assert.equal(page.body, "<p>at home</p>");
    assert.equal(page.offSiteLocation, "");
  });

  it("does not follow a redirect off the site, and says where it led", async () => {
    root = (_q, r) => r.writeHead(301, { Location: "https://elsewhere.test/" }).end();
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", limits("v4"));
    assert.equal(page.status, 301);
    assert.equal(page.finalUrl, "http://www.test.se/");
    assert.equal(page.offSiteLocation, "https://elsewhere.test/");
  });

  it("stops after max_redirects", async () => {
    root = (_q, r) => r.writeHead(302, { Location: "/" }).end();
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", limits("v4", { maxRedirects: 2 }));
    assert.equal(page.status, 302);
    assert.equal(page.error, "");
  });

  it("reads the body up to the cap only", async () => {
    root = (_q, r) => r.end("x".repeat(100_000));
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", limits("v4", { bodyCapBytes: 1024 }));
    assert.equal(page.status, 200);
    assert.equal(page.bytes, 1024);
  });

  it("names a refused connection", async () => {
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", {
      ...limits("v4"),
      ports: { http: closedPort, https: closedPort },
    });
    assert.equal(page.status, 0);
    assert.equal(page.error, "connection_refused");
  });

  it("times out on a server that never answers, after one retry", async () => {
    seen.silent = 0;
    const page = await fetchPage("127.0.0.1", "http", "www.test.se", {
      ...limits("v4", { timeoutMs: 300 }),
      ports: { http: silentPort, https: silentPort },
    });
    assert.equal(page.error, "generic_timeout");
    assert.equal(seen.silent, 2);
  });

  it("names a failed TLS handshake", async () => {
    // Port 80's plain HTTP server spoken to in TLS.
    const page = await fetchPage("127.0.0.1", "https", "www.test.se", {
      ...limits("v4"),
      ports: { http: ports.v4.http, https: ports.v4.http },
    });
    assert.equal(page.status, 0);
    assert.equal(page.error, "ssl_failed_handshake");
  });
});
