// Where a redirect leads and whether it stays within the site: the same host name, over http
// or https on their default ports. Anything else (another host, even of the same domain, whose
// addresses we were not given; another port; another scheme) is off the site and not followed,
// so a fetch only ever connects to the one address it was given. Pure URL work.

export type RedirectStep =
  | { readonly kind: "follow"; readonly url: URL }
  | { readonly kind: "off_site"; readonly location: string };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, "");

/** The next step after a redirect from `current` with this Location header, for `host`. */
export function redirectStep(current: URL, location: string, host: string): RedirectStep {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return { kind: "off_site", location };
  }
  const withinSite =
    (next.protocol === "http:" || next.protocol === "https:") &&
    next.port === "" &&
    next.username === "" &&
    next.password === "" &&
    bare(next.hostname) === bare(host);
  return withinSite ? { kind: "follow", url: next } : { kind: "off_site", location: next.href };
}

/** The URL of GET / on `host` over a scheme. */
export function rootUrl(scheme: "http" | "https", host: string): URL {
  return new URL(`${scheme}://${host}/`);
}
