// A crawl of the original crawler, written by hand in its exact formats
// (output.py: csv.writer rows ending in CRLF, `n/a` for unknowns, NS and MX
// hosts in dnspython's absolute form, soa_NS written with ",".join and "\n").
// Three domains; the expected summaries are worked out in legacy.test.ts.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const legacyRun = "2021-06-01__17-00-00";

const csv = (...rows: string[]) => rows.map((row) => `${row}\r\n`).join("");

/** The files of one TLD's run folder. */
export const legacyFiles: Record<string, Record<string, string>> = {
  com: {
    "MX_com.log": csv("MX,a.com,mx.shared.net.,192.0.2.25,2001:db8::25,10"),
    "NS_com.log": csv("NS,a.com,ns.shared.net.,192.0.2.53,n/a,1", "NS,b.com,ns.shared.net.,192.0.2.53,n/a,1"),
    "WWW_com.log": csv("WWW,a.com,www.a.com,192.0.2.1,2001:db8::1", "WWW,b.com,www.b.com,192.0.2.2,n/a"),
    "NTP_com.log": "",
    "reverse_MX_com.log": csv(
      "reverse,a.com,mx.shared.net.,192.0.2.25,2001:db8::25,mx.shared.net.,mx.shared.net.",
      "reverse,b.com,n/a,n/a,n/a,n/a,n/a",
    ),
    "reverse_NS_com.log": csv(
      "reverse,a.com,ns.shared.net.,192.0.2.53,n/a,ns.shared.net.,n/a",
      "reverse,b.com,ns.shared.net.,192.0.2.53,n/a,ns.shared.net.,n/a",
    ),
    "reverse_WWW_com.log": csv(
      "reverse,a.com,www.a.com,192.0.2.1,2001:db8::1,www.a.com.,n/a",
      "reverse,a.com,www6.a.com,n/a,n/a,n/a,n/a",
      "reverse,b.com,www.b.com,192.0.2.2,n/a,n/a,n/a",
      "reverse,b.com,www6.b.com,n/a,n/a,n/a,n/a",
    ),
    "reverse_NTP_com.log": csv(
      "reverse,a.com,ntp.a.com,n/a,n/a,n/a,n/a",
      "reverse,b.com,ntp.b.com,n/a,n/a,n/a,n/a",
    ),
    "geoip_MX_com.log": csv(
      "geoip,a.com,mx.shared.net.,192.0.2.25,2001:db8::25,AS64502 Mail BV,Amsterdam,North Holland,NL,4.9,4.9",
    ),
    "geoip_NS_com.log": csv(
      "geoip,a.com,ns.shared.net.,192.0.2.53,n/a,AS64503 DNS Inc,n/a,n/a,US,-97.8,-97.8",
      "geoip,b.com,ns.shared.net.,192.0.2.53,n/a,AS64503 DNS Inc,n/a,n/a,US,-97.8,-97.8",
    ),
    "geoip_WWW_com.log": csv(
      "geoip,a.com,www.a.com,192.0.2.1,2001:db8::1,AS64500 Example Net,Berlin,Land Berlin,DE,13.4,13.4",
      'geoip,b.com,www.b.com,192.0.2.2,n/a,"AS64501 Exemple, SA",Paris,Île-de-France,FR,2.35,2.35',
    ),
    "geoip_NTP_com.log": "",
    // The original passed the answer set to getIPV6Subnet: valid False (0), no id, no type.
    "ip6Type_MX_com.log": csv("ip6Type,a.com,mx.shared.net.,2001:db8::25,0,n/a,n/a"),
    "ip6Type_NS_com.log": "",
    "ip6Type_WWW_com.log": csv("ip6Type,a.com,www.a.com,2001:db8::1,0,n/a,n/a"),
    "ip6Type_NTP_com.log": "",
    "tcp25_MX_com.log": csv(
      "tcp25,a.com,mx.shared.net.,25,192.0.2.25,2001:db8::25,True,False",
      "tcp25,b.com,n/a,25,n/a,n/a,n/a,n/a",
    ),
    // tls is a UNION: sorted, one row per address.
    "tls_MX_com.log": csv(
      "tls,a.com,mx.shared.net.,192.0.2.25,True,True",
      "tls,a.com,mx.shared.net.,2001:db8::25,False,False",
      "tls,b.com,n/a,n/a,n/a,n/a",
    ),
    "tcp80_WWW_com.log": csv(
      "tcp80,a.com,www.a.com,80,192.0.2.1,2001:db8::1,True,True",
      "tcp80,a.com,www6.a.com,80,n/a,n/a,n/a,n/a",
      "tcp80,b.com,www.b.com,80,192.0.2.2,n/a,True,n/a",
      "tcp80,b.com,www6.b.com,80,n/a,n/a,n/a,n/a",
    ),
    "tcp443_WWW_com.log": csv(
      "tcp443,a.com,www.a.com,443,192.0.2.1,2001:db8::1,True,False",
      "tcp443,a.com,www6.a.com,443,n/a,n/a,n/a,n/a",
      "tcp443,b.com,www.b.com,443,192.0.2.2,n/a,False,n/a",
      "tcp443,b.com,www6.b.com,443,n/a,n/a,n/a,n/a",
    ),
    // max6 is avg6: the original's merge overwrote it.
    "ping_MX_com.log": csv(
      "ping,a.com,mx.shared.net.,192.0.2.25,2001:db8::25,5,19.0,20.0,21.0,0.5,29.0,30.0,30.0,0.5",
    ),
    "ping_NS_com.log": csv(
      "ping,a.com,ns.shared.net.,192.0.2.53,n/a,5,4.0,5.0,6.0,0.1,n/a,n/a,n/a,n/a",
      "ping,b.com,ns.shared.net.,192.0.2.53,n/a,5,4.0,5.0,6.0,0.1,n/a,n/a,n/a,n/a",
    ),
    "ping_WWW_com.log": csv(
      "ping,a.com,www.a.com,192.0.2.1,2001:db8::1,5,9.5,10.0,10.5,0.3,7.5,8.0,8.0,0.2",
      "ping,b.com,www.b.com,192.0.2.2,n/a,5,20.1,20.2,20.3,0.1,n/a,n/a,n/a,n/a",
    ),
    "ping_NTP_com.log": "",
    "path_MX_com.log": csv(
      "path,a.com,mx.shared.net.,192.0.2.25,2001:db8::25,1500,7,7,gw --> r1 --> no --> 192.0.2.25,1500,7,7,gw6 --> r6 --> mx.shared.net",
    ),
    "path_NS_com.log": csv(
      "path,a.com,ns.shared.net.,192.0.2.53,n/a,1500,3,3,gw --> r1 --> ns.shared.net,n/a,n/a,n/a,n/a",
      "path,b.com,ns.shared.net.,192.0.2.53,n/a,1500,3,3,gw --> r1 --> ns.shared.net,n/a,n/a,n/a,n/a",
    ),
    "path_WWW_com.log": csv(
      "path,a.com,www.a.com,192.0.2.1,2001:db8::1,1500,5,5,gw --> r1 --> r2 --> r3 --> www.a.com,1500,4,4,gw6 --> r6 --> r7 --> www.a.com",
      "path,b.com,www.b.com,192.0.2.2,n/a,n/a,n/a,n/a,n/a,n/a,n/a,n/a,n/a",
    ),
    "path_NTP_com.log": "",
    "soa_NS_com.log": [
      "soa,a.com,ns.shared.net.,ns.shared.net.,0,0,1,hostmaster.a.com.,2021060101,3600,600,86400,300\n",
      "soa,b.com,ns.shared.net.,ns.shared.net.,0,0,1,hostmaster.b.com.,7,7200,900,604800,3600\n",
    ].join(""),
  },
  org: {
    "MX_org.log": csv("MX,c.org,mx.shared.net.,192.0.2.25,2001:db8::25,5"),
    "NS_org.log": csv("NS,c.org,ns.c.org.,192.0.2.54,n/a,1"),
    "WWW_org.log": csv("WWW,c.org,www.c.org,n/a,2001:db8::3"),
    "NTP_org.log": csv("NTP,c.org,ntp.c.org,192.0.2.123,n/a"),
    "reverse_WWW_org.log": csv(
      "reverse,c.org,www.c.org,n/a,2001:db8::3,n/a,www.c.org.",
      "reverse,c.org,www6.c.org,n/a,n/a,n/a,n/a",
    ),
    // the original geolocated IPv4 only: an IPv6-only host has no country
    "geoip_WWW_org.log": csv("geoip,c.org,www.c.org,n/a,2001:db8::3,n/a,n/a,n/a,n/a,n/a,n/a"),
    "geoip_NS_org.log": csv(
      "geoip,c.org,ns.c.org.,192.0.2.54,n/a,AS64504 Brit Ltd,London,England,GB,-0.1,-0.1",
    ),
    "geoip_NTP_org.log": csv(
      "geoip,c.org,ntp.c.org,192.0.2.123,n/a,AS64504 Brit Ltd,London,England,GB,-0.1,-0.1",
    ),
    "tcp80_WWW_org.log": csv(
      "tcp80,c.org,www.c.org,80,n/a,2001:db8::3,n/a,True",
      "tcp80,c.org,www6.c.org,80,n/a,n/a,n/a,n/a",
    ),
    "tcp25_MX_org.log": csv("tcp25,c.org,mx.shared.net.,25,192.0.2.25,2001:db8::25,True,False"),
    "ping_MX_org.log": csv(
      "ping,c.org,mx.shared.net.,192.0.2.25,2001:db8::25,5,19.0,20.0,21.0,0.5,29.0,30.0,30.0,0.5",
    ),
    "soa_NS_org.log": "soa,c.org,ns.c.org.,ns.c.org.,1,0,1,admin.c.org.,1,3600,600,86400,300\n",
  },
};

/** Writes the original's output folder (`<tld>/<run>/<file>`) under `dir`; returns `dir`. */
export function writeLegacyCrawl(dir: string, files = legacyFiles, run = legacyRun): string {
  for (const [tld, byName] of Object.entries(files)) {
    mkdirSync(join(dir, tld, run), { recursive: true });
    for (const [name, text] of Object.entries(byName)) writeFileSync(join(dir, tld, run, name), text);
  }
  return dir;
}
