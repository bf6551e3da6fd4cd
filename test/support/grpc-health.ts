// grpc.health.v1 Check against a host:port until it says SERVING, or the
// deadline passes (then the last status: DOWN when nothing answered). For the
// tests that start services as processes or containers and wait for them to serve.

import { credentials, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";

export async function waitServing(address: string, deadlineMs: number): Promise<string> {
  const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.health.v1.Health(address, credentials.createInsecure());
  try {
    for (;;) {
      const status = await new Promise<string>((resolve) =>
        client["check"]!(
          { service: "" },
          { deadline: Date.now() + 1000 },
          (error: Error | null, reply: { status: string }) => resolve(error ? "DOWN" : reply.status),
        ),
      );
      if (status === "SERVING" || Date.now() > deadlineMs) return status;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    client.close();
  }
}
