// Expected failures of the surroundings, run through the real command (issue 16,
// low findings): each ends in one line naming the problem, never a stack trace,
// and a server started through npx stops when npx is told to.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const root = join(import.meta.dirname, "../..");
const bin = join(root, "bin/ipv6matrix.mjs");
const dir = mkdtempSync(join(tmpdir(), "v6m-cli-low-"));
const domains = join(dir, "domains.txt");
writeFileSync(domains, "example.com\n");
let stores = 0;
/** A data folder no other case uses. */
const freshStore = () => join(dir, `store-${++stores}`);

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    // Logs at error only: a warning of geo (no city database) is a log line, not the error's.
    env: {
      ...process.env,
      IPV6MATRIX_STORE_DATA_DIR: freshStore(),
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "error",
      ...env,
    },
    timeout: 120_000,
  });
  return { code: result.status, lines: result.stderr.trim().split("\n"), stderr: result.stderr };
}

function assertOneLine(result: ReturnType<typeof run>, pattern: RegExp, code?: number) {
  assert.notEqual(result.code, 0, result.stderr);
  if (code !== undefined) assert.equal(result.code, code, result.stderr);
  assert.equal(result.lines.length, 1, result.stderr);
  assert.match(result.lines[0]!, pattern);
}

/** A TCP listener on loopback; `answer` false: it takes connections and never says a word. */
async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe("expected errors of ipv6matrix are one line", () => {
  it("export on a new store", () => {
    assertOneLine(
      run(["export", "domains"]),
      /export: no crawl in the store .*store-\d+ yet \(a new store\)/,
      2,
    );
    assertOneLine(run(["summarise", "c1"]), /no crawl in the store .* yet/);
  });

  it("a store folder that is a file or cannot be made", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    assertOneLine(
      run(["export", "domains"], { IPV6MATRIX_STORE_DATA_DIR: file }),
      /store\.data_dir .*a-file: it \(or a folder above it\) is a file, not a folder/,
      1,
    );
    assertOneLine(
      run(["export", "domains"], { IPV6MATRIX_STORE_DATA_DIR: join(file, "below") }),
      /store\.data_dir .*a-file\/below: it \(or a folder above it\) is a file/,
    );
    // Nobody, root included, creates a folder in /proc: what a read-only place gives.
    assertOneLine(
      run(["export", "domains"], { IPV6MATRIX_STORE_DATA_DIR: "/proc/v6m-no-store" }),
      /store\.data_dir \/proc\/v6m-no-store: cannot create it \(ENOENT\)/,
    );
  });

  it("a store another process holds", async () => {
    const held = freshStore();
    const holder = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import("./services/runtime/store-chdb.ts").then(async (m) => {
           await m.openChdbStore(${JSON.stringify(held)});
           process.stdout.write("held\\n");
           setInterval(() => {}, 1000);
         })`,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("held") && resolve());
        holder.once("exit", (code) => reject(new Error(`the holder exited (${code})`)));
      });
      assertOneLine(
        run(["export", "domains"], { IPV6MATRIX_STORE_DATA_DIR: held }),
        new RegExp(`the store .*store-\\d+ is in use by another process \\(pid ${holder.pid}\\)`),
        1,
      );
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("a date that is no calendar date", () => {
    assertOneLine(
      run(["export", "domains", "--date", "2026-02-30"]),
      /--date 2026-02-30: expected a calendar date/,
      2,
    );
    // Was a RangeError from Date.toISOString.
    assertOneLine(
      run(["export", "domains", "--date", "2026-13-45"]),
      /--date 2026-13-45: expected a calendar date/,
      2,
    );
    assertOneLine(
      run(["crawl", "--date", "2026-13-45", domains]),
      /--date 2026-13-45: expected a calendar date/,
      2,
    );
    assertOneLine(
      run(["import", "legacy", "--csv", dir, "--date", "2026-13-45"]),
      /--date 2026-13-45: expected a calendar date/,
      2,
    );
  });

  it("export --out into a missing folder", () => {
    // A store with one completed crawl, written as the crawl runner writes it (no network needed).
    const store = freshStore();
    const seeded = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `const { openChdbStore } = await import("./services/runtime/store-chdb.ts");
         const { migrate } = await import("./services/runtime/migrate.ts");
         const { saveCrawl } = await import("./services/runtime/crawls.ts");
         const store = await openChdbStore(${JSON.stringify(store)});
         await migrate(store);
         await saveCrawl(store, { crawl_id: "c20260102-seeded", date: "2026-01-02", state: "completed",
           options: "{}", source: "seed", domains: 0, rejected: 0, started_at: "2026-01-02 12:00:00",
           finished_at: "2026-01-02 12:01:00", published: 0, error: "" });
         await store.close();`,
      ],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(seeded.status, 0, seeded.stderr);
    const out = join(dir, "missing-folder", "domains.csv");
    assertOneLine(
      run(["export", "domains", "--out", out], { IPV6MATRIX_STORE_DATA_DIR: store }),
      /--out .*missing-folder\/domains\.csv: cannot write it: no such folder/,
      1,
    );
  });

  it("serve on a port in use", async () => {
    const { server, port } = await listener();
    try {
      assertOneLine(
        run(["serve", "all", "--set", `api.listen=127.0.0.1:${port}`, "--set", "telemetry.listen="]),
        new RegExp(`api\\.listen 127\\.0\\.0\\.1:${port}: the port is in use`),
        1,
      );
    } finally {
      server.close();
    }
  });

  it("a store URL whose listener never answers", async () => {
    const { server, port } = await listener();
    try {
      assertOneLine(
        run(["export", "domains", "--set", `store.url=http://127.0.0.1:${port}/default`]),
        new RegExp(`ClickHouse at 127\\.0\\.0\\.1:${port}: no answer within \\d+ s`),
        1,
      );
    } finally {
      server.close();
    }
  });

  it("a domain file that is a folder or cannot be read", () => {
    const folder = join(dir, "a-folder.txt");
    mkdirSync(folder);
    assertOneLine(run(["crawl", folder]), /domain file .*a-folder\.txt: it is a folder, not a file/, 2);
    // Root reads any file whatever its mode; a file whose read fails is what an unreadable one gives.
    assertOneLine(
      run(["crawl", "/proc/self/mem"]),
      /domain file \/proc\/self\/mem: cannot read it \(EIO\)/,
      2,
    );
  });

  it("an empty domain file is refused, and stores nothing", () => {
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "# nothing here\n\n");
    const store = freshStore();
    assertOneLine(
      run(["crawl", empty], { IPV6MATRIX_STORE_DATA_DIR: store }),
      /domain file .*empty\.txt: no domain to crawl \(2 lines: 0 bad, 0 duplicates, 0 blocked/,
      2,
    );
    assert.equal(existsSync(store), false);
  });
});

describe("the configuration refuses what it does not know, in one line", () => {
  it("a log level pino does not know, from the environment", () => {
    assertOneLine(
      run(["export", "domains"], { IPV6MATRIX_TELEMETRY_LOG_LEVEL: "verbose" }),
      /environment IPV6MATRIX_TELEMETRY_LOG_LEVEL: telemetry\.log_level = "verbose" is not allowed: one of trace, debug/,
      2,
    );
  });
  it("--set of a key every object has", () => {
    for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty"])
      assertOneLine(
        run(["export", "domains", "--set", `${key}=3`]),
        new RegExp(`--set ${key}=3: unknown key ${key}`),
        2,
      );
  });
  it("a number that is not finite is shown as given", () => {
    assertOneLine(
      run(["export", "domains", "--set", "resolver.timeout=Infinity"]),
      /resolver\.timeout = "Infinity" is not allowed: a number from 0\.001 to 60/,
    );
    const config = join(dir, "inf.yaml");
    writeFileSync(config, "resolver:\n  timeout: .inf\n");
    assertOneLine(
      run(["export", "domains", "--config", config]),
      /inf\.yaml:2: resolver\.timeout = Infinity is not allowed: a number from 0\.001 to 60/,
    );
  });
  it("YAML aliases", () => {
    const config = join(dir, "alias.yaml");
    writeFileSync(config, "resolver:\n  retries: &n 2\n  sockets: *n\n");
    assertOneLine(
      run(["export", "domains", "--config", config]),
      /alias\.yaml:3: YAML aliases \(\*n\) are not supported: write the value out/,
      2,
    );
  });
  it("--config /dev/zero is not read to the end", () => {
    assertOneLine(
      run(["export", "domains", "--config", "/dev/zero"]),
      /config file \/dev\/zero: larger than 1048576 bytes/,
      2,
    );
  });
});

describe("npx ipv6matrix serve", () => {
  it("stops on SIGTERM to npx, releasing its port and the store", async () => {
    const store = freshStore();
    const { server, port } = await listener();
    // Taken and given back: a free port for the server to listen on.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const npx = spawn(
      "npx",
      ["ipv6matrix", "serve", "all", "--set", `api.listen=127.0.0.1:${port}`, "--set", "telemetry.listen="],
      {
        cwd: root,
        env: { ...process.env, IPV6MATRIX_STORE_DATA_DIR: store, IPV6MATRIX_TELEMETRY_LOG_LEVEL: "info" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let log = "";
    // The server's own pid, from its "serving" event: it is npx's grandchild, through a shell.
    const pid = await new Promise<number>((resolve, reject) => {
      npx.stderr.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        const serving = log.split("\n").find((line) => line.includes('"msg":"serving"'));
        if (serving) resolve((JSON.parse(serving) as { pid: number }).pid);
      });
      npx.once("exit", (code) => reject(new Error(`npx exited (${code}) before serving:\n${log}`)));
    });
    assert.notEqual(pid, npx.pid);
    npx.kill("SIGTERM");
    // Gone once it has drained: polled, with the test runner's own timeout as the bound.
    while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.match(log, /"msg":"stopping"/);
    // Its port and its store are free again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once("error", reject);
      again.listen(port, "127.0.0.1", resolve);
    });
    again.close();
    assertOneLine(
      run(["export", "domains"], { IPV6MATRIX_STORE_DATA_DIR: store }),
      /no completed crawl in the store/,
    );
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
