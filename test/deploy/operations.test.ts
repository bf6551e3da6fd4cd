// The operations dashboard reads only metrics the services export: `serve all`
// (every role in one process, so every registry) is started on loopback and every
// metric name in the checked-in dashboard's PromQL must be one /metrics declares
// (a histogram's _bucket, _sum and _count included), with the labels the queries
// group by.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { waitServing } from "../support/grpc-health.js";
import { freePort } from "../support/service-process.js";

const repo = join(import.meta.dirname, "../..");
const dashboard = JSON.parse(
  readFileSync(join(repo, "deploy/grafana/ipv6matrix-operations.json"), "utf8"),
) as {
  panels: { title: string; targets: { expr: string }[] }[];
};

describe("the operations dashboard's queries against what /metrics exports", () => {
  let child: ChildProcess;
  let dataDir: string;
  let exposition = "";

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "v6m-operations-"));
    const grpcPort = await freePort();
    const metricsPort = await freePort();
    child = spawn(
      process.execPath,
      [
        join(repo, "bin/ipv6matrix.mjs"),
        "serve",
        "all",
        "--set",
        `store.data_dir=${dataDir}`,
        "--set",
        `api.listen=127.0.0.1:${grpcPort}`,
        "--set",
        `telemetry.listen=127.0.0.1:${metricsPort}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    assert.equal(await waitServing(`127.0.0.1:${grpcPort}`, Date.now() + 120_000), "SERVING", stderr);
    exposition = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("every metric a panel queries is declared, with the labels it groups by", () => {
    const declared = new Map<string, string>();
    for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      declared.set(name!, type!);
      if (type === "histogram")
        for (const suffix of ["_bucket", "_sum", "_count"]) declared.set(name + suffix, type);
    }
    assert.ok(dashboard.panels.length >= 8);
    const missing: string[] = [];
    for (const panel of dashboard.panels)
      for (const target of panel.targets)
        for (const [name] of target.expr.matchAll(/\bipv6matrix_[a-z0-9_]+/g))
          if (!declared.has(name)) missing.push(`${panel.title}: ${name}`);
    assert.deepEqual(missing, []);
  });

  it("names the actors, DNS outcomes and store tables the panels break down by", () => {
    // Labels show on samples: the actors are running (in-flight gauges are set at start).
    assert.match(exposition, /^ipv6matrix_actor_in_flight\{actor="resolver\.domain"\} /m);
    assert.match(exposition, /^ipv6matrix_actor_in_flight\{actor="prober\.address"\} /m);
    // Declared with the label names the panels group by (samples appear with the first crawl).
    assert.match(exposition, /^# HELP ipv6matrix_dns_questions_total /m);
    assert.match(exposition, /^# TYPE ipv6matrix_store_insert_seconds histogram$/m);
    assert.match(exposition, /^# TYPE ipv6matrix_prober_icmp_events gauge$/m);
  });
});
