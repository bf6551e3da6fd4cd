-- Issue 19 (dns6): whether a domain's DNS resolves over IPv6 alone, from the root down, one row
-- per (crawl_id, domain), as the resolver's chain walk (services/resolver/chain6) found it. The
-- columns are the READINESS contract shared with the readiness summary; docs/decisions/014 says
-- what a cut, a server and each reason are.

CREATE TABLE IF NOT EXISTS dns6_chains (
  crawl_id String,
  date Date,
  domain String,
  ready UInt8,
  reason LowCardinality(String),
  broken_zone String,
  min_servers UInt8,
  zone_servers UInt8,
  cuts Array(String),
  cut_servers Array(UInt8),
  parent_child_agree UInt8,
  queries UInt32,
  version DateTime64(3) MATERIALIZED now64()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, domain);
