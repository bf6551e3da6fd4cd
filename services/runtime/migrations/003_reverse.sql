-- PTR names of addresses (hosts' and routers'), asked once per crawl by the
-- resolver; joined to addresses and trace paths when read.

CREATE TABLE IF NOT EXISTS reverse (
  crawl_id String,
  date Date,
  ip IPv6,
  name String,
  outcome LowCardinality(String),
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, ip);
