// Address arithmetic the lab needs: IPv6 expansion and canonical text, counting up from an
// address, and reverse (PTR) owner names. Pure functions; no validation beyond node:net's isIP.
import { isIP } from "node:net";

/** `2001:db8::1` -> 32 hex nibbles. */
export function ipv6Nibbles(address: string): string {
  const [head = "", tail] = address.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => g.padStart(4, "0")).join("");
}

export function ipv6ToBigInt(address: string): bigint {
  return BigInt(`0x${ipv6Nibbles(address)}`);
}

/** RFC 5952 text (longest run of zero groups compressed). */
export function bigIntToIPv6(value: bigint): string {
  const hex = value.toString(16).padStart(32, "0");
  const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ""));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

export function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

export function numberToIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** The address `offset` places after `address`, in the same family. */
export function addToAddress(address: string, offset: number): string {
  if (isIP(address) === 6) return bigIntToIPv6(ipv6ToBigInt(address) + BigInt(offset));
  return numberToIPv4(ipv4ToNumber(address) + offset);
}

/** Canonical text of an address (so that the scenario and DNS answers compare equal). */
export function canonical(address: string): string {
  return isIP(address) === 6 ? bigIntToIPv6(ipv6ToBigInt(address)) : address;
}

/** The PTR owner name of an address, without the trailing dot. */
export function reverseName(address: string): string {
  if (isIP(address) === 6) return `${[...ipv6Nibbles(address)].reverse().join(".")}.ip6.arpa`;
  return `${address.split(".").reverse().join(".")}.in-addr.arpa`;
}
