// The bundle bin/ipv6matrix.mjs runs (bin/bundle.mjs, decision 019): built once per state of the
// sources, again after an edit, shared by processes started together, and its worker threads
// start from its own entries (a thread that loaded the TypeScript instead would need tsx).

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { bundle, ENTRIES } from "../../bin/bundle.mjs";
import type { SmtpReply, SmtpRequest } from "../../services/prober/smtp-thread.js";
import type { DnsAsker } from "../../services/resolver/dns-thread.js";
import { zones } from "../resolver/zones.js";
import { type Nsd, startNsd } from "../support/nsd.js";

const root = resolve(import.meta.dirname, "../..");
const bundleModule = join(root, "bin/bundle.mjs");

/** A copy of the sources the bundle is made of, to edit without touching the real ones. */
function sourcesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "v6m-bundle-"));
  for (const folder of ["services", "gen", "config"])
    cpSync(join(root, folder), join(dir, folder), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

describe("the bundle of the sources", () => {
  const copies: string[] = [];
  after(() => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  it("is built once for the sources as they are, and again after an edit", async () => {
    const copy = sourcesCopy();
    copies.push(copy);
    const first = await bundle(copy);
    for (const name of Object.keys(ENTRIES)) assert.ok(existsSync(join(first, `${name}.mjs`)), name);
    const built = statSync(join(first, "main.mjs")).mtimeMs;
    assert.equal(await bundle(copy), first);
    assert.equal(statSync(join(first, "main.mjs")).mtimeMs, built, "the second call built it again");

    appendFileSync(join(copy, "services/cli/main.ts"), "\n// edited\n");
    const second = await bundle(copy);
    assert.notEqual(second, first);
    assert.ok(existsSync(join(first, "main.mjs")), "the earlier bundle (a running process's) was removed");
  });

  it("is shared by processes that start together, with no half-built folder left", async () => {
    const copy = sourcesCopy();
    copies.push(copy);
    const build = `import(${JSON.stringify(bundleModule)}).then((m) => m.bundle(${JSON.stringify(copy)})).then((d) => console.log(d))`;
    const folders = await Promise.all(
      [1, 2, 3].map(async () => {
        const child = spawn(process.execPath, ["-e", build], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += chunk;
        });
        const [code] = await once(child, "exit");
        assert.equal(code, 0);
        return out.trim();
      }),
    );
    assert.equal(new Set(folders).size, 1, folders.join(" "));
    assert.deepEqual(
      readdirSync(join(copy, "dist")).filter((name) => name.startsWith(".")),
      [],
      "a building folder was left behind",
    );
  });
});

describe("the command without the bundle", () => {
  it("runs the sources through tsx with IPV6MATRIX_BUNDLE=0, and takes the variable as no setting", () => {
    const store = mkdtempSync(join(tmpdir(), "v6m-bundle-store-"));
    try {
      // A command that reads the configuration (environment included) and then the store.
      const run = spawnSync(
        process.execPath,
        [join(root, "bin/ipv6matrix.mjs"), "export", "domains", "--set", `store.data_dir=${store}/data`],
        { encoding: "utf8", env: { ...process.env, IPV6MATRIX_BUNDLE: "0" } },
      );
      assert.match(run.stderr, /no crawl in the store .* yet/);
      assert.equal(run.status, 2, run.stderr);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});

describe("the bundle's worker threads", () => {
  let dir: string;
  let nsd: Nsd;
  let smtp: Server;
  before(async () => {
    dir = await bundle();
    nsd = await startNsd(zones);
    // An MTA without STARTTLS: greeting, EHLO, QUIT.
    smtp = createServer((socket) => {
      socket.on("error", () => {});
      socket.write("220 mx.test ESMTP\r\n");
      socket.on("data", (chunk) => {
        const line = chunk.toString().trim().toUpperCase();
        if (line.startsWith("EHLO")) socket.write("250-mx.test\r\n250 8BITMIME\r\n");
        else if (line === "QUIT") socket.end("221 bye\r\n");
      });
    });
    await new Promise<void>((done) => smtp.listen(0, "127.0.0.1", done));
  });
  after(async () => {
    await nsd?.stop();
    smtp?.close();
  });

  it("the DNS client's thread answers from the bundle", async () => {
    // The entry exports what its source does; its ThreadedDnsClient starts dns-thread.mjs.
    const { ThreadedDnsClient } = (await import(join(dir, "dns-thread.mjs"))) as {
      ThreadedDnsClient: new (options: object) => DnsAsker;
    };
    const dns = new ThreadedDnsClient({
      servers: [{ host: nsd.address, port: nsd.port }],
      timeoutMs: 2000,
      retries: 1,
      maxInFlight: 10,
    });
    try {
      const answer = await dns.query("www.r.example", "A");
      assert.equal(answer.outcome, "OK");
      assert.deepEqual(
        answer.records.map((r) => (r as { data: string }).data),
        ["192.0.2.1"],
      );
    } finally {
      dns.close();
    }
  });

  it("the SMTP thread probes from the bundle", async () => {
    const worker = new Worker(new URL(`file://${join(dir, "smtp-thread.mjs")}`));
    try {
      const port = (smtp.address() as { port: number }).port;
      const request: SmtpRequest = { id: 7, ip: "127.0.0.1", options: { timeoutMs: 2000, tls: true, port } };
      worker.postMessage(request);
      const [reply] = (await once(worker, "message")) as [SmtpReply];
      assert.equal(reply.id, 7);
      assert.ok("outcome" in reply, JSON.stringify(reply));
      assert.equal(reply.outcome.starttls, false);
      assert.deepEqual(reply.outcome.steps.map((step) => `${step.step}:${step.outcome}`).slice(0, 3), [
        "connect:ok",
        "greeting:ok",
        "ehlo:ok",
      ]);
    } finally {
      await worker.terminate();
    }
  });
});
