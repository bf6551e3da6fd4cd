// Which name servers an api caller may name (ResolverService.Resolve, a submitted crawl's
// options): the configured resolver.nameservers, or an address inside
// resolver.allow_nameservers. Anything else is refused, so the api never relays a question
// of the caller's choosing to a server of the caller's choosing. Pure.

import { BlockList, isIP } from "node:net";
import { type Endpoint, formatEndpoint } from "./config.js";

export class NameserverPolicy {
  private readonly allowed = new BlockList();

  constructor(
    private readonly configured: readonly Endpoint[],
    allowCidrs: readonly string[],
  ) {
    for (const cidr of allowCidrs) {
      const [address, bits] = cidr.split("/") as [string, string];
      this.allowed.addSubnet(address, Number(bits), isIP(address) === 6 ? "ipv6" : "ipv4");
    }
  }

  /** Why `server` may not be asked, or undefined when it may. */
  refusal(server: Endpoint): string | undefined {
    if (this.configured.some((c) => c.host === server.host && c.port === server.port)) return undefined;
    const family = isIP(server.host);
    if (family !== 0 && this.allowed.check(server.host, family === 6 ? "ipv6" : "ipv4")) return undefined;
    return `nameserver ${formatEndpoint(server)}: not one of resolver.nameservers nor inside resolver.allow_nameservers`;
  }
}
