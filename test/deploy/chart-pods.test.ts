// The chart's pods, run: helm/ipv6matrix rendered with values for the lab (the
// lab scenario's crawler settings as values.config, its nats-server and
// ClickHouse endpoint as external services, a token), then every replica of
// every Deployment started with podman as a kubelet would start it
// (pod-runner.ts: image, command, args, env from the rendered Secrets, the
// ConfigMap and emptyDir mounts, user, read-only root, capabilities) inside the
// lab's vantage namespace. The monthly CronJob's container submits the lab's
// domains through the api with the token; the crawl must give the scenario's
// hand-written expectations. Deviations from a cluster: the containers share
// one network namespace, so each gets its own api.listen/telemetry.listen port
// (IPV6MATRIX_API_LISTEN/_TELEMETRY_LISTEN), and the test stands in for the
// Service (the CronJob's --api names 127.0.0.1:<api port>).
// Needs root, podman and the lab (flock /run/v6m-lab.lock).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import {
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { parse, parseAllDocuments, stringify } from "yaml";
import {
  checkAddresses,
  checkDns6,
  checkHosts,
  checkJobs,
  checkSummaries,
  exportedTables,
  type Row,
  type Tables,
} from "../lab/expectations.js";
import { type Lab, startLab } from "../lab/lab.js";
import { runCommand } from "../support/command.js";
import { helmBinary } from "./helm-binary.js";
import { type Manifest, podmanRunArgs } from "./pod-runner.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");
const token = "chart-pods-test-token";
const podman = (args: string[], timeoutMs = 120_000) =>
  runCommand("podman", ["--runtime", "runc", "--cgroup-manager", "cgroupfs", ...args], { timeoutMs });

describe("the chart's pods as containers in the lab: a crawl submitted by the CronJob's container", () => {
  let lab: Lab & AsyncDisposable;
  let work: string;
  let backends: ChildProcess | undefined;
  const containers: string[] = [];
  const grpcPorts: Record<string, number> = {};
  let storeUrl = "";
  let apiDataDir = "";
  let objects: Manifest[] = [];
  const tables: Tables = {};
  let crawlId = "";
  const inLab = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    runCommand("bash", [join(repo, "test/lab/in-netns.sh"), lab.vantage, cmd, ...args], {
      cwd: repo,
      env,
      timeoutMs: 600_000,
    });
  const logs = async () => {
    const out: string[] = [];
    for (const name of containers) out.push(`${name}: ${(await podman(["logs", name])).stderr.slice(-600)}`);
    return out.join("\n");
  };

  before(async () => {
    const built = await runCommand("bash", [join(repo, "deploy/build-image.sh")], {
      cwd: repo,
      timeoutMs: 1_800_000,
    });
    assert.equal(built.code, 0, built.stderr.slice(-3000));
    work = mkdtempSync(join(tmpdir(), "v6m-chart-pods-"));
    lab = await startLab("default");

    // nats-server and the ClickHouse endpoint on the vantage namespace's loopback.
    const started = spawn(
      "bash",
      [
        join(repo, "test/lab/in-netns.sh"),
        lab.vantage,
        process.execPath,
        "--import",
        "tsx",
        join(repo, "test/deploy/lab-backends.ts"),
      ],
      {
        cwd: repo,
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    backends = started;
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: started.stdout! }).once("line", resolve);
      started.once("exit", () => reject(new Error("lab-backends.ts exited before listening")));
    });
    const { nats, clickhouse } = JSON.parse(line) as { nats: string; clickhouse: string };
    storeUrl = clickhouse;
    const endpoint = new URL(clickhouse);

    // Values: the lab's crawler settings (paths of the MaxMind files inside the geo pod).
    const labConfig = parse(readFileSync(lab.configPath, "utf8")) as Record<string, Record<string, unknown>>;
    const geoDir = join(repo, "test/geo/db/geoip2");
    const values = {
      config: {
        resolver: labConfig["resolver"],
        prober: labConfig["prober"],
        trace: labConfig["trace"],
        tcp: labConfig["tcp"],
        geoip: { citydb: "/geoip/GeoLite2-City-lab.mmdb", asndb: "/geoip/GeoLite2-ASN-lab.mmdb" },
        telemetry: { log_level: "warn" },
      },
      nats: { servers: [nats] },
      clickhouse: {
        host: endpoint.hostname,
        port: Number(endpoint.port),
        database: "default",
        username: "default",
        password: "",
      },
      api: { token },
      geoip: { volume: { hostPath: { path: geoDir, type: "Directory" } } },
      crawl: { source: "/data/sources/domains.txt" },
    };
    const valuesFile = join(work, "values.yaml");
    writeFileSync(valuesFile, stringify(values));
    const rendered = await runCommand(helmBinary(), [
      "template",
      "v6m",
      join(repo, "helm/ipv6matrix"),
      "-f",
      valuesFile,
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    objects = parseAllDocuments(rendered.stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((o): o is Manifest => o !== null);

    // Every replica of every Deployment, with a port of its own in the shared namespace.
    let port = 17600;
    for (const deployment of objects.filter((o) => o.kind === "Deployment")) {
      const role = deployment.metadata.name.replace(/^v6m-ipv6matrix-/, "");
      for (let replica = 0; replica < (deployment.spec.replicas ?? 1); replica++) {
        const name = `v6m-chart-${role}-${replica}-${process.pid}`;
        const grpcPort = port++;
        const metricsPort = port++;
        if (replica === 0) grpcPorts[role] = grpcPort;
        const run = podmanRunArgs(deployment.spec.template.spec, objects, {
          name,
          workDir: join(work, name),
          network: `ns:/run/netns/${lab.vantage}`,
          extraEnv: {
            IPV6MATRIX_API_LISTEN: `127.0.0.1:${grpcPort}`,
            IPV6MATRIX_TELEMETRY_LISTEN: `127.0.0.1:${metricsPort}`,
          },
        });
        if (role === "api" && replica === 0) apiDataDir = join(work, name, "data");
        const container = await podman(["run", "--detach", ...run.args]);
        assert.equal(container.code, 0, container.stderr);
        containers.push(name);
      }
    }
    const health = await inLab(process.execPath, [
      "--import",
      "tsx",
      join(repo, "test/deploy/wait-serving.ts"),
      ...Object.values(grpcPorts).map((p) => `127.0.0.1:${p}`),
    ]);
    assert.equal(health.code, 0, health.stdout + (await logs()));
  });

  after(async () => {
    for (const name of containers) await podman(["rm", "--force", "--time", "20", name]);
    if (backends && backends.exitCode === null) {
      const exited = new Promise((resolve) => backends!.once("exit", resolve));
      backends.stdin?.end();
      await exited;
    }
    await lab?.[Symbol.asyncDispose]();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("the CronJob's container submits the list through the api with the token; the crawl completes", async () => {
    // The list on the api's volume, under api.source_dir where crawl.source names it.
    const sources = join(apiDataDir, "sources");
    mkdirSync(sources, { recursive: true });
    copyFileSync(lab.domainsFile, join(sources, "domains.txt"));
    chownSync(sources, 10001, 10001);
    chownSync(join(sources, "domains.txt"), 10001, 10001);
    const cron = objects.find((o) => o.kind === "CronJob")!;
    const pod = structuredClone(cron.spec.jobTemplate.spec.template.spec);
    const args: string[] = pod.containers[0].args;
    args[args.indexOf("--api") + 1] = `127.0.0.1:${grpcPorts["api"]}`;
    const name = `v6m-chart-crawl-${process.pid}`;
    const run = podmanRunArgs(pod, objects, {
      name,
      workDir: join(work, name),
      network: `ns:/run/netns/${lab.vantage}`,
    });
    const submitted = await podman(["run", "--rm", ...run.args]);
    assert.equal(submitted.code, 0, submitted.stderr + (await logs()));
    crawlId = submitted.stdout.trim().split("\n").at(-1)!;
    assert.match(crawlId, /\S/);

    const api = `127.0.0.1:${grpcPorts["api"]}`;
    // Without the token the api refuses to answer.
    const refused = await inLab(process.execPath, [bin, "watch", "--api", api, crawlId]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /UNAUTHENTICATED|token/i);
    const env = { ...process.env, IPV6MATRIX_API_TOKEN: token, IPV6MATRIX_STORE_URL: storeUrl };
    const watched = await inLab(process.execPath, [bin, "watch", "--api", api, crawlId], env);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr + (await logs()));
    for (const table of exportedTables) {
      const out = await inLab(
        process.execPath,
        [bin, "export", table, "--crawl", crawlId, "--format", "jsonl"],
        env,
      );
      assert.equal(out.code, 0, out.stderr);
      tables[table] = out.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Row);
    }
  });

  it("gives the lab's hand-written expectations", () => {
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    assert.deepEqual(
      [...checkJobs(expected, tables), ...checkHosts(expected, tables), ...checkAddresses(expected, tables)],
      [],
    );
    assert.deepEqual(checkSummaries(expected, tables), {
      HostData: [],
      Reachability: [],
      Domains: [],
      DomainPenetration: [],
    });
  });

  it("walks every domain's DNS chain over IPv6 from the lab's root in the resolver pods: the hand-written dns6_chains rows (issue 19)", () => {
    const expected = parse(readFileSync(lab.expectedFile, "utf8")) as Row;
    assert.deepEqual(checkDns6(expected, tables), []);
  });
});
