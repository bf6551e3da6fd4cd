import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { nodeReport, reportOptions } from "./node-report.js";

test("a running process's report names the connection it holds open", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "v6m-report-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  // A process that connects and then only waits: its one connection is what the report must show.
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("net").connect(${port}, "127.0.0.1", () => console.log("connected")); setInterval(() => {}, 1000);`,
    ],
    { env: { ...process.env, NODE_OPTIONS: reportOptions(dir) }, stdio: ["ignore", "pipe", "ignore"] },
  );
  t.after(() => child.kill("SIGKILL"));
  await new Promise((resolve) => child.stdout!.once("data", resolve));
  const line = await nodeReport(child.pid!, dir);
  assert.match(line, new RegExp(`^pid ${child.pid}: loop idle .*tcp to :${port} x1;`));
});
