// Run inside a lab namespace by chart-pods.test.ts (in-netns.sh): a nats-server
// with JetStream and the chDB-backed ClickHouse HTTP endpoint on that
// namespace's loopback, where the chart's containers (--network ns:...) reach
// them. Prints {"nats": URL, "clickhouse": URL} once both listen; stops both on
// SIGTERM or when stdin closes. The store is migrated first.

import { migrate } from "../../services/runtime/migrate.js";
import { openClickHouseStore } from "../../services/runtime/store-clickhouse.js";
import { startClickHouseHttp } from "../support/clickhouse-http.js";
import { startNatsServer } from "../support/nats-server.js";

const [nats, clickhouse] = await Promise.all([startNatsServer(), startClickHouseHttp()]);
// The tables before the services start: api and aggregator would otherwise migrate at once.
const store = await openClickHouseStore(clickhouse.url);
await migrate(store);
await store.close();
process.stdout.write(`${JSON.stringify({ nats: nats.url, clickhouse: clickhouse.url })}\n`);
await new Promise<void>((resolve) => {
  process.once("SIGTERM", resolve);
  process.stdin.on("end", resolve).resume();
});
await Promise.allSettled([clickhouse.stop(), nats.stop()]);
process.exit(0);
