// Zones NSD serves in the resolver's tests, one per case a crawl must classify:
// data, NODATA, NXDOMAIN, CNAME chains (within and across zones, dangling,
// looping), an answer too big for UDP, and a zone NSD cannot load (SERVFAIL).

const soa = (origin: string) =>
  `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ns1.${origin}. hostmaster.${origin}. 7 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.53\n`;

export const zones = {
  "r.example": `${soa("r.example")}www A 192.0.2.1
www AAAA 2001:db8::1
v4only A 192.0.2.2
c1 CNAME c2
c2 CNAME www.o.example.
dangling CNAME nothing.o.example.
l1 CNAME l2
l2 CNAME l1
${Array.from({ length: 60 }, (_, i) => `big AAAA 2001:db8::${(i + 1).toString(16)}\n`).join("")}`,
  "o.example": `${soa("o.example")}www A 192.0.2.9\n`,
  // A zone NSD cannot load: it answers SERVFAIL for everything in it.
  "broken.example": "this is not a zone file\n",
};
