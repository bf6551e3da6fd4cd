// The environment that keeps a crawl run by a test in the root namespace from walking the DNS
// chain from the real root servers (metric dns6; config/default.yaml's resolver.root_hints are the
// Internet's): no test sends a packet to a public address. The lab crawls walk from the lab's root.

export const offlineDns6 = { IPV6MATRIX_METRICS_DNS6: "false" } as const;
