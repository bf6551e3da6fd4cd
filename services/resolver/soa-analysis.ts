// SOA analysis (SPEC section 2): which server is primary by the SOA and by
// rank, whether it is in-house, how many secondaries. Pure.

export interface SoaRecord {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

export interface SoaAnalysis {
  readonly primaryBySoa: string;
  readonly primaryByRank: string;
  readonly primaryInHouse: boolean;
  readonly secondary: number;
  readonly total: number;
}

/** nsHosts: the domain's NS hosts in answer order. */
export function analyseSoa(
  domain: string,
  soa: SoaRecord | undefined,
  nsHosts: readonly string[],
): SoaAnalysis {
  const primaryByRank = nsHosts[0] ?? "";
  const total = nsHosts.length;
  return {
    primaryBySoa: soa ? soa.mname.toLowerCase().replace(/\.$/, "") : "",
    primaryByRank,
    primaryInHouse:
      primaryByRank !== "" && (primaryByRank === domain || primaryByRank.endsWith(`.${domain}`)),
    secondary: Math.max(0, total - 1),
    total,
  };
}
