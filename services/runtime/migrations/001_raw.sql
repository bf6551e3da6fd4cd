-- Raw measurements of every crawl, as OONI keeps its measurements: a
-- ReplacingMergeTree ordered by the natural key, a version column so that a
-- replayed message replaces its row instead of adding one, partitions by month
-- of the crawl's date, native IP types (IPv4 addresses as IPv4-mapped IPv6
-- where one column holds both families). Read with FINAL.

CREATE TABLE IF NOT EXISTS crawls (
  crawl_id String,
  date Date,
  state LowCardinality(String),
  options String,
  source String,
  domains UInt64,
  rejected UInt64,
  started_at DateTime64(3),
  finished_at Nullable(DateTime64(3)),
  published UInt8,
  error String,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY crawl_id;

CREATE TABLE IF NOT EXISTS jobs (
  crawl_id String,
  date Date,
  domain String,
  tld LowCardinality(String),
  type LowCardinality(String),
  host String,
  priority UInt32,
  outcome LowCardinality(String),
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, domain, type, host);

CREATE TABLE IF NOT EXISTS soa (
  crawl_id String,
  date Date,
  domain String,
  tld LowCardinality(String),
  outcome LowCardinality(String),
  primary_by_soa String,
  primary_by_rank String,
  primary_in_house UInt8,
  secondary UInt32,
  total UInt32,
  rname String,
  serial UInt32,
  refresh UInt32,
  retry UInt32,
  expire UInt32,
  minimum UInt32,
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, domain);

CREATE TABLE IF NOT EXISTS hosts (
  crawl_id String,
  date Date,
  host String,
  a_outcome LowCardinality(String),
  aaaa_outcome LowCardinality(String),
  ipv4 Array(IPv4),
  ipv6 Array(IPv6),
  ip6_types Array(LowCardinality(String)),
  eui64 Array(UInt8),
  cname_chain Array(String),
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, host);

CREATE TABLE IF NOT EXISTS addresses (
  crawl_id String,
  date Date,
  ip IPv6,
  family UInt8,
  rdns String,
  rdns_outcome LowCardinality(String),
  ping_sent UInt16,
  ping_received UInt16,
  ping_min Nullable(Float64),
  ping_avg Nullable(Float64),
  ping_max Nullable(Float64),
  ping_mdev Nullable(Float64),
  tcp80 LowCardinality(String),
  tcp443 LowCardinality(String),
  tcp25 LowCardinality(String),
  starttls UInt8,
  trace_hops Nullable(UInt16),
  trace_path Array(String),
  trace_reached UInt8,
  mtu Nullable(UInt16),
  not_probed_reason String,
  prober_version LowCardinality(String),
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, ip);

CREATE TABLE IF NOT EXISTS geo (
  crawl_id String,
  date Date,
  ip IPv6,
  country LowCardinality(String),
  city String,
  region String,
  latitude Nullable(Float64),
  longitude Nullable(Float64),
  asn UInt32,
  as_org String,
  db_version LowCardinality(String),
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, ip);

CREATE TABLE IF NOT EXISTS dead_letters (
  crawl_id String,
  subject LowCardinality(String),
  key String,
  actor LowCardinality(String),
  reason String,
  attempts UInt32,
  payload String,
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
ORDER BY (crawl_id, subject, key);
