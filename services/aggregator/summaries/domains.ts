// Domains (SPEC section 5, changes 5 and 8): one row per domain. Its country is
// that of its first WWW host with an address in prefix order, else its first
// MX host by preference, else its first NS host by rank, else ZZ. ns_hosts and
// mx_hosts count every NS / MX job row; www_hosts and ntp_hosts those with an
// address. http/https count WWW rows whose address of that family had the
// port open, smtp MX rows whose address of that family greeted and answered
// EHLO (SPEC 4: the SMTP outcome, not tcp25); faster/pingratio and fewer/hopratio are over the domain's distinct
// hosts with both RTTs / both hop counts.
// Parameters: {crawl:String}, {date:Date}, {www_prefixes:Array(String)}, {method:UInt16}, and
// {share:UInt64} of {shares:UInt64}: the domains whose hash falls in that share (all of them when
// shares is 1), so that a large crawl is grouped a share at a time (summaries.ts).

import { hostViewSql, summarySettings } from "./host-view.js";

export const domainsSql = `
INSERT INTO domains (crawl_id, date, domain, tld, country, www_hosts, www_hosts6, ns_hosts, ns_hosts6, mx_hosts, mx_hosts6,
  ntp_hosts, ntp_hosts6, http4, http6, https4, https6, smtp4, smtp6, faster, pingratio, fewer, hopratio, method)
SELECT
  {crawl:String}, {date:Date}, domain, any(tld),
  -- change 8: web host first, then mail, then DNS; ties broken by the order within the feature. The
  -- two in one number (order_in_feature < 2^32): a tuple key made argMin's state a generic Field per domain
  coalesce(argMinIf(country, feature_rank * 4294967296 + order_in_feature, has_address AND feature_rank < 3), 'ZZ') AS country,
  countIf(type = 'WWW' AND has_address), countIf(type = 'WWW' AND has6),
  -- ns_hosts and mx_hosts count every job row, a failed look-up's and a host's without an
  -- address included, as the original's SQL did (SPEC 5): imported years trend without a jump
  countIf(type = 'NS'), countIf(type = 'NS' AND has6),
  countIf(type = 'MX'), countIf(type = 'MX' AND has6),
  countIf(type = 'NTP' AND has_address), countIf(type = 'NTP' AND has6),
  countIf(type = 'WWW' AND open80_4), countIf(type = 'WWW' AND open80_6),
  countIf(type = 'WWW' AND open443_4), countIf(type = 'WWW' AND open443_6),
  countIf(type = 'MX' AND smtp_4), countIf(type = 'MX' AND smtp_6),
  -- each distinct host of the domain once, whatever its number of job rows; arrayDistinct of a
  -- groupArray, not groupUniqArray: a groupUniqArray state is a hash table allocated for every domain,
  -- pinged or not (two per domain were most of the summaries' memory), an empty groupArray is a pointer
  length(arrayFilter(h -> h.2 > h.3, arrayDistinct(groupArrayIf((host, assumeNotNull(avg4), assumeNotNull(avg6)), pinged)))) AS faster,
  if(countIf(pinged) = 0, NULL,
    arraySum(h -> h.3, arrayDistinct(groupArrayIf((host, assumeNotNull(avg4), assumeNotNull(avg6)), pinged))) /
    arraySum(h -> h.2, arrayDistinct(groupArrayIf((host, assumeNotNull(avg4), assumeNotNull(avg6)), pinged)))) AS pingratio,
  length(arrayFilter(h -> h.2 > h.3, arrayDistinct(groupArrayIf((host, toFloat64(assumeNotNull(hops4)), toFloat64(assumeNotNull(hops6))), traced)))) AS fewer,
  if(countIf(traced) = 0, NULL,
    arraySum(h -> h.3, arrayDistinct(groupArrayIf((host, toFloat64(assumeNotNull(hops4)), toFloat64(assumeNotNull(hops6))), traced))) /
    arraySum(h -> h.2, arrayDistinct(groupArrayIf((host, toFloat64(assumeNotNull(hops4)), toFloat64(assumeNotNull(hops6))), traced)))) AS hopratio,
  {method:UInt16}
FROM (
  SELECT
    j.domain AS domain, j.tld AS tld, j.type AS type, j.host AS host,
    toUInt64(multiIf(j.type = 'WWW', 0, j.type = 'MX', 1, j.type = 'NS', 2, 3)) AS feature_rank,
    if(j.type = 'WWW', indexOf({www_prefixes:Array(String)}, substring(j.host, 1, length(j.host) - length(j.domain) - 1)), j.priority) AS order_in_feature,
    coalesce(v.has4, false) OR coalesce(v.has6, false) AS has_address,
    coalesce(v.has6, false) AS has6,
    coalesce(v.open80_4, false) AS open80_4, coalesce(v.open80_6, false) AS open80_6,
    coalesce(v.open443_4, false) AS open443_4, coalesce(v.open443_6, false) AS open443_6,
    coalesce(v.smtp_4, false) AS smtp_4, coalesce(v.smtp_6, false) AS smtp_6,
    v.avg4 AS avg4, v.avg6 AS avg6, v.hops4 AS hops4, v.hops6 AS hops6,
    v.avg4 IS NOT NULL AND v.avg6 IS NOT NULL AS pinged,
    v.hops4 IS NOT NULL AND v.hops6 IS NOT NULL AS traced,
    v.country AS country
  FROM (SELECT domain, tld, type, host, priority FROM jobs FINAL
    WHERE crawl_id = {crawl:String} AND cityHash64(domain) % {shares:UInt64} = {share:UInt64}) AS j
  LEFT JOIN (${hostViewSql}) AS v ON v.host = j.host
)
GROUP BY domain
${summarySettings}
`;
