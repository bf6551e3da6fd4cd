-- Issue 19: IPv6-only readiness. readiness_domains holds each domain's verdicts
-- with the reason for each no (docs/SPEC.md, Readiness); readiness sums them
-- per (date, tld, country), beside the four summaries. Both are filled by
-- INSERT ... SELECT from the raw tables and the owners' tables of 011-013
-- (services/aggregator/summaries/readiness.ts). A verdict is NULL when it does
-- not apply (no WWW / MX / NTP host) or was not measured (metric off, a crawl
-- older than the metric): NULL is never "no". dns6 and ipv6_only_ready are
-- Nullable too, for the same reason.

CREATE TABLE IF NOT EXISTS readiness_domains (
  crawl_id String,
  date Date,
  domain String,
  tld LowCardinality(String),
  country LowCardinality(String),
  dns6 Nullable(UInt8),
  dns6_reason LowCardinality(String),
  web6 Nullable(UInt8),
  web6_reason LowCardinality(String),
  web6_same Nullable(UInt8),
  web6_same_reason LowCardinality(String),
  mail6 Nullable(UInt8),
  mail6_reason LowCardinality(String),
  ntp6 Nullable(UInt8),
  ntp6_reason LowCardinality(String),
  ipv6_only_ready Nullable(UInt8),
  ipv6_only_reason LowCardinality(String),
  method UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, domain);

-- <verdict>_applicable: domains with that verdict (it applies and was measured);
-- <verdict>_yes: of those, the ones that passed.
CREATE TABLE IF NOT EXISTS readiness (
  crawl_id String,
  date Date,
  tld LowCardinality(String),
  country LowCardinality(String),
  domains UInt64,
  dns6_applicable UInt64,
  dns6_yes UInt64,
  web6_applicable UInt64,
  web6_yes UInt64,
  web6_same_applicable UInt64,
  web6_same_yes UInt64,
  mail6_applicable UInt64,
  mail6_yes UInt64,
  ntp6_applicable UInt64,
  ntp6_yes UInt64,
  ipv6_only_ready_applicable UInt64,
  ipv6_only_ready_yes UInt64,
  method UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, tld, country);
