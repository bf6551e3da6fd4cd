// The API's bearer token and TLS: data services refuse a call without the
// token; health stays open for probes; TLS with a configured certificate.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ChannelCredentials, credentials, Metadata } from "@grpc/grpc-js";
import { QueryServiceClient } from "../../gen/ipv6matrix/v1/query.js";
import { queryService } from "../../services/aggregator/query-service.js";
import { requireToken } from "../../services/runtime/grpc-auth.js";
import { type RunningGrpcServer, startGrpcServer } from "../../services/runtime/grpc-server.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

function search(client: QueryServiceClient, metadata = new Metadata()) {
  return new Promise<string[]>((resolve, reject) =>
    client.searchDomains({ prefix: "a", limit: 5, pageToken: "" }, metadata, (error, response) =>
      error ? reject(error) : resolve(response.domains),
    ),
  );
}

describe("API security", () => {
  let dir: string;
  let store: Store;
  let server: RunningGrpcServer;
  let cert: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "v6m-auth-"));
    store = await openChdbStore(join(dir, "data"));
    await migrate(store);
    cert = join(dir, "cert.pem");
    // A self-signed certificate made by openssl, as an operator would.
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    const service = queryService(store);
    server = await startGrpcServer(
      { host: "127.0.0.1", port: 0 },
      [{ ...service, implementation: requireToken(service.implementation, "s3cret") }],
      { cert, key: join(dir, "key.pem") },
    );
  });
  after(async () => {
    await server?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const client = (channel: ChannelCredentials) =>
    new QueryServiceClient(`127.0.0.1:${server.port}`, channel, {
      "grpc.ssl_target_name_override": "localhost",
    });

  it("refuses a call without the bearer token, or with a wrong one", async () => {
    const tls = client(credentials.createSsl(execFileSync("cat", [cert])));
    try {
      await assert.rejects(search(tls), /UNAUTHENTICATED: missing or wrong bearer token/);
      const wrong = new Metadata();
      wrong.set("authorization", "Bearer nope");
      await assert.rejects(search(tls, wrong), /UNAUTHENTICATED/);
      const right = new Metadata();
      right.set("authorization", "Bearer s3cret");
      assert.deepEqual(await search(tls, right), []);
    } finally {
      tls.close();
    }
  });

  it("speaks TLS only", async () => {
    const plain = client(credentials.createInsecure());
    try {
      const right = new Metadata();
      right.set("authorization", "Bearer s3cret");
      await assert.rejects(
        new Promise((resolve, reject) =>
          plain.searchDomains(
            { prefix: "a", limit: 5, pageToken: "" },
            right,
            { deadline: Date.now() + 3000 },
            (error, response) => (error ? reject(error) : resolve(response)),
          ),
        ),
        /UNAVAILABLE|DEADLINE_EXCEEDED/,
      );
    } finally {
      plain.close();
    }
  });
});
