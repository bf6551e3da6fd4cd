// A miniature DNS tree for the chain walk's tests (test/resolver/chain6.test.ts), served by three
// NSD instances on ::1: the root, the TLDs (test, net) and the domains. Addresses are documentation
// addresses that the test maps onto the servers' loopback ports; one case per dns6 reason.

const soa = (zone: string) =>
  `${zone === "." ? "" : zone}. 300 IN SOA a.nic.test. hostmaster.nic.test. 1 3600 600 86400 300`;

/** Which server each address stands for ("silent": nothing answers; "lame": a server of other zones). */
export const ADDRESSES = {
  root: "2001:db8:53::1",
  tld: "2001:db8:53::2",
  prov: "2001:db8:53::3",
  ready: "2001:db8:53::5",
  lame: "2001:db8:53::7",
  silent: "2001:db8:53::9",
} as const;

export const rootZone = [
  soa("."),
  ". NS a.root.test.",
  `a.root.test. AAAA ${ADDRESSES.root}`,
  "test. NS a.nic.test.",
  "net. NS a.nic.test.",
  `a.nic.test. AAAA ${ADDRESSES.tld}`,
].join("\n");

export const tldZones = {
  test: [
    soa("test"),
    "test. NS a.nic.test.",
    `a.nic.test. AAAA ${ADDRESSES.tld}`,
    // Ready: two IPv6 name servers, one in-bailiwick with AAAA glue, one out of bailiwick.
    "ready.test. NS ns1.ready.test.",
    "ready.test. NS ns1.prov.net.",
    `ns1.ready.test. AAAA ${ADDRESSES.ready}`,
    // The provider's pair: one with IPv6, one without.
    "one.test. NS ns1.prov.net.",
    "one.test. NS ns2.prov.net.",
    // In-bailiwick name server, glue A only (the child has its AAAA).
    "noglue.test. NS ns1.noglue.test.",
    "ns1.noglue.test. A 192.0.2.1",
    // AAAA glue, nothing answers there.
    "silent.test. NS ns1.silent.test.",
    `ns1.silent.test. AAAA ${ADDRESSES.silent}`,
    // AAAA glue pointing at a server that does not serve the zone.
    "lame.test. NS ns1.lame.test.",
    `ns1.lame.test. AAAA ${ADDRESSES.lame}`,
    // The only name server's AAAA is IPv4-mapped.
    "mapped.test. NS ns3.prov.net.",
    // Out-of-bailiwick name server without AAAA.
    "nov6.test. NS ns2.prov.net.",
    // The child names a name server the parent does not.
    "disagree.test. NS ns1.prov.net.",
    // Glueless delegations that need each other.
    "cyc1.test. NS ns.cyc2.test.",
    "cyc2.test. NS ns.cyc1.test.",
  ].join("\n"),
  net: [
    soa("net"),
    "net. NS a.nic.test.",
    "prov.net. NS ns1.prov.net.",
    "prov.net. NS ns2.prov.net.",
    `ns1.prov.net. AAAA ${ADDRESSES.prov}`,
    "ns2.prov.net. A 192.0.2.4",
  ].join("\n"),
};

const domainZone = (zone: string, ns: string[], extra: string[] = []) =>
  [soa(zone), ...ns.map((n) => `${zone}. NS ${n}.`), ...extra].join("\n");

export const authZones = {
  "prov.net": domainZone(
    "prov.net",
    ["ns1.prov.net", "ns2.prov.net"],
    [
      `ns1.prov.net. AAAA ${ADDRESSES.prov}`,
      "ns2.prov.net. A 192.0.2.4",
      "ns3.prov.net. AAAA ::ffff:192.0.2.3",
    ],
  ),
  "ready.test": domainZone(
    "ready.test",
    ["ns1.ready.test", "ns1.prov.net"],
    [`ns1.ready.test. AAAA ${ADDRESSES.ready}`],
  ),
  "one.test": domainZone("one.test", ["ns1.prov.net", "ns2.prov.net"]),
  "noglue.test": domainZone("noglue.test", ["ns1.noglue.test"], [`ns1.noglue.test. AAAA ${ADDRESSES.ready}`]),
  "mapped.test": domainZone("mapped.test", ["ns3.prov.net"]),
  "nov6.test": domainZone("nov6.test", ["ns2.prov.net"]),
  "disagree.test": domainZone("disagree.test", ["ns1.prov.net", "ns9.prov.net"]),
};
