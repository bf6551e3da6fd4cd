// Submitted sources read nothing they should not: a path only under api.source_dir (after
// symlinks), a URL only over http(s) and never to a special-purpose address unless allowed,
// at every redirect too, with one message for every failure after the check. Loopback only.

import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type SourceLimits, SourceRefused, SourceTooLarge, spoolSource } from "./domain-source.js";

describe("submitted sources", () => {
  let dir: string;
  let sourceDir: string;
  let spool: string;
  let http: Server;
  let silent: TcpServer;
  let port: number;
  let silentPort: number;
  let closedPort: number;
  const requests: string[] = [];
  const limits = (more: Partial<SourceLimits> = {}): SourceLimits => ({
    sourceDir,
    maxBytes: 2048,
    allowRanges: ["127.0.0.1/32"],
    timeoutMs: 2000,
    ...more,
  });
  const spoolFiles = () => readdirSync(join(dir, "spool"));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-source-"));
    sourceDir = join(dir, "sources");
    mkdirSync(sourceDir);
    mkdirSync(join(dir, "spool"));
    spool = join(dir, "spool", "c1.txt");
    writeFileSync(join(sourceDir, "list.txt"), "alpha.com\nbeta.com\n");
    writeFileSync(join(sourceDir, "big.txt"), "a.com\n".repeat(1000));
    writeFileSync(join(dir, "secret.txt"), "root:$6$hash:19000:0:99999:7:::\n");
    symlinkSync(join(dir, "secret.txt"), join(sourceDir, "link.txt"));
    symlinkSync("/etc", join(sourceDir, "etc"));
    http = createHttpServer((request, response) => {
      requests.push(`${request.headers.host}${request.url}`);
      if (request.url === "/list.txt") response.writeHead(200).end("alpha.com\n");
      else if (request.url === "/big.txt") response.writeHead(200).end("a.com\n".repeat(1000));
      else if (request.url?.startsWith("/to?"))
        response.writeHead(302, { location: decodeURIComponent(request.url.slice(4)) }).end();
      else response.writeHead(404).end("not here");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    port = (http.address() as { port: number }).port;
    // A port that accepts and never answers, and one that is closed.
    silent = createTcpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });

  after(() => {
    http?.close();
    silent?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reads a path under api.source_dir, and nothing outside it, symlinks included", async () => {
    await spoolSource("list.txt", spool, limits());
    assert.equal(readFileSync(spool, "utf8"), "alpha.com\nbeta.com\n");
    rmSync(spool);
    for (const source of [
      "/etc/shadow",
      "../secret.txt",
      join(dir, "secret.txt"),
      "link.txt",
      "etc/shadow",
    ]) {
      await assert.rejects(spoolSource(source, spool, limits()), (error: Error) => {
        assert.ok(error instanceof SourceRefused, `${source}: ${error.message}`);
        assert.equal(
          error.message,
          `source ${source}: not inside the server's source folder (api.source_dir)`,
        );
        return true;
      });
    }
    assert.deepEqual(spoolFiles(), [], "nothing copied");
  });

  it("refuses every path when api.source_dir is not set", async () => {
    await assert.rejects(
      spoolSource("/etc/shadow", spool, limits({ sourceDir: "" })),
      /^SourceRefused: source \/etc\/shadow: sources by path are off on this server \(api.source_dir is not set\)/,
    );
    assert.deepEqual(spoolFiles(), []);
  });

  it("applies api.max_source_bytes to paths and URLs alike, and keeps no partial copy", async () => {
    await assert.rejects(spoolSource("big.txt", spool, limits()), SourceTooLarge);
    await assert.rejects(spoolSource(`http://127.0.0.1:${port}/big.txt`, spool, limits()), SourceTooLarge);
    assert.deepEqual(spoolFiles(), []);
  });

  it("fetches an allowed http URL", async () => {
    await spoolSource(`http://127.0.0.1:${port}/list.txt`, spool, limits());
    assert.equal(readFileSync(spool, "utf8"), "alpha.com\n");
    rmSync(spool);
  });

  it("never fetches a special-purpose address unless allowed: loopback by address or name, at every redirect", async () => {
    requests.length = 0;
    const refused = async (source: string, reason: RegExp, allowRanges: string[] = []) =>
      assert.rejects(spoolSource(source, spool, limits({ allowRanges })), (error: Error) => {
        assert.ok(error instanceof SourceRefused, `${source}: ${error.message}`);
        assert.match(error.message, reason);
        return true;
      });
    await refused(
      `http://127.0.0.1:${port}/list.txt`,
      /^source \S+: 127.0.0.1: special-purpose range 127.0.0.0\/8 \(loopback.*; never fetched unless api.source_allow_ranges allows it$/,
    );
    await refused(`http://localhost:${port}/list.txt`, /localhost is (127.0.0.1|::1): special-purpose range/);
    await refused(`http://[::1]:${port}/list.txt`, /::1: special-purpose range ::1\/128/);
    await refused(`http://169.254.169.254/latest/meta-data/`, /link-local/);
    await refused(`http://10.1.2.3/`, /private/);
    assert.deepEqual(requests, [], "no request reached the loopback server");
    // Allowed: 127.0.0.1 only. A redirect to another loopback address, or to the server's own
    // metrics on [::1], is checked again and refused before any connection.
    const redirect = (to: string) => `http://127.0.0.1:${port}/to?${encodeURIComponent(to)}`;
    await refused(redirect(`http://127.0.0.2:${port}/list.txt`), /127.0.0.2: special-purpose range/, [
      "127.0.0.1/32",
    ]);
    await refused(redirect(`http://[::1]:9464/metrics`), /::1: special-purpose range/, ["127.0.0.1/32"]);
    await refused(redirect("file:///etc/shadow"), /only http and https URLs are fetched/, ["127.0.0.1/32"]);
    await refused("file:///etc/shadow", /only http and https URLs are fetched/);
    await refused("ftp://127.0.0.1/list.txt", /only http and https URLs are fetched/);
    assert.deepEqual(requests.length, 3, "only the three redirecting requests were answered");
    assert.deepEqual(spoolFiles(), []);
  });

  it("says the same for a closed port, a silent one, a non-HTTP answer and a 404", async () => {
    const sources = [
      `http://127.0.0.1:${closedPort}/list.txt`,
      `http://127.0.0.1:${silentPort}/list.txt`,
      `https://127.0.0.1:${port}/list.txt`,
      `http://127.0.0.1:${port}/missing.txt`,
    ];
    const messages = [];
    for (const source of sources) {
      const error = await spoolSource(source, spool, limits({ timeoutMs: 300 })).then(
        () => assert.fail(`${source} fetched`),
        (e: Error) => e,
      );
      messages.push(error.message.replace(source, "URL"));
    }
    assert.deepEqual(
      messages,
      new Array(sources.length).fill(
        "source URL: cannot fetch it (no answer, or no 2xx reply within api.source_timeout)",
      ),
    );
    assert.deepEqual(spoolFiles(), []);
  });
});
