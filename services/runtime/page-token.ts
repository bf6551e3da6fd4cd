// Page tokens of the list calls (ListCrawls, SearchDomains): the key of the
// last row a page ended on, so the next page is one bounded query from there
// (keyset pagination), never an offset. Opaque to clients: base64url of JSON,
// tagged with what it pages so a token of one call is refused by another.

import { InvalidArgumentError } from "./api-errors.js";

export function encodePageToken(kind: string, key: readonly string[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString("base64url");
}

/** The key a token holds; an empty token is the first page (undefined). */
export function decodePageToken(kind: string, token: string, keyLength: number): string[] | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed[0] !== kind ||
    parsed.length !== keyLength + 1 ||
    !parsed.every((part) => typeof part === "string")
  )
    throw new InvalidArgumentError(`page_token ${JSON.stringify(token)}: not a page token of ${kind}`);
  return parsed.slice(1) as string[];
}

/** Page size from the request: the new optional field, else the deprecated limit, else the default; at most max. */
export function pageSize(
  given: number | undefined,
  deprecatedLimit: number,
  defaults: { size: number; max: number },
): number {
  if (given !== undefined && given === 0)
    throw new InvalidArgumentError("page_size 0: leave it unset for the server's default");
  const size = given ?? (deprecatedLimit || defaults.size);
  return Math.min(size, defaults.max);
}
