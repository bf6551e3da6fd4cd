// HostData (SPEC section 5): per TLD, feature type and country, over the job
// rows of that type. hosts* count job rows; the ping and path columns count
// distinct hosts, each once per type and TLD (SPEC: a host with several types
// counts under each). Parameters: {crawl:String}, {date:Date}, {method:UInt16}.

import { hostViewSql, summarySettings } from "./host-view.js";

export const hostDataSql = `
INSERT INTO host_data (crawl_id, date, tld, type, country, hosts, hosts4, hosts6, dualstack, noip,
  pinghosts, faster, ping4, ping6, pathhosts, fewer, hops4, hops6, method)
SELECT
  {crawl:String}, {date:Date}, tld, type, country,
  sum(rows) AS hosts,
  sumIf(rows, has4 AND NOT has6) AS hosts4,
  sumIf(rows, has6 AND NOT has4) AS hosts6,
  sumIf(rows, has4 AND has6) AS dualstack,
  sumIf(rows, NOT has4 AND NOT has6) AS noip,
  countIf(pinged) AS pinghosts,
  countIf(pinged AND host_avg4 > host_avg6) AS faster,
  round(sumIf(host_avg4, pinged), 3) AS ping4,
  round(sumIf(host_avg6, pinged), 3) AS ping6,
  countIf(traced) AS pathhosts,
  countIf(traced AND host_hops4 > host_hops6) AS fewer,
  sumIf(host_hops4, traced) AS hops4,
  sumIf(host_hops6, traced) AS hops6,
  {method:UInt16}
FROM (
  SELECT
    j.tld AS tld, j.type AS type,
    -- NULL for every host the view does not have (no address): their rows count alike (no address,
    -- ZZ, no RTT), so they make one group per TLD and type instead of one per host
    v.host AS view_host,
    count() AS rows,
    any(coalesce(v.has4, false)) AS has4,
    any(coalesce(v.has6, false)) AS has6,
    any(v.avg4) AS host_avg4, any(v.avg6) AS host_avg6,
    any(v.hops4) AS host_hops4, any(v.hops6) AS host_hops6,
    any(v.avg4) IS NOT NULL AND any(v.avg6) IS NOT NULL AS pinged,
    any(v.hops4) IS NOT NULL AND any(v.hops6) IS NOT NULL AS traced,
    any(coalesce(v.country, 'ZZ')) AS country
  FROM (SELECT tld, type, host FROM jobs FINAL WHERE crawl_id = {crawl:String}) AS j
  LEFT JOIN (${hostViewSql}) AS v ON v.host = j.host
  GROUP BY tld, type, view_host
)
GROUP BY tld, type, country
${summarySettings}
`;
