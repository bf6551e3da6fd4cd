-- HostData (SPEC section 5): per crawl, TLD, feature type and country. Rows
-- for ZZ (country unknown) are kept in the table and left out by the views
-- and exports unless asked for, so what could not be placed stays visible.
-- method: 2 = this project's measurement method (SPEC section 6).

CREATE TABLE IF NOT EXISTS host_data (
  crawl_id String,
  date Date,
  tld LowCardinality(String),
  type LowCardinality(String),
  country LowCardinality(String),
  hosts UInt64,
  hosts4 UInt64,
  hosts6 UInt64,
  dualstack UInt64,
  noip UInt64,
  pinghosts UInt64,
  faster UInt64,
  ping4 Float64,
  ping6 Float64,
  pathhosts UInt64,
  fewer UInt64,
  hops4 UInt64,
  hops6 UInt64,
  method UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (crawl_id, tld, type, country);
