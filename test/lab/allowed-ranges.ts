// The address ranges lab traffic may use (documentation, benchmarking, the tunnel prefixes under
// test, loopback) and the check that refuses anything else before the lab creates a namespace.
// It does not look at routes; lab-guard.ts checks the built namespaces.
import { BlockList, isIP } from "node:net";

export const ALLOWED_RANGES = [
  "192.0.2.0/24",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "198.18.0.0/15",
  "2001:db8::/32",
  "2002::/16",
  "2001::/32",
] as const;

const LOOPBACK = ["127.0.0.0/8", "::1/128"];

function blockList(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [net, bits] = range.split("/") as [string, string];
    list.addSubnet(net, Number(bits), isIP(net) === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

const allowed = blockList([...ALLOWED_RANGES, ...LOOPBACK]);

/** True when `address` (no prefix length) lies inside a lab range or loopback. */
export function isLabAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return allowed.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** True when a whole prefix `net/bits` lies inside one lab range (or is loopback). */
export function isLabPrefix(prefix: string): boolean {
  const [net, bitsText] = prefix.split("/");
  if (!net || isIP(net) === 0) return false;
  const bits = bitsText === undefined ? (isIP(net) === 6 ? 128 : 32) : Number(bitsText);
  const family = isIP(net) === 6 ? "ipv6" : "ipv4";
  for (const range of [...ALLOWED_RANGES, ...LOOPBACK]) {
    const [rnet, rbits] = range.split("/") as [string, string];
    if (isIP(rnet) !== isIP(net) || Number(rbits) > bits) continue;
    const one = new BlockList();
    one.addSubnet(rnet, Number(rbits), family);
    if (one.check(net, family)) return true;
  }
  return false;
}

/** Throws one error naming every address that is outside the lab ranges. */
export function assertLabAddresses(addresses: Iterable<string>, where: string): void {
  const bad = [...addresses].filter((a) => !(a.includes("/") ? isLabPrefix(a) : isLabAddress(a)));
  if (bad.length > 0) {
    throw new Error(
      `${where}: addresses outside the lab ranges (${ALLOWED_RANGES.join(", ")}): ${bad.join(", ")}`,
    );
  }
}
