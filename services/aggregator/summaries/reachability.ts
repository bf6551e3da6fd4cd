// Reachability (SPEC section 5): per TLD, service and country. HTTP and HTTPS
// over WWW job rows (ports 80, 443), SMTP over MX job rows (port 25; the
// original called it SMTPS). hosts4/hosts6 count job rows with an address of
// that family; reach4/reach6 those whose address had the port open.
// Parameters: {crawl:String}, {date:Date}, {method:UInt16}.

import { hostViewSql, summarySettings } from "./host-view.js";

export const reachabilitySql = `
INSERT INTO reachability (crawl_id, date, tld, service, country, hosts4, hosts6, reach4, reach6, method)
SELECT
  {crawl:String}, {date:Date}, j.tld AS tld, s.service AS service, coalesce(v.country, 'ZZ') AS country,
  countIf(coalesce(v.has4, false)) AS hosts4,
  countIf(coalesce(v.has6, false)) AS hosts6,
  countIf(coalesce(multiIf(s.service = 'HTTP', v.open80_4, s.service = 'HTTPS', v.open443_4, v.open25_4), false)) AS reach4,
  countIf(coalesce(multiIf(s.service = 'HTTP', v.open80_6, s.service = 'HTTPS', v.open443_6, v.open25_6), false)) AS reach6,
  {method:UInt16}
FROM (SELECT tld, type, host FROM jobs FINAL WHERE crawl_id = {crawl:String} AND type IN ('WWW', 'MX')) AS j
INNER JOIN (SELECT 'WWW' AS type, arrayJoin(['HTTP', 'HTTPS']) AS service UNION ALL SELECT 'MX', 'SMTP') AS s ON s.type = j.type
LEFT JOIN (${hostViewSql}) AS v ON v.host = j.host
GROUP BY tld, service, country
${summarySettings}
`;
