// The Helm chart helm/ipv6matrix rendered by helm template with its default values
// and with ci/external-values.yaml (NATS and ClickHouse outside, existing Secrets,
// autoscaling, ServiceMonitor), every object validated against the Kubernetes
// OpenAPI schemas offline (kubernetes-models; the ServiceMonitor against the
// prometheus-operator's), then what the chart promises checked on the objects.
// No cluster: what an API server would add (admission, defaults) is not tested.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../services/runtime/config.js";
import { runCommand } from "../support/command.js";
import { helmBinary } from "./helm-binary.js";

const repo = join(import.meta.dirname, "../..");
const chart = join(repo, "helm/ipv6matrix");
const roles = ["api", "resolver", "prober", "geo", "aggregator"];
// values.yaml and ci/external-values.yaml
const replicasDefault: Record<string, number> = { api: 1, resolver: 2, prober: 2, geo: 1, aggregator: 1 };
const replicasExternal: Record<string, number> = { api: 1, geo: 2, aggregator: 2 };

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field below
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: any };

async function render(
  args: string[],
): Promise<{ code: number | null; objects: K8sObject[]; stderr: string }> {
  const out = await runCommand(helmBinary(), ["template", "v6m", chart, "--namespace", "crawl", ...args]);
  const objects = parseAllDocuments(out.stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { code: out.code, objects, stderr: out.stderr };
}

/** The kubernetes-models class of an object, by apiVersion and kind. */
async function modelOf(object: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const path = object.apiVersion.startsWith("monitoring.coreos.com/")
    ? `@kubernetes-models/prometheus-operator/${object.apiVersion}/${object.kind}`
    : `kubernetes-models/${object.apiVersion}/${object.kind}`;
  const module = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = module[object.kind];
  assert.ok(model, `no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `no ${kind} ${name}`);
  return found;
};

for (const [label, args] of [
  ["default values", []],
  ["external NATS and ClickHouse (ci/external-values.yaml)", ["-f", join(chart, "ci/external-values.yaml")]],
] as const) {
  describe(`helm template, ${label}`, () => {
    let objects: K8sObject[] = [];
    const external = args.length > 0;

    before(async () => {
      const rendered = await render([...args]);
      assert.equal(rendered.code, 0, rendered.stderr);
      objects = rendered.objects;
    });

    it("every object is valid against the Kubernetes schemas", async () => {
      assert.ok(objects.length > 20, `only ${objects.length} objects`);
      for (const object of objects) {
        const Model = await modelOf(object);
        assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
      }
    });

    it("renders a Deployment, PodDisruptionBudget and NetworkPolicy per service, the Services, the CronJob", () => {
      const kinds = objects.map((o) => o.kind);
      const count = (kind: string) => kinds.filter((k) => k === kind).length;
      assert.equal(count("Deployment"), 5);
      assert.equal(count("PodDisruptionBudget"), 5);
      assert.equal(count("NetworkPolicy"), 5);
      assert.equal(count("Service"), 3);
      assert.equal(count("ConfigMap"), 1);
      assert.equal(count("CronJob"), 1);
      assert.equal(count("HorizontalPodAutoscaler"), external ? 2 : 0);
      assert.equal(count("ServiceMonitor"), external ? 1 : 0);
      // Existing Secrets are used as they are; else the chart makes the token's and ClickHouse's.
      assert.equal(count("Secret"), external ? 0 : 2);
    });

    it("the ConfigMap is a configuration `ipv6matrix --config` accepts, with the chart's addresses", () => {
      const configMap = byKind(objects, "ConfigMap")[0]!;
      const dir = mkdtempSync(join(tmpdir(), "v6m-chart-"));
      try {
        const file = join(dir, "config.yaml");
        writeFileSync(file, configMap.data["config.yaml"]);
        const config = loadConfig({ file, env: {} });
        assert.deepEqual(config.api.listen, { host: "0.0.0.0", port: 7600 });
        assert.deepEqual(config.telemetry.listen, { host: "0.0.0.0", port: 9464 });
        assert.equal(config.store.data_dir, "/data");
        assert.deepEqual(
          config.nats.servers,
          external
            ? ["nats://nats-0.nats.messaging.svc:4222", "nats://nats-1.nats.messaging.svc:4222"]
            : ["nats://nats:4222"],
        );
        if (external) assert.equal(config.publish.auto, true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("each service runs `serve <role> --config` with gRPC probes, a read-only root, no capability but the prober's NET_RAW", () => {
      for (const role of roles) {
        const deployment = named(objects, "Deployment", `v6m-ipv6matrix-${role}`);
        const pod = deployment.spec.template.spec;
        const [container] = pod.containers;
        assert.deepEqual(container.args, ["serve", role, "--config", "/etc/ipv6matrix/config.yaml"]);
        assert.deepEqual(container.command, [
          role === "prober" ? "node-net-raw" : "node",
          "bin/ipv6matrix.mjs",
        ]);
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
          assert.deepEqual(container[probe].grpc, { port: 7600 }, `${role} ${probe}`);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.runAsUser, 10001);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
        assert.deepEqual(
          container.securityContext.capabilities.add,
          role === "prober" ? ["NET_RAW"] : undefined,
        );
        assert.equal(container.securityContext.allowPrivilegeEscalation, role === "prober");
        assert.ok(container.resources.requests.cpu, `${role} cpu request`);
        const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
        for (const path of ["/etc/ipv6matrix", "/tmp", "/data"])
          assert.ok(mounts.includes(path), `${role} ${path}`);
        // Autoscaled roles leave replicas to the HorizontalPodAutoscaler.
        const autoscaled = external && (role === "resolver" || role === "prober");
        assert.equal(
          deployment.spec.replicas,
          autoscaled ? undefined : (external ? replicasExternal : replicasDefault)[role],
        );
      }
    });

    it("the store URL and the token come from Secrets the release has", () => {
      const secrets = new Set(byKind(objects, "Secret").map((s) => s.metadata.name));
      if (external)
        for (const name of ["ipv6matrix-clickhouse-credentials", "ipv6matrix-api-token"]) secrets.add(name);
      const api = named(objects, "Deployment", "v6m-ipv6matrix-api").spec.template.spec.containers[0];
      const env = Object.fromEntries(
        api.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [
          e.name,
          e.value ?? e.valueFrom,
        ]),
      );
      assert.equal(
        env["IPV6MATRIX_STORE_URL"],
        external
          ? "https://$(CLICKHOUSE_USER):$(CLICKHOUSE_PASSWORD)@clickhouse.example.org:8443/ipv6matrix"
          : "http://$(CLICKHOUSE_USER):$(CLICKHOUSE_PASSWORD)@clickhouse:8123/ipv6matrix",
      );
      // Only the api and the aggregator use the store: the others get no ClickHouse credentials.
      for (const role of ["resolver", "prober", "geo"]) {
        const names = named(
          objects,
          "Deployment",
          `v6m-ipv6matrix-${role}`,
        ).spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
        assert.deepEqual(names, ["IPV6MATRIX_CONFIG", "IPV6MATRIX_API_TOKEN"], role);
      }
      for (const e of api.env.filter((e: { valueFrom?: unknown }) => e.valueFrom))
        assert.ok(
          secrets.has(e.valueFrom.secretKeyRef.name),
          `${e.name}: Secret ${e.valueFrom.secretKeyRef.name}`,
        );
      const cron = byKind(objects, "CronJob")[0]!.spec.jobTemplate.spec.template.spec.containers[0];
      assert.deepEqual(cron.args.slice(0, 3), ["submit", "--api", "v6m-ipv6matrix-api:7600"]);
      assert.ok(secrets.has(cron.env[0].valueFrom.secretKeyRef.name));
    });

    it("only the prober's NetworkPolicy lets it reach any address; the resolver reaches port 53", () => {
      for (const role of roles) {
        const policy = named(objects, "NetworkPolicy", `v6m-ipv6matrix-${role}`);
        const anyPort = policy.spec.egress.filter((rule: { ports?: unknown }) => rule.ports === undefined);
        if (role !== "prober") {
          assert.deepEqual(anyPort, [], `${role} reaches every port somewhere`);
          continue;
        }
        assert.deepEqual(
          anyPort[0].to.map((peer: { ipBlock: { cidr: string } }) => peer.ipBlock.cidr),
          ["0.0.0.0/0", "::/0"],
        );
        assert.ok(anyPort[0].to[0].ipBlock.except.includes("10.0.0.0/8"));
      }
      const resolver = named(objects, "NetworkPolicy", "v6m-ipv6matrix-resolver");
      assert.ok(
        resolver.spec.egress.some(
          (rule: { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }) =>
            rule.to?.some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0") &&
            rule.ports?.every((p) => p.port === 53),
        ),
      );
    });
  });
}

describe("values.schema.json refuses a wrong value at install", () => {
  for (const [set, message] of [
    ["services.prober.replicas=-1", /services\/prober\/replicas/],
    ["crawl.schedule=monthly", /crawl\/schedule/],
    ["image.pullPolicy=Sometimes", /image\/pullPolicy/],
    ["clickhouse.port=70000", /clickhouse\/port/],
    ["services.resolver.replica=3", /replica/],
  ] as const) {
    it(`--set ${set}`, async () => {
      const rendered = await render(["--set", set]);
      assert.notEqual(rendered.code, 0);
      assert.match(rendered.stderr, message);
    });
  }
});
