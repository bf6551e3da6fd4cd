// What the QueryService tests share: summary rows written by hand for two crawls a month apart
// (October's imported from the original: method 1; November's of this crawler: method 2), both
// published, in a chDB store served by a real gRPC server on loopback. No assertion of its own.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { QueryServiceClient, type Table } from "../../gen/ipv6matrix/v1/query.js";
import { queryService } from "../../services/aggregator/query-service.js";
import { saveCrawl, setPublished } from "../../services/runtime/crawls.js";
import { startGrpcServer } from "../../services/runtime/grpc-server.js";
import { migrate } from "../../services/runtime/migrate.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

const crawl = (id: string, date: string) => ({
  crawl_id: id,
  date,
  state: "completed" as const,
  options: "{}",
  source: "test",
  domains: 10,
  rejected: 0,
  started_at: `${date} 00:00:00`,
  finished_at: `${date} 01:00:00`,
  published: 0,
  error: "",
});
const penetration = (
  id: string,
  date: string,
  tld: string,
  country: string,
  domains: number,
  domains6: number,
) => ({
  crawl_id: id,
  date,
  tld,
  country,
  domains,
  domains6,
  www: domains6,
  ns: 0,
  mx: 0,
  ntp: 0,
  method: id === "oct" ? 1 : 2,
});
const hostData = (
  id: string,
  date: string,
  type: string,
  country: string,
  hosts: number,
  hosts6: number,
  dualstack: number,
) => ({
  crawl_id: id,
  date,
  tld: "com",
  type,
  country,
  hosts,
  hosts4: hosts - hosts6 - dualstack,
  hosts6,
  dualstack,
  noip: 0,
  pinghosts: 0,
  faster: 0,
  ping4: 0,
  ping6: 0,
  pathhosts: 0,
  fewer: 0,
  hops4: 0,
  hops6: 0,
  method: id === "oct" ? 1 : 2,
});
const domainRow = (id: string, date: string, domain: string, wwwHosts6: number) => ({
  crawl_id: id,
  date,
  domain,
  tld: "com",
  country: "DE",
  www_hosts: 1,
  www_hosts6: wwwHosts6,
  method: id === "oct" ? 1 : 2,
});

export function call<Res>(run: (done: (error: Error | null, response: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) =>
    run((error, response) => (error ? reject(error) : resolve(response))),
  );
}
export const rows = (table: Table | undefined) => table!.rows.map((row) => row.cells.join(" "));

export interface QueryFixture {
  readonly store: Store;
  readonly client: QueryServiceClient;
  close(): Promise<void>;
}

/** The two crawls' rows in a fresh store, published, and a client of the QueryService serving them. */
export async function startQueryFixture(): Promise<QueryFixture> {
  const dir = mkdtempSync(join(tmpdir(), "v6m-queries-"));
  const store = await openChdbStore(join(dir, "data"));
  await migrate(store);
  await saveCrawl(store, crawl("oct", "2026-10-01"));
  await saveCrawl(store, crawl("nov", "2026-11-01"));
  // October: com 10 domains in DE, 2 with IPv6; org 5 in US, 0. November: com DE 4 of 10; org US 1 of 5.
  await store.insert("domain_penetration", [
    penetration("oct", "2026-10-01", "com", "DE", 10, 2),
    penetration("oct", "2026-10-01", "org", "US", 5, 0),
    penetration("nov", "2026-11-01", "com", "DE", 10, 4),
    penetration("nov", "2026-11-01", "org", "US", 5, 1),
  ]);
  await store.insert("host_data", [
    hostData("oct", "2026-10-01", "WWW", "DE", 20, 1, 3),
    hostData("oct", "2026-10-01", "WWW", "ZZ", 7, 0, 0),
    hostData("nov", "2026-11-01", "WWW", "DE", 20, 2, 6),
    hostData("nov", "2026-11-01", "MX", "FR", 4, 0, 1),
  ]);
  await store.insert("domains", [
    domainRow("oct", "2026-10-01", "example.com", 0),
    domainRow("nov", "2026-11-01", "example.com", 1),
    domainRow("nov", "2026-11-01", "exemplary.com", 1),
  ]);
  await setPublished(store, "oct", true);
  await setPublished(store, "nov", true);
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [queryService(store)]);
  const client = new QueryServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  return {
    store,
    client,
    async close() {
      client.close();
      await server.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
