// `ipv6matrix serve <role>`: one service alone, on NATS and the configured
// store, until SIGTERM or SIGINT; then it drains what it holds and stops.

import type { Server } from "node:http";
import { createServer } from "node:net";
import { queryService } from "../aggregator/query-service.js";
import { type Endpoint, formatEndpoint } from "../runtime/config.js";
import { apiToken, exposureWarning } from "../runtime/grpc-auth.js";
import { type RunningGrpcServer, startGrpcServer, tlsOf } from "../runtime/grpc-server.js";
import { logger, setLogLevel } from "../runtime/log.js";
import { serveMetrics } from "../runtime/metrics.js";
import { migrate } from "../runtime/migrate.js";
import { openStore } from "../runtime/store-open.js";
import { pipelineTopology } from "../runtime/topology.js";
import { InProcessTransport } from "../runtime/transport-inprocess.js";
import { connectNats } from "../runtime/transport-nats.js";
import { throughStoreOutage } from "../runtime/unreachable-store.js";
import { CliError, type Command, commonUsage, configFrom, UsageError } from "./command.js";
import { builtRoles, inProcessTopology, type Role, roles, startRoles, usesStore } from "./roles.js";

export const serveCommand: Command = {
  summary: "run one service (api, resolver, prober, geo, aggregator) on NATS, or all of them in one process",
  usage: `Usage: ipv6matrix serve <role> [options]

Roles: ${roles.join(", ")}: one service, on nats.servers and the store.
       all: every service in this process on the in-process bus (no NATS): the
            CrawlService and QueryService of a single machine.
gRPC (health, reflection) on api.listen; metrics on telemetry.listen (/metrics).
Stops cleanly on SIGTERM: stops taking work, finishes what it holds.
${commonUsage}`,
  options: {},
  async run(values, positionals) {
    const role = positionals[0] as Role | "all" | undefined;
    if (positionals.length !== 1 || !role || (role !== "all" && !roles.includes(role)))
      throw new UsageError(`expected one role: ${roles.join(", ")} or all`);
    if (role !== "all" && !builtRoles.includes(role))
      throw new UsageError(`role ${role} is not built yet (see the open issues)`);
    const config = configFrom(values);
    setLogLevel(config.telemetry.log_level);
    if (role !== "all" && config.nats.servers.length === 0)
      throw new UsageError("serve needs nats.servers (e.g. --set nats.servers=nats://127.0.0.1:4222)");
    const log = logger({ service: role });
    // Before anything starts: a server exposed without token and TLS is refused in one line.
    const exposed = config.api.listen ? exposureWarning(config, config.api.listen) : undefined;
    const security = { tls: tlsOf(config), token: apiToken(config) };
    const runningRoles = role === "all" ? builtRoles : [role];
    // Only the api and the aggregator use the store: a resolver, prober or geo instance
    // starts (or restarts after a crash) while the store is away. Those that use it wait for it.
    const store = runningRoles.some(usesStore)
      ? await throughStoreOutage(
          async () => {
            const opened = await openStore({
              url: config.store.url,
              dataDir: config.store.data_dir,
              maxMemoryMb: config.store.max_memory_mb,
            });
            try {
              await migrate(opened);
              return opened;
            } catch (error) {
              await opened.close();
              throw error;
            }
          },
          { log, what: "opening the store" },
        )
      : undefined;
    const transport =
      role === "all"
        ? new InProcessTransport({ topology: inProcessTopology(builtRoles) })
        : await connectNats({
            servers: config.nats.servers,
            topology: pipelineTopology,
            name: `ipv6matrix-${role}`,
          });
    const running = await startRoles(runningRoles, { config, transport, store });
    let metrics: Server | undefined;
    let grpc: RunningGrpcServer | undefined;
    try {
      metrics = config.telemetry.listen
        ? await listening("telemetry.listen", config.telemetry.listen, () =>
            serveMetrics(config.telemetry.listen!.host, config.telemetry.listen!.port),
          )
        : undefined;
      // Health and reflection for every role, plus the role's own service.
      const services = [
        ...running.grpcServices,
        ...(store && runningRoles.includes("aggregator") ? [queryService(store)] : []),
      ];
      grpc = config.api.listen
        ? await listening("api.listen", config.api.listen, () =>
            startGrpcServer(config.api.listen!, services, security),
          )
        : undefined;
      if (exposed) log.warn({ listen: config.api.listen }, exposed);
    } catch (error) {
      // What started is stopped, so the process ends with the one line and releases the store.
      metrics?.close();
      await running.stop();
      await transport.close();
      await store?.close();
      throw error;
    }
    log.info({ nats: config.nats.servers, grpc: grpc?.port }, "serving");
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    log.info("stopping");
    await grpc?.stop();
    await running.stop();
    metrics?.close();
    await transport.close();
    await store?.close();
    return 0;
  },
};

/** Starts a listener; a port in use or an address not on this machine is one line naming the key. */
async function listening<T>(key: string, endpoint: Endpoint, start: () => Promise<T>): Promise<T> {
  try {
    // Tried first with a plain socket: grpc-js would also print its own "No address added" line.
    await new Promise<void>((done, fail) => {
      const probe = createServer();
      probe.once("error", fail);
      probe.listen(endpoint.port, endpoint.host, () => probe.close(() => done()));
    });
    return await start();
  } catch (error) {
    const text = `${(error as NodeJS.ErrnoException).code ?? ""} ${(error as Error).message}`;
    const why = /EADDRINUSE|address already in use/i.test(text)
      ? "the port is in use (another ipv6matrix serve?)"
      : /EADDRNOTAVAIL|EACCES|No address added/i.test(text)
        ? `cannot listen there (${(error as Error).message.split("\n")[0]})`
        : undefined;
    if (why === undefined) throw error;
    throw new CliError(`${key} ${formatEndpoint(endpoint)}: ${why}`);
  }
}
