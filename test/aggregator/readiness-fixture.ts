// TEST ONLY: the three tables the Readiness SQL reads from other engineers of
// issue 19, with exactly the columns of their contract (dns6_chains 011,
// web_parity 012, the addresses' ntp_* columns 013). Their own migrations
// create them in the store; this creates them where a test's store lacks
// them (IF NOT EXISTS), so the same SQL runs before and after they land.

import type { Store } from "../../services/runtime/store.js";

const statements = [
  `CREATE TABLE IF NOT EXISTS dns6_chains (
    crawl_id String, date Date, domain String,
    ready UInt8, reason LowCardinality(String), broken_zone String,
    min_servers UInt8, zone_servers UInt8, cuts Array(String), cut_servers Array(UInt8),
    parent_child_agree UInt8, queries UInt32
  ) ENGINE = MergeTree ORDER BY (crawl_id, domain)`,
  `CREATE TABLE IF NOT EXISTS web_parity (
    crawl_id String, date Date, host String, scheme LowCardinality(String),
    ip4 Nullable(IPv6), ip6 IPv6, status4 UInt16, status6 UInt16,
    final_url4 String, final_url6 String, bytes4 UInt32, bytes6 UInt32, cert4 String, cert6 String,
    ttfb4_ms Float64, ttfb6_ms Float64, download4_ms Float64, download6_ms Float64,
    error4 LowCardinality(String), error6 LowCardinality(String), similarity Float32,
    differences Array(LowCardinality(String)), same UInt8
  ) ENGINE = MergeTree ORDER BY (crawl_id, host, scheme)`,
  "ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_answered UInt8",
  "ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_stratum UInt8",
  "ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_offset_ms Float64",
  "ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_rtt_ms Float64",
  "ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_failure LowCardinality(String)",
  "ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_measured UInt8",
];

export async function createOwnersTables(store: Store): Promise<void> {
  for (const sql of statements) await store.exec(sql);
}

/** A dns6_chains row: ready, or the reason its chain breaks. */
export function dns6Row(crawlId: string, date: string, domain: string, reason = "") {
  return {
    crawl_id: crawlId,
    date,
    domain,
    ready: reason === "" ? 1 : 0,
    reason,
    broken_zone: reason === "" ? "" : domain,
    min_servers: reason === "" ? 2 : 0,
    zone_servers: reason === "" ? 2 : 0,
    cuts: [".", domain.split(".").pop()!, domain],
    cut_servers: [2, 2, reason === "" ? 2 : 0],
    parent_child_agree: 1,
    queries: 2,
  };
}

/** A web_parity row of one host and scheme; status 0 = no response. */
export function webRow(
  crawlId: string,
  date: string,
  host: string,
  scheme: "http" | "https",
  status4: number,
  status6: number,
  differences: string[] = [],
) {
  return {
    crawl_id: crawlId,
    date,
    host,
    scheme,
    ip4: status4 > 0 ? "::ffff:192.0.2.1" : null,
    ip6: "2001:db8::1",
    status4,
    status6,
    final_url4: "",
    final_url6: "",
    bytes4: 0,
    bytes6: 0,
    cert4: "",
    cert6: "",
    ttfb4_ms: 1,
    ttfb6_ms: 1,
    download4_ms: 1,
    download6_ms: 1,
    error4: status4 > 0 ? "" : "connection_refused",
    error6: status6 > 0 ? "" : "connection_refused",
    similarity: differences.length === 0 ? 100 : 0,
    differences,
    same: differences.length === 0 && status4 > 0 && status6 > 0 ? 1 : 0,
  };
}
