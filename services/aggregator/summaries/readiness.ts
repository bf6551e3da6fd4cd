// Readiness (issue 19; docs/SPEC.md 5a): could a client with IPv6 alone
// use this domain? One readiness_domains row a domain with its verdicts dns6,
// web6, web6_same, mail6, ntp6, ipv6_only_ready and the reason for each no;
// then the Readiness summary per (tld, country). The domain's country is the
// Domains summary's (SPEC change 8: first WWW host, else MX, else NS, else ZZ),
// so both run after it. It measures nothing: dns6 comes from dns6_chains (011),
// web6 from web_parity (012), ntp6 from the addresses' ntp_* columns (013),
// mail6 from the jobs, hosts and SMTP outcome columns (007).
//
// NULL is never "no": a verdict is NULL when it does not apply (no WWW host with
// an address, no MX host, no NTP host with an address) or was not measured
// (the metric off, a crawl older than it: the owner's table has no row for
// the crawl, or none for this host). SQL text only; the three owners' sources
// are placeholders (@dns6@, @web@, @ntp@) that readiness-sources.ts fills.
// Parameters: {crawl:String}, {date:Date}, {method:UInt16}.

import { firstValid } from "../../runtime/progress.js";
import { summarySettings } from "./host-view.js";

/** The differences of web_parity (012) in the order a reason lists them. */
export const webDifferences = [
  "status",
  "final_url",
  "certificate",
  "content",
  "off_site_redirect",
  "ipv6_failed",
] as const;

/** The verdicts in the order ipv6_only_reason names the first failing one. */
export const verdicts = ["dns6", "web6", "web6_same", "mail6", "ntp6"] as const;

// Each job row of the crawl with what readiness needs of its host: whether it has an
// address (a valid one of either family: the Domains summary's has_address), any AAAA
// at all, its first valid IPv6 address, that address's SMTP and NTP outcomes, and the
// host's web_parity rows summed up.
const jobView = `
  SELECT
    j.domain AS domain, j.tld AS tld, j.type AS type, j.host AS host,
    coalesce(h.ip4 IS NOT NULL OR h.ip6 IS NOT NULL, false) AS has_address,
    coalesce(h.ip6 IS NOT NULL, false) AS has6,
    coalesce(h.aaaa > 0, false) AS any_aaaa,
    -- SMTP of the address the summaries measure (SPEC 4): '' step = not probed
    coalesce(a6.smtp_step, '') != '' AS smtp6_measured,
    coalesce(a6.smtp_ehlo, 0) = 1 AS smtp6,
    coalesce(n6.ntp_measured, 0) = 1 AS ntp6_measured,
    coalesce(n6.ntp_answered, 0) = 1 AS ntp6_answered,
    coalesce(w.fetches, 0) AS web_fetches,
    coalesce(w.answered6, 0) AS web_answered6,
    coalesce(w.compared, 0) AS web_compared,
    coalesce(w.differing, 0) AS web_differing,
    coalesce(w.differences, []) AS web_differences
  FROM (SELECT domain, tld, type, host FROM jobs FINAL
    WHERE crawl_id = {crawl:String} AND cityHash64(domain) % {shares:UInt64} = {share:UInt64}) AS j
  LEFT JOIN (
    SELECT host, ${firstValid("ipv4", "valid4")} AS ip4, ${firstValid("ipv6", "valid6")} AS ip6, length(ipv6) AS aaaa
    FROM hosts FINAL WHERE crawl_id = {crawl:String}
  ) AS h ON h.host = j.host
  LEFT JOIN (SELECT ip, smtp_step, smtp_ehlo FROM addresses FINAL WHERE crawl_id = {crawl:String}) AS a6 ON a6.ip = h.ip6
  LEFT JOIN @ntp@ AS n6 ON n6.ip = h.ip6
  LEFT JOIN (
    -- a scheme that answered over IPv4 is compared; it differs when same = 0
    SELECT host, count() AS fetches, countIf(status6 > 0) AS answered6,
      countIf(status4 > 0) AS compared, countIf(status4 > 0 AND same = 0) AS differing,
      groupUniqArrayArrayIf(differences, status4 > 0 AND same = 0) AS differences
    FROM @web@ GROUP BY host
  ) AS w ON w.host = j.host
`;

// Per domain: the facts each verdict is decided from.
const domainFacts = `
  SELECT domain, any(tld) AS tld,
    countIf(type = 'WWW' AND has_address) > 0 AS web_applies,
    countIf(type = 'WWW' AND has_address AND web_answered6 > 0) > 0 AS web_answered,
    -- a WWW host with a valid IPv6 address that web_parity has no row for: not measured
    countIf(type = 'WWW' AND has_address AND has6 AND web_fetches = 0) > 0 AS web_unmeasured,
    countIf(type = 'WWW' AND has_address AND has6) > 0 AS web_has6,
    countIf(type = 'WWW' AND has_address AND any_aaaa) > 0 AS web_any_aaaa,
    sumIf(web_compared, type = 'WWW' AND has_address) AS same_compared,
    sumIf(web_differing, type = 'WWW' AND has_address) AS same_differing,
    groupUniqArrayArrayIf(web_differences, type = 'WWW' AND has_address) AS same_differences,
    -- an MX job row without a host is a failed look-up or a null MX: no MX host
    countIf(type = 'MX' AND host != '') > 0 AS mail_applies,
    countIf(type = 'MX' AND host != '' AND NOT has6) > 0 AS mail_without_aaaa,
    countIf(type = 'MX' AND host != '' AND has6 AND smtp6_measured AND NOT smtp6) > 0 AS mail_failed,
    countIf(type = 'MX' AND host != '' AND has6 AND NOT smtp6_measured) > 0 AS mail_unmeasured,
    countIf(type = 'NTP' AND has_address) > 0 AS ntp_applies,
    countIf(type = 'NTP' AND has_address AND NOT has6) > 0 AS ntp_without_aaaa,
    countIf(type = 'NTP' AND has_address AND has6 AND ntp6_measured AND NOT ntp6_answered) > 0 AS ntp_silent,
    countIf(type = 'NTP' AND has_address AND has6 AND NOT ntp6_measured) > 0 AS ntp_unmeasured
  FROM (${jobView})
  GROUP BY domain
`;

const firstFailing = `multiIf(${verdicts.map((v) => `r_${v} = 0, '${v}'`).join(", ")}, '')`;

export const readinessDomainsSql = `
INSERT INTO readiness_domains (crawl_id, date, domain, tld, country, dns6, dns6_reason, web6, web6_reason,
  web6_same, web6_same_reason, mail6, mail6_reason, ntp6, ntp6_reason, ipv6_only_ready, ipv6_only_reason, method)
SELECT {crawl:String}, {date:Date}, domain, tld, country, r_dns6, dns6_reason, r_web6, web6_reason,
  r_web6_same, web6_same_reason, r_mail6, mail6_reason, r_ntp6, ntp6_reason, ready, ready_reason, {method:UInt16}
FROM (
  WITH
    -- the owners' tables have rows for this crawl: the metric was on (an older crawl has none)
    (SELECT count() > 0 FROM @web@) AS web_measured,
    (SELECT countIf(ntp_measured = 1) > 0 FROM @ntp@) AS ntp_crawl_measured
  SELECT
    f.domain AS domain, f.tld AS tld, coalesce(d.country, 'ZZ') AS country,
    c.ready AS r_dns6, coalesce(c.reason, '') AS dns6_reason,
    multiIf(NOT f.web_applies OR NOT web_measured, NULL, f.web_answered, 1, f.web_unmeasured, NULL, 0) AS r_web6,
    if(r_web6 = 0, multiIf(f.web_has6, 'ipv6_failed', f.web_any_aaaa, 'invalid_aaaa', 'no_aaaa'), '') AS web6_reason,
    f.web_applies AND (NOT web_measured OR (f.same_differing = 0 AND f.web_unmeasured)) AS same_unknown,
    multiIf(NOT f.web_applies OR NOT web_measured, NULL, f.same_differing > 0, 0,
      same_unknown OR f.same_compared = 0, NULL, 1) AS r_web6_same,
    if(r_web6_same = 0,
      arrayStringConcat(arraySort(x -> indexOf([${webDifferences.map((d) => `'${d}'`).join(", ")}], x), f.same_differences), ','),
      '') AS web6_same_reason,
    multiIf(NOT f.mail_applies, NULL, f.mail_without_aaaa OR f.mail_failed, 0, f.mail_unmeasured, NULL, 1) AS r_mail6,
    multiIf(f.mail_without_aaaa, 'mx_without_aaaa', f.mail_failed, 'smtp6_failed', '') AS mail6_reason,
    multiIf(NOT f.ntp_applies OR NOT ntp_crawl_measured, NULL, f.ntp_without_aaaa OR f.ntp_silent, 0,
      f.ntp_unmeasured, NULL, 1) AS r_ntp6,
    if(r_ntp6 = 0, multiIf(f.ntp_without_aaaa, 'ntp_without_aaaa', 'ntp6_silent'), '') AS ntp6_reason,
    -- no when any verdict that applies is no; unknown (NULL) when none is no but one is unknown
    ${firstFailing} AS ready_reason,
    multiIf(ready_reason != '', 0,
      r_dns6 IS NULL OR (f.web_applies AND r_web6 IS NULL) OR same_unknown
        OR (f.mail_applies AND r_mail6 IS NULL) OR (f.ntp_applies AND r_ntp6 IS NULL), NULL,
      1) AS ready
  FROM (${domainFacts}) AS f
  LEFT JOIN @dns6@ AS c ON c.domain = f.domain
  LEFT JOIN (SELECT domain, country FROM domains
    WHERE crawl_id = {crawl:String} AND cityHash64(domain) % {shares:UInt64} = {share:UInt64}) AS d ON d.domain = f.domain
)
${summarySettings}
`;

// count(x) counts the rows where x is not NULL: the domains the verdict applies to and was measured for.
const counts = ([...verdicts, "ipv6_only_ready"] as const)
  .map((v) => `count(${v}) AS ${v}_applicable, countIf(${v} = 1) AS ${v}_yes`)
  .join(",\n  ");

export const readinessSummarySql = `
INSERT INTO readiness (crawl_id, date, tld, country, domains, dns6_applicable, dns6_yes, web6_applicable, web6_yes,
  web6_same_applicable, web6_same_yes, mail6_applicable, mail6_yes, ntp6_applicable, ntp6_yes,
  ipv6_only_ready_applicable, ipv6_only_ready_yes, method)
SELECT
  {crawl:String}, {date:Date}, tld, country, count() AS domains,
  ${counts},
  {method:UInt16}
FROM readiness_domains WHERE crawl_id = {crawl:String}
GROUP BY tld, country
`;
