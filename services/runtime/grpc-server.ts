// The gRPC server every service runs: its own services plus grpc.health.v1
// health checking and server reflection (so grpcurl works against it), from
// the descriptor set that `npm run generate` writes. No TLS or auth yet: the
// API issue adds them.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { type Endpoint, formatEndpoint, projectRoot } from "./config.js";

export interface GrpcService {
  /** Full name, e.g. ipv6matrix.v1.ResolverService. */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

export interface RunningGrpcServer {
  readonly port: number;
  readonly health: HealthImplementation;
  stop(): Promise<void>;
}

export async function startGrpcServer(
  listen: Endpoint,
  services: readonly GrpcService[],
): Promise<RunningGrpcServer> {
  const server = new Server();
  const health = new HealthImplementation({ "": "SERVING" });
  health.addToServer(server);
  for (const service of services) {
    server.addService(service.definition, service.implementation);
    health.setStatus(service.name, "SERVING");
  }
  const descriptors = readFileSync(resolve(projectRoot, "gen/descriptor.binpb"));
  new ReflectionService(loadFileDescriptorSetFromBuffer(descriptors)).addToServer(server);
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync(formatEndpoint(listen), ServerCredentials.createInsecure(), (error, bound) =>
      error ? fail(error) : done(bound),
    ),
  );
  return {
    port,
    health,
    stop: () =>
      new Promise<void>((done) => {
        health.setStatus("", "NOT_SERVING");
        server.tryShutdown(() => done());
      }),
  };
}
