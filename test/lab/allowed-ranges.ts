// The address ranges lab traffic may use (documentation, benchmarking, the tunnel prefixes under
// test, loopback) and the check that refuses anything else before the lab creates a namespace.
// It does not look at routes; lab-guard.ts checks the built namespaces.
import { PrefixSet, parseCidr, parseIp } from "../../services/runtime/address.js";

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

const allowed = new PrefixSet([...ALLOWED_RANGES, ...LOOPBACK], "lab ranges");

/** True when `address` (no prefix length) lies inside a lab range or loopback. */
export function isLabAddress(address: string): boolean {
  return allowed.has(address);
}

/** True when a whole prefix `net/bits` (or a bare address) lies inside one lab range (or is loopback). */
export function isLabPrefix(prefix: string): boolean {
  const ip = parseIp(prefix.split("/")[0] ?? "");
  if (!ip) return false;
  const whole = prefix.includes("/")
    ? parseCidr(prefix)
    : parseCidr(`${prefix}/${ip.family === 4 ? 32 : 128}`);
  return whole !== undefined && allowed.covers(whole);
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
