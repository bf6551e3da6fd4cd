// Address arithmetic the lab needs: counting up from an address, canonical text and reverse
// (PTR) owner names, on top of the project's one address module (services/runtime/address.ts).
import { canonicalIp, formatIp, parseIp, reverseName as ptrName } from "../../services/runtime/address.js";

export function ipv6ToBigInt(address: string): bigint {
  const ip = parseIp(address);
  if (ip?.family !== 6) throw new Error(`lab: ${JSON.stringify(address)} is not an IPv6 address`);
  return ip.value;
}

/** RFC 5952 text. */
export function bigIntToIPv6(value: bigint): string {
  return formatIp(6, value);
}

/** The address `offset` places after `address`, in the same family. */
export function addToAddress(address: string, offset: number): string {
  const ip = parseIp(address);
  if (!ip) throw new Error(`lab: ${JSON.stringify(address)} is not an IP address`);
  return formatIp(ip.family, ip.value + BigInt(offset));
}

/** Canonical text of an address (so that the scenario and DNS answers compare equal). */
export const canonical = canonicalIp;

/** The PTR owner name of an address, without the trailing dot. */
export function reverseName(address: string): string {
  const name = ptrName(address);
  if (name === undefined) throw new Error(`lab: ${JSON.stringify(address)} is not an IP address`);
  return name;
}
