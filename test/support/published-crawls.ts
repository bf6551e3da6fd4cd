// Test fixture: a chDB store holding what two published crawls a month apart
// left behind (crawl rows, summary rows and Domains rows, written by hand, no
// lab), and a third crawl still running. For tests of the read side (the
// QueryService, its clients and the CLI) against a real `serve all`.

import { migrate } from "../../services/runtime/migrate.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";

export const OCTOBER = "c20261001-0a0a0a0a";
export const NOVEMBER = "c20261101-0b0b0b0b";
export const RUNNING = "c20261201-0c0c0c0c";

const crawl = (id: string, date: string, started: string, finished: string | null, published: number) => ({
  crawl_id: id,
  date,
  state: finished ? "completed" : "running",
  options: "{}",
  source: "test",
  domains: 15,
  rejected: 0,
  started_at: started,
  finished_at: finished,
  published,
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
  method: 2,
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
  method: 2,
});

const domainRow = (
  id: string,
  date: string,
  domain: string,
  wwwHosts6: number,
  pingratio: number | null,
) => ({
  crawl_id: id,
  date,
  domain,
  tld: domain.split(".").at(-1),
  country: "DE",
  www_hosts: 1,
  www_hosts6: wwwHosts6,
  pingratio,
  method: 2,
});

/** Writes the store into `dataDir` and closes it (a `serve all` can then open it). */
export async function writePublishedCrawls(dataDir: string): Promise<void> {
  const store = await openChdbStore(dataDir);
  try {
    await migrate(store);
    await store.insert("crawls", [
      {
        ...crawl(OCTOBER, "2026-10-01", "2026-10-01 06:00:00.000", "2026-10-01 07:30:00.000", 1),
        version: 1,
      },
      {
        ...crawl(NOVEMBER, "2026-11-01", "2026-11-01 06:00:00.250", "2026-11-01 08:00:00.000", 1),
        version: 1,
      },
      { ...crawl(RUNNING, "2026-12-01", "2026-12-01 06:00:00.000", null, 0), version: 1 },
    ]);
    // October: com 10 domains in DE, 2 with IPv6; org 5 in US, none. November: com 4 of 10; org 1 of 5.
    await store.insert("domain_penetration", [
      penetration(OCTOBER, "2026-10-01", "com", "DE", 10, 2),
      penetration(OCTOBER, "2026-10-01", "org", "US", 5, 0),
      penetration(NOVEMBER, "2026-11-01", "com", "DE", 10, 4),
      penetration(NOVEMBER, "2026-11-01", "org", "US", 5, 1),
    ]);
    // WWW hosts in DE: 20 both months, 4 then 8 with IPv6; MX in FR only in November: 1 of 4.
    await store.insert("host_data", [
      hostData(OCTOBER, "2026-10-01", "WWW", "DE", 20, 1, 3),
      hostData(OCTOBER, "2026-10-01", "WWW", "ZZ", 7, 0, 0),
      hostData(NOVEMBER, "2026-11-01", "WWW", "DE", 20, 2, 6),
      hostData(NOVEMBER, "2026-11-01", "MX", "FR", 4, 0, 1),
    ]);
    await store.insert("domains", [
      domainRow(OCTOBER, "2026-10-01", "example.com", 0, null),
      domainRow(NOVEMBER, "2026-11-01", "example.com", 1, 0.5),
      domainRow(NOVEMBER, "2026-11-01", "exemplary.com", 1, null),
      domainRow(NOVEMBER, "2026-11-01", "other.org", 0, null),
    ]);
  } finally {
    await store.close();
  }
}
