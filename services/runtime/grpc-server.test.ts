import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";
import { startGrpcServer } from "./grpc-server.js";

describe("gRPC server", () => {
  it("answers grpc.health.v1 checks", async () => {
    const server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, []);
    try {
      const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
        grpc: { health: { v1: { Health: ServiceClientConstructor } } };
      };
      const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${server.port}`, credentials.createInsecure());
      const status = await new Promise<string>((resolve, reject) =>
        client["check"]!(
          { service: "" },
          { deadline: Date.now() + 5000 },
          (error: Error | null, reply: { status: string }) => (error ? reject(error) : resolve(reply.status)),
        ),
      );
      assert.equal(status, "SERVING");
      client.close();
    } finally {
      await server.stop();
    }
  });
});
