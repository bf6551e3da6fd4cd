// Run inside the lab's vantage namespace by lab-distributed.test.ts (not on
// its own): a real nats-server, a ClickHouse endpoint, and every service as a
// process of its own (api, two resolvers, two probers, geo, aggregator); the
// default scenario submitted over gRPC with `ipv6matrix submit`, followed with
// `watch`; the result compared with the hand-written expectations.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { migrate } from "../../services/runtime/migrate.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
import {
  checkAddresses,
  checkDns6,
  checkHosts,
  checkJobs,
  checkSummaries,
  checkWebParity,
  exportedTables,
  labCertificates,
  type Row,
  type Tables,
} from "../lab/expectations.js";
import { checkReadiness, readinessTables } from "../lab/readiness-expectations.js";
import { type ClickHouseHttp, startClickHouseHttp } from "../support/clickhouse-http.js";
import { runCommand } from "../support/command.js";
import { type NatsServer, startNatsServer } from "../support/nats-server.js";

// Given by lab-distributed.test.ts (node --test takes extra arguments as more test files).
const lab = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this file through lab-distributed.test.ts`);
  return value;
};
const configPath = lab("V6M_LAB_CONFIG");
const domainsFile = lab("V6M_LAB_DOMAINS");
const expectedFile = lab("V6M_LAB_EXPECTED");
const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("the default scenario, every service a process of its own, on NATS", () => {
  let nats: NatsServer;
  let clickhouse: ClickHouseHttp;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let api = "";
  const services: { role: string; child: ChildProcess; log: string[] }[] = [];
  const tables: Tables = {};
  let crawlId = "";

  before(async () => {
    [nats, clickhouse] = await Promise.all([startNatsServer(), startClickHouseHttp()]);
    dir = mkdtempSync(join(tmpdir(), "v6m-distributed-lab-"));
    env = {
      ...process.env,
      IPV6MATRIX_CONFIG: configPath,
      IPV6MATRIX_NATS_SERVERS: nats.url,
      IPV6MATRIX_STORE_URL: clickhouse.url,
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
    };
    const store = await openClickHouseStore(clickhouse.url);
    await migrate(store);
    await store.close();
    for (const role of ["aggregator", "geo", "prober", "prober", "resolver", "resolver", "api"]) {
      const port = await freePort();
      if (role === "api") api = `127.0.0.1:${port}`;
      const child = spawn(process.execPath, [bin, "serve", role], {
        cwd: repo,
        env: {
          ...env,
          IPV6MATRIX_API_LISTEN: `127.0.0.1:${port}`,
          IPV6MATRIX_STORE_DATA_DIR: join(dir, `${role}-${port}`),
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      const log: string[] = [];
      child.stderr!.on("data", (chunk) => log.push(String(chunk)));
      services.push({ role, child, log });
    }
  });

  after(async () => {
    for (const service of services) if (service.child.exitCode === null) service.child.kill("SIGTERM");
    await Promise.all(
      services.map((s) =>
        s.child.exitCode === null ? new Promise((resolve) => s.child.once("exit", resolve)) : undefined,
      ),
    );
    await clickhouse?.stop();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("submits the domains over gRPC and follows the crawl to completed", async () => {
    const logs = () => services.map((s) => `${s.role}: ${s.log.join("").slice(-800)}`).join("\n");
    let submitted = await runCommand(process.execPath, [bin, "submit", "--api", api, domainsFile], {
      cwd: repo,
      env,
    });
    // The api may still be starting: try again for a while.
    for (
      let i = 0;
      i < 60 && submitted.code !== 0 && /UNAVAILABLE|No connection/.test(submitted.stderr);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      submitted = await runCommand(process.execPath, [bin, "submit", "--api", api, domainsFile], {
        cwd: repo,
        env,
      });
    }
    assert.equal(submitted.code, 0, submitted.stderr + logs());
    crawlId = submitted.stdout.trim();
    const watched = await runCommand(process.execPath, [bin, "watch", "--api", api, crawlId], {
      cwd: repo,
      env,
    });
    assert.equal(watched.code, 0, watched.stdout + watched.stderr + logs());
    for (const table of [...exportedTables, ...readinessTables]) {
      const out = await runCommand(
        process.execPath,
        [bin, "export", table, "--crawl", crawlId, "--format", "jsonl"],
        { cwd: repo, env },
      );
      assert.equal(out.code, 0, out.stderr);
      tables[table] = out.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Row);
    }
  });

  it("reports exactly what the embedded run reports: the hand-written expectations", () => {
    const expected = parse(readFileSync(expectedFile, "utf8")) as Row;
    assert.deepEqual(
      [
        ...checkJobs(expected, tables),
        ...checkHosts(expected, tables),
        ...checkAddresses(expected, tables),
        ...checkDns6(expected, tables),
      ],
      [],
    );
    assert.deepEqual(checkSummaries(expected, tables), {
      HostData: [],
      Reachability: [],
      Domains: [],
      DomainPenetration: [],
    });
    assert.deepEqual(checkReadiness(expected, tables), { ReadinessDomains: [], Readiness: [] });
  });

  it("fetches every WWW host with a valid IPv6 address over both families: the hand-written web_parity rows (issue 19)", () => {
    const expected = parse(readFileSync(expectedFile, "utf8")) as Row;
    assert.deepEqual(checkWebParity(expected, tables, labCertificates(lab("V6M_LAB_STATE_DIR"))), []);
  });
});
