// The thin crawl in the distributed mode: `ipv6matrix serve resolver` and
// `serve aggregator` as processes of their own, on a real nats-server
// (JetStream) and a ClickHouse HTTP endpoint; the test drives the crawl as the
// api service will. The result must equal the one-process crawl's, written by
// hand in thin-zones.ts.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportRows } from "../../services/aggregator/export.js";
import { computeSummaries } from "../../services/aggregator/summaries.js";
import { crawlOptionsFrom } from "../../services/api/crawl-options.js";
import { runCrawl } from "../../services/api/crawl-runner.js";
import { loadConfig } from "../../services/runtime/config.js";
import { newReport, readDomainFile } from "../../services/runtime/domain-file.js";
import { migrate } from "../../services/runtime/migrate.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
import { pipelineTopology } from "../../services/runtime/topology.js";
import { connectNats } from "../../services/runtime/transport-nats.js";
import { type ClickHouseHttp, startClickHouseHttp } from "../support/clickhouse-http.js";
import { waitServing } from "../support/grpc-health.js";
import { type NatsServer, startNatsServer } from "../support/nats-server.js";
import { type Nsd, startNsd } from "../support/nsd.js";
import { offlineDns6 } from "../support/offline-dns6.js";
import { domains, expectedWwwHostData, validRanges, zones } from "./thin-zones.js";

const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Service {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly metricsPort: number;
  stderr: string;
}

describe("distributed thin crawl: serve resolver + serve aggregator on NATS and a ClickHouse endpoint", () => {
  let nsd: Nsd;
  let nats: NatsServer;
  let clickhouse: ClickHouseHttp;
  let dir: string;
  const services: Record<string, Service> = {};

  const start = async (role: string): Promise<Service> => {
    const grpcPort = await freePort();
    const metricsPort = await freePort();
    const child = spawn(process.execPath, [bin, "serve", role], {
      env: {
        ...process.env,
        IPV6MATRIX_NATS_SERVERS: nats.url,
        IPV6MATRIX_STORE_URL: clickhouse.url,
        IPV6MATRIX_RESOLVER_NAMESERVERS: nsd.endpoint,
        ...offlineDns6,
        IPV6MATRIX_RESOLVER_TIMEOUT: "1",
        IPV6MATRIX_RESOLVER_RETRIES: "0",
        IPV6MATRIX_RESOLVER_VALID_RANGES: validRanges,
        IPV6MATRIX_API_LISTEN: `127.0.0.1:${grpcPort}`,
        IPV6MATRIX_TELEMETRY_LISTEN: `127.0.0.1:${metricsPort}`,
        IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const service: Service = { child, grpcPort, metricsPort, stderr: "" };
    child.stderr!.on("data", (chunk) => {
      service.stderr += chunk;
    });
    return service;
  };

  before(async () => {
    [nsd, nats, clickhouse] = await Promise.all([startNsd(zones), startNatsServer(), startClickHouseHttp()]);
    dir = mkdtempSync(join(tmpdir(), "v6m-distributed-"));
    writeFileSync(join(dir, "domains.txt"), domains);
    // The schema first, so the two services do not race to create it.
    const store = await openClickHouseStore(clickhouse.url);
    await migrate(store);
    await store.close();
    services["resolver"] = await start("resolver");
    services["aggregator"] = await start("aggregator");
  });

  after(async () => {
    for (const service of Object.values(services))
      if (service.child.exitCode === null) service.child.kill("SIGKILL");
    await nsd?.stop();
    await clickhouse?.stop();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("each service reports SERVING over grpc.health.v1 and exports its actors' metrics", async () => {
    for (const [role, service] of Object.entries(services)) {
      assert.equal(
        await waitServing(`127.0.0.1:${service.grpcPort}`, Date.now() + 30_000),
        "SERVING",
        `${role}: ${service.stderr}`,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
      assert.match(metrics, new RegExp(`ipv6matrix_actor_in_flight\\{actor="${role}\\.`), role);
    }
  });

  it("crawls through NATS and gives the same HostData as one process", async () => {
    const store = await openClickHouseStore(clickhouse.url);
    const transport = await connectNats({
      servers: [nats.url],
      topology: pipelineTopology,
      name: "test-api",
    });
    try {
      const config = loadConfig({ env: {} });
      const report = newReport();
      const run = await runCrawl({
        store,
        transport,
        options: crawlOptionsFrom(config, "2026-11-01"),
        source: "domains.txt",
        domains: readDomainFile(join(dir, "domains.txt"), { report }),
        report,
        measures: { prober: false, geo: false },
        summarise: (crawlId) => computeSummaries(store, crawlId),
        pollMs: 200,
      });
      assert.equal(run.domains, 4);
      const rows = await exportRows(store, "hostdata", run.crawlId, true);
      const www = rows
        .filter((row) => row["type"] === "WWW")
        .map((row) => [
          row["tld"],
          row["hosts"],
          row["hosts4"],
          row["hosts6"],
          row["dualstack"],
          row["noip"],
        ]);
      assert.deepEqual(www, expectedWwwHostData);
    } finally {
      await transport.close();
      await store.close();
    }
  });

  it("stops cleanly on SIGTERM", async () => {
    for (const [role, service] of Object.entries(services)) {
      const exited = new Promise<number | null>((resolve) =>
        service.child.once("exit", (code) => resolve(code)),
      );
      service.child.kill("SIGTERM");
      assert.equal(await exited, 0, `${role}: ${service.stderr}`);
    }
  });
});
