// One access rule for every gRPC service, through the real wiring: `ipv6matrix serve all` and
// each `serve <role>` run as a user runs them (child processes, NATS for the roles), with a
// token set; every method of every service is called without a token, with a wrong one and
// with the right one. Health and reflection answer without. Also: TLS, and the refusal to
// listen beyond loopback without token and TLS unless api.allow_insecure says so.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type ChannelCredentials,
  Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceDefinition,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";
import { Client as ReflectionClient } from "grpc-reflection-js";
import { CrawlServiceService } from "../../gen/ipv6matrix/v1/crawl.js";
import { GeoServiceService } from "../../gen/ipv6matrix/v1/geo.js";
import { ProberServiceService } from "../../gen/ipv6matrix/v1/prober.js";
import { QueryServiceService } from "../../gen/ipv6matrix/v1/query.js";
import { ResolverServiceService } from "../../gen/ipv6matrix/v1/resolver.js";
import { runCommand } from "../support/command.js";
import { type NatsServer, startNatsServer } from "../support/nats-server.js";
import { freePort, ServiceProcess } from "../support/service-process.js";

const bin = join(import.meta.dirname, "../../bin/ipv6matrix.mjs");
const TOKEN = "s3cret-token-of-the-test";

const everyService: Record<string, ServiceDefinition> = {
  "ipv6matrix.v1.CrawlService": CrawlServiceService as unknown as ServiceDefinition,
  "ipv6matrix.v1.QueryService": QueryServiceService as unknown as ServiceDefinition,
  "ipv6matrix.v1.ResolverService": ResolverServiceService as unknown as ServiceDefinition,
  "ipv6matrix.v1.ProberService": ProberServiceService as unknown as ServiceDefinition,
  "ipv6matrix.v1.GeoService": GeoServiceService as unknown as ServiceDefinition,
};

/** What each command serves, written from the README's list of roles. */
const served: Record<string, string[]> = {
  all: Object.keys(everyService),
  api: ["ipv6matrix.v1.CrawlService"],
  aggregator: ["ipv6matrix.v1.QueryService"],
  resolver: ["ipv6matrix.v1.ResolverService"],
  prober: ["ipv6matrix.v1.ProberService"],
  geo: ["ipv6matrix.v1.GeoService"],
};

function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/**
 * Calls one method with an empty request message (zero bytes: every field its default) and
 * returns the status code it ends with. An empty message asks nothing harmful of any method:
 * an empty submission, crawl id, address or name is refused, a list or search reads nothing.
 */
function callStatus(
  client: Client,
  method: ServiceDefinition[string],
  metadata: Metadata,
): Promise<{ code: number; details: string }> {
  const serialize = () => Buffer.alloc(0);
  const deserialize = (bytes: Buffer) => bytes;
  return new Promise((resolve) => {
    const done = (error: ServiceError | null) =>
      resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: "" });
    const options = { deadline: Date.now() + 60_000 };
    if (!method.requestStream && !method.responseStream) {
      client.makeUnaryRequest(method.path, serialize, deserialize, {}, metadata, options, done);
    } else if (method.requestStream && !method.responseStream) {
      const call = client.makeClientStreamRequest(
        method.path,
        serialize,
        deserialize,
        metadata,
        options,
        done,
      );
      call.end();
    } else {
      const call = client.makeServerStreamRequest(method.path, serialize, deserialize, {}, metadata, options);
      call.on("data", () => {});
      call.on("error", (error: ServiceError) => done(error));
      call.on("end", () => done(null));
    }
  });
}

async function healthStatus(address: string, channel: ChannelCredentials, service = ""): Promise<string> {
  const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.health.v1.Health(address, channel, tlsOverride);
  try {
    return await new Promise<string>((resolve) =>
      client["check"]!(
        { service },
        { deadline: Date.now() + 2000 },
        (error: Error | null, reply: { status: string }) => resolve(error ? "DOWN" : reply.status),
      ),
    );
  } finally {
    client.close();
  }
}

const tlsOverride = { "grpc.ssl_target_name_override": "localhost" };

/** Waits until the process answers health checks with SERVING; fails with its stderr if it exits. */
async function serving(service: ServiceProcess, channel: ChannelCredentials): Promise<void> {
  while ((await healthStatus(service.grpc, channel)) !== "SERVING") {
    assert.ok(service.running, `${service.name} exited: ${service.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe("one token rule for every gRPC service, through `ipv6matrix serve`", () => {
  let nats: NatsServer;
  let dir: string;
  let certPem: Buffer;
  const processes: Record<string, ServiceProcess> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-auth-"));
    // A self-signed certificate made by openssl, as an operator would.
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ],
      { stdio: "ignore" },
    );
    certPem = readFileSync(join(dir, "cert.pem"));
    nats = await startNatsServer();
    for (const role of Object.keys(served)) {
      processes[role] = await ServiceProcess.start(role, `serve ${role}`, {
        ...process.env,
        IPV6MATRIX_API_TOKEN: TOKEN,
        IPV6MATRIX_NATS_SERVERS: role === "all" ? "" : nats.url,
        IPV6MATRIX_STORE_DATA_DIR: join(dir, `data-${role}`),
        IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
        // `serve all` speaks TLS: the token rule holds the same over it.
        ...(role === "all"
          ? { IPV6MATRIX_API_TLS_CERT: join(dir, "cert.pem"), IPV6MATRIX_API_TLS_KEY: join(dir, "key.pem") }
          : {}),
      });
    }
  });

  after(async () => {
    await Promise.all(Object.values(processes).map((service) => service.stop()));
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const channelOf = (role: string) =>
    role === "all" ? credentials.createSsl(certPem) : credentials.createInsecure();

  for (const role of Object.keys(served)) {
    it(`serve ${role}: health and reflection without a token; every method refused without the token or with a wrong one, answered with it`, async () => {
      const service = processes[role]!;
      await serving(service, channelOf(role));
      for (const name of served[role]!)
        assert.equal(await healthStatus(service.grpc, channelOf(role), name), "SERVING");

      const reflection = new ReflectionClient(service.grpc, channelOf(role), tlsOverride);
      const listed = await reflection.listServices();
      for (const name of served[role]!)
        assert.ok(listed.includes(name), `${name} listed by reflection: ${listed}`);

      const client = new Client(service.grpc, channelOf(role), tlsOverride);
      try {
        for (const name of served[role]!) {
          for (const [methodName, method] of Object.entries(everyService[name]!)) {
            const what = `serve ${role}: ${name}.${methodName}`;
            const none = await callStatus(client, method, bearer(undefined));
            assert.equal(none.code, status.UNAUTHENTICATED, `${what} without a token: ${none.details}`);
            assert.match(none.details, /missing or wrong bearer token/);
            const wrong = await callStatus(client, method, bearer("s3cret-token-of-the-tesT"));
            assert.equal(wrong.code, status.UNAUTHENTICATED, `${what} with a wrong token: ${wrong.details}`);
            const shorter = await callStatus(client, method, bearer("s3cret"));
            assert.equal(shorter.code, status.UNAUTHENTICATED, `${what} with a prefix of the token`);
            const right = await callStatus(client, method, bearer(TOKEN));
            assert.notEqual(right.code, status.UNAUTHENTICATED, `${what} with the token: ${right.details}`);
            assert.notEqual(right.code, status.UNIMPLEMENTED, `${what} is served`);
          }
        }
      } finally {
        client.close();
      }
    });
  }

  it("serve all over TLS: a plaintext client gets no answer, even with the token", async () => {
    const service = processes["all"]!;
    await serving(service, channelOf("all"));
    const client = new Client(service.grpc, credentials.createInsecure());
    try {
      const method = (QueryServiceService as unknown as ServiceDefinition)["searchDomains"]!;
      const reply = await new Promise<number>((resolve) =>
        client.makeUnaryRequest(
          method.path,
          () => Buffer.alloc(0),
          (bytes: Buffer) => bytes,
          {},
          bearer(TOKEN),
          { deadline: Date.now() + 3000 },
          (error) => resolve(error ? error.code : status.OK),
        ),
      );
      assert.ok([status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(reply), `code ${reply}`);
    } finally {
      client.close();
    }
  });

  it("serve refuses to listen beyond loopback without token and TLS, in one line, unless api.allow_insecure", async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      IPV6MATRIX_STORE_DATA_DIR: join(dir, "data-exposed"),
      IPV6MATRIX_API_TOKEN: "",
      IPV6MATRIX_TELEMETRY_LOG_LEVEL: "warn",
    };
    const refused = await runCommand(
      process.execPath,
      [bin, "serve", "all", "--set", `api.listen=0.0.0.0:${port}`],
      {
        env,
      },
    );
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(
      refused.stderr,
      `ipv6matrix serve: api.listen 0.0.0.0:${port} is not loopback and has no token (api.token) and no TLS (api.tls_cert, api.tls_key): set them, or api.allow_insecure=true to serve so all the same\n`,
    );

    // With a token but no TLS it is refused all the same: the token would cross the network in clear.
    const tokenOnly = await runCommand(
      process.execPath,
      [bin, "serve", "all", "--set", `api.listen=0.0.0.0:${port}`, "--set", "api.token=abc"],
      { env },
    );
    assert.equal(tokenOnly.code, 2, tokenOnly.stderr);
    assert.match(tokenOnly.stderr, /has no TLS \(api.tls_cert, api.tls_key\): set them/);

    // Allowed: it starts, warns once at start, and serves health; SIGTERM stops it.
    const child = spawn(
      process.execPath,
      [bin, "serve", "all", "--set", `api.listen=0.0.0.0:${port}`, "--set", "api.allow_insecure=true"],
      { env, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      while ((await healthStatus(`127.0.0.1:${port}`, credentials.createInsecure())) !== "SERVING")
        assert.equal(child.exitCode, null, stderr);
      assert.match(
        stderr,
        /"level":40.*is not loopback and has no token.*serving all the same \(api.allow_insecure\)/,
      );
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
