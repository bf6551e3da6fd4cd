// DomainPenetration (SPEC section 5): per TLD and country (the domain's, from
// the Domains summary, so it must be computed first; ZZ is kept here):
// domains, those with at least one IPv6 host in any feature, and per feature.
// Parameters: {crawl:String}, {date:Date}, {method:UInt16}.

export const domainPenetrationSql = `
INSERT INTO domain_penetration (crawl_id, date, tld, country, domains, domains6, www, ns, mx, ntp, method)
SELECT
  {crawl:String}, {date:Date}, tld, country,
  count() AS domains,
  countIf(www_hosts6 + ns_hosts6 + mx_hosts6 + ntp_hosts6 > 0) AS domains6,
  countIf(www_hosts6 > 0) AS www,
  countIf(ns_hosts6 > 0) AS ns,
  countIf(mx_hosts6 > 0) AS mx,
  countIf(ntp_hosts6 > 0) AS ntp,
  {method:UInt16}
FROM domains WHERE crawl_id = {crawl:String}
GROUP BY tld, country
`;
