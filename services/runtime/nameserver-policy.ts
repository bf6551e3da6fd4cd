// Which name servers an api caller may name (ResolverService.Resolve, a submitted crawl's
// options): the configured resolver.nameservers, or an address inside
// resolver.allow_nameservers. Anything else is refused, so the api never relays a question
// of the caller's choosing to a server of the caller's choosing. Pure.

import { PrefixSet } from "./address.js";
import { type Endpoint, formatEndpoint } from "./config.js";

export class NameserverPolicy {
  private readonly allowed: PrefixSet;

  constructor(
    private readonly configured: readonly Endpoint[],
    allowCidrs: readonly string[],
  ) {
    this.allowed = new PrefixSet(allowCidrs, "resolver.allow_nameservers");
  }

  /** Why `server` may not be asked, or undefined when it may. */
  refusal(server: Endpoint): string | undefined {
    if (this.configured.some((c) => c.host === server.host && c.port === server.port)) return undefined;
    if (this.allowed.has(server.host)) return undefined;
    return `nameserver ${formatEndpoint(server)}: not one of resolver.nameservers nor inside resolver.allow_nameservers`;
  }
}
