-- Issue 19, "Web over IPv6, the same site": one row per (crawl, host, scheme) of a WWW host
-- with a valid IPv6 address, GET / over each family's first valid address (services/prober/web/).
-- Columns exactly as the readiness contract names them (docs/SPEC.md, readiness).

CREATE TABLE IF NOT EXISTS web_parity (
  crawl_id String,
  date Date,
  host String,
  scheme LowCardinality(String),
  ip4 Nullable(IPv6),
  ip6 IPv6,
  status4 UInt16,
  status6 UInt16,
  final_url4 String,
  final_url6 String,
  bytes4 UInt32,
  bytes6 UInt32,
  cert4 String,
  cert6 String,
  ttfb4_ms Float64,
  ttfb6_ms Float64,
  download4_ms Float64,
  download6_ms Float64,
  error4 LowCardinality(String),
  error6 LowCardinality(String),
  similarity Float32,
  differences Array(LowCardinality(String)),
  same UInt8,
  prober_version LowCardinality(String),
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, host, scheme);
