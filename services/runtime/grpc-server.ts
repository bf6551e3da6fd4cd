// The gRPC server every service runs: its own services plus grpc.health.v1
// health checking and server reflection (so grpcurl works against it), from
// the descriptor set that `npm run generate` writes. With a token, every
// service it serves requires it (grpc-auth.ts); health and reflection never do.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { type Config, ConfigError, type Endpoint, formatEndpoint, projectRoot } from "./config.js";
import { requireToken } from "./grpc-auth.js";

function serverCredentials(tls: GrpcTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(`api.${what} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  return ServerCredentials.createSsl(null, [
    { cert_chain: read(tls.cert, "tls_cert"), private_key: read(tls.key, "tls_key") },
  ]);
}

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

export interface GrpcTls {
  /** PEM certificate chain and private key files. */
  readonly cert: string;
  readonly key: string;
}

export interface GrpcSecurity {
  readonly tls?: GrpcTls;
  /** The bearer token every call to `services` must carry; empty or absent: none. */
  readonly token?: string;
}

export async function startGrpcServer(
  listen: Endpoint,
  services: readonly GrpcService[],
  security: GrpcSecurity = {},
): Promise<RunningGrpcServer> {
  const server = new Server();
  const health = new HealthImplementation({ "": "SERVING" });
  health.addToServer(server);
  for (const service of services) {
    server.addService(service.definition, requireToken(service.implementation, security.token ?? ""));
    health.setStatus(service.name, "SERVING");
  }
  const descriptors = readFileSync(resolve(projectRoot, "gen/descriptor.binpb"));
  // Our contracts and the health service, so a reflection client (grpcurl) sees every service served.
  const described = { ...loadFileDescriptorSetFromBuffer(descriptors), ...loadSync(healthProtoPath) };
  new ReflectionService(described).addToServer(server);
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync(formatEndpoint(listen), serverCredentials(security.tls), (error, bound) =>
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

/** The server's TLS files from the configuration, if both are set. */
export function tlsOf(config: Config): GrpcTls | undefined {
  const { tls_cert: cert, tls_key: key } = config.api;
  if (cert === "" && key === "") return undefined;
  if (cert === "" || key === "") throw new ConfigError("api.tls_cert and api.tls_key: give both, or neither");
  return { cert, key };
}
