-- The other three summaries of SPEC section 5: Reachability, Domains and
-- DomainPenetration, per crawl. Filled by INSERT ... SELECT when a crawl
-- completes (services/aggregator/summaries/). ZZ rows are kept (decision 003).

CREATE TABLE IF NOT EXISTS reachability (
  crawl_id String,
  date Date,
  tld LowCardinality(String),
  service LowCardinality(String),
  country LowCardinality(String),
  hosts4 UInt64,
  hosts6 UInt64,
  reach4 UInt64,
  reach6 UInt64,
  method UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, tld, service, country);

CREATE TABLE IF NOT EXISTS domains (
  crawl_id String,
  date Date,
  domain String,
  tld LowCardinality(String),
  country LowCardinality(String),
  www_hosts UInt32,
  www_hosts6 UInt32,
  ns_hosts UInt32,
  ns_hosts6 UInt32,
  mx_hosts UInt32,
  mx_hosts6 UInt32,
  ntp_hosts UInt32,
  ntp_hosts6 UInt32,
  http4 UInt32,
  http6 UInt32,
  https4 UInt32,
  https6 UInt32,
  smtp4 UInt32,
  smtp6 UInt32,
  faster UInt32,
  pingratio Nullable(Float64),
  fewer UInt32,
  hopratio Nullable(Float64),
  method UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, domain);

CREATE TABLE IF NOT EXISTS domain_penetration (
  crawl_id String,
  date Date,
  tld LowCardinality(String),
  country LowCardinality(String),
  domains UInt64,
  domains6 UInt64,
  www UInt64,
  ns UInt64,
  mx UInt64,
  ntp UInt64,
  method UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, tld, country);
