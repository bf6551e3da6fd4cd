// The zones and domain list of the thin end-to-end crawls (one process and
// distributed), and the WWW HostData they must give, worked out by hand.

const soa = (origin: string) =>
  `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ns1.${origin}. hostmaster.${origin}. 1 3600 600 86400 300\n`;

// alpha.com: www dual-stack, www6 IPv6 only, ntp IPv4 only, no MX (NODATA), NS in-house.
// beta.com: www IPv4 only, NS shared with alpha.com, MX at alpha.com's dual-stack mail host.
// gamma.org: www is a CNAME to www.alpha.com (dual-stack), ipv6 IPv6 only, no MX.
// delta.net: not served at all: every question is REFUSED.
/**
 * The zones' documentation addresses stand in for real hosts: valid (decision 010) without a
 * packet sent to them, as these crawls run in the root namespace (IPV6MATRIX_RESOLVER_VALID_RANGES).
 */
export const validRanges = "192.0.2.0/24,198.51.100.0/24,2001:db8::/32";

export const zones = {
  "alpha.com": `${soa("alpha.com")}@ NS ns1
ns1 A 192.0.2.53
www A 192.0.2.10
www AAAA 2001:db8::10
www6 AAAA 2001:db8::11
ntp A 192.0.2.123
mail A 192.0.2.25
mail AAAA 2001:db8::25
`,
  "beta.com": `${soa("beta.com")}@ NS ns1.alpha.com.
@ MX 10 mail.alpha.com.
www A 192.0.2.20
`,
  "gamma.org": `${soa("gamma.org")}@ NS ns1
ns1 A 198.51.100.53
www CNAME www.alpha.com.
ipv6 AAAA 2001:db8::30
`,
};

export const domains = `# thin slice
alpha.com
Beta.COM.
not a domain
gamma.org
alpha.com
delta.net
`;

/** WWW HostData (tld, hosts, hosts4, hosts6, dualstack, noip), every country ZZ (no geo yet). */
export const expectedWwwHostData = [
  // alpha: www dual, www6 v6; beta: www v4; the other 7 of 10 have no address.
  ["com", 10, 1, 1, 1, 7],
  // delta.net: all 5 REFUSED.
  ["net", 5, 0, 0, 0, 5],
  // gamma: www dual through the CNAME, ipv6 v6 only, 3 without.
  ["org", 5, 0, 1, 1, 3],
];
