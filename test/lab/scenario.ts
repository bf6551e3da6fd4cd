// Reads a scenario file (scenarios/*.yaml) into checked, expanded data: every address with its
// site, behaviour and geo facts, every zone with its delegation. Refuses, naming the field, any
// value it does not know and any address outside the lab ranges. It builds nothing.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { parse } from "yaml";
import { assertLabAddresses } from "./allowed-ranges.js";
import type { WebBehaviour } from "./hostd.js";
import { addToAddress, canonical } from "./ip-format.js";
import { SITES, type Site } from "./topology.js";

export type PortBehaviour = "open" | "closed" | "filtered";
export type SmtpBehaviour = "starttls" | "plain" | "stall" | "closed" | "filtered";
/** UDP 123 (issue 19): an NTP server (stratum 2), a kiss-o'-death (stratum 0, RATE), or closed. */
export type NtpBehaviour = "serve" | "kiss" | "closed";

export interface Geo {
  country: string;
  city: string;
  region: string;
  latitude: number;
  longitude: number;
  asn: number;
  as_org: string;
}

export interface AddressSpec {
  host: string;
  ip: string;
  site: Site;
  tcp80: PortBehaviour;
  tcp443: PortBehaviour;
  smtp: SmtpBehaviour;
  ntp: NtpBehaviour;
  ping: boolean;
  dns?: "auth" | "slow";
  ptr: boolean;
  geo: Geo;
  /** Issue 19: how its web server answers on 80 and 443 (hostd.ts); unset, the default page. */
  web?: WebBehaviour;
}

export interface ZoneSpec {
  name: string;
  ns: string[];
  mname: string;
  mx: Array<[number, string]>;
  records: string[];
  servedBy: "auth" | "slow" | "nobody";
  glue: Record<string, string[]>;
}

export interface Scenario {
  name: string;
  tlds: string[];
  domains: string[];
  zones: ZoneSpec[];
  addresses: AddressSpec[];
}

class ScenarioError extends Error {}

function fail(file: string, field: string, message: string): never {
  throw new ScenarioError(`${file}: ${field}: ${message}`);
}

function oneOf<T extends string>(
  file: string,
  field: string,
  value: unknown,
  allowed: readonly T[],
  def: T,
): T {
  if (value === undefined) return def;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(file, field, `${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
}

function readGeo(file: string, field: string, raw: unknown): Geo {
  const g = raw as Partial<Geo> | undefined;
  if (!g || typeof g !== "object") return fail(file, field, "missing geo facts");
  for (const key of ["country", "city", "region", "as_org"] as const) {
    if (typeof g[key] !== "string") fail(file, `${field}.${key}`, "must be a string");
  }
  for (const key of ["latitude", "longitude", "asn"] as const) {
    if (typeof g[key] !== "number") fail(file, `${field}.${key}`, "must be a number");
  }
  return g as Geo;
}

/** `ntp: true` serves time, `ntp: kiss` answers every request with a RATE kiss-o'-death; default closed. */
function readNtp(file: string, field: string, value: unknown): NtpBehaviour {
  if (value === undefined || value === false) return "closed";
  if (value === true) return "serve";
  if (value === "kiss") return "kiss";
  return fail(file, field, `${JSON.stringify(value)} is not one of true, false, kiss`);
}

const KNOWN_ADDRESS_KEYS = new Set([
  "ip",
  "range",
  "site",
  "tcp80",
  "tcp443",
  "smtp",
  "ntp",
  "ping",
  "dns",
  "ptr",
  "geo",
  "web",
]);

const KNOWN_WEB_KEYS = new Set(["body", "status", "cert", "redirect", "nonce"]);

function readWeb(file: string, field: string, raw: unknown): WebBehaviour {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return fail(file, field, "must be a mapping");
  const web = raw as Record<string, unknown>;
  for (const key of Object.keys(web))
    if (!KNOWN_WEB_KEYS.has(key)) fail(file, `${field}.${key}`, "unknown key");
  if (web.body !== undefined && typeof web.body !== "string") fail(file, `${field}.body`, "must be a string");
  if (
    web.status !== undefined &&
    !(Number.isInteger(web.status) && Number(web.status) >= 100 && Number(web.status) < 600)
  )
    fail(file, `${field}.status`, `${JSON.stringify(web.status)} is not an HTTP status`);
  if (web.redirect !== undefined && typeof web.redirect !== "string")
    fail(file, `${field}.redirect`, "must be a Location (a URL or a path)");
  if (web.nonce !== undefined && typeof web.nonce !== "boolean")
    fail(file, `${field}.nonce`, "must be true or false");
  const cert = oneOf(file, `${field}.cert`, web.cert, ["lab", "other"] as const, "lab");
  return { ...(web as WebBehaviour), cert };
}

function readAddresses(file: string, host: string, list: unknown): AddressSpec[] {
  if (!Array.isArray(list)) return fail(file, `hosts.${host}`, "must be a list of addresses");
  return list.flatMap((raw: Record<string, unknown>, i) => {
    const field = `hosts.${host}[${i}]`;
    for (const key of Object.keys(raw))
      if (!KNOWN_ADDRESS_KEYS.has(key)) fail(file, `${field}.${key}`, "unknown key");
    const ip = String(raw.ip ?? "");
    if (isIP(ip) === 0) fail(file, `${field}.ip`, `${JSON.stringify(raw.ip)} is not an address`);
    const ports = ["open", "closed", "filtered"] as const;
    const spec: Omit<AddressSpec, "ip"> = {
      host,
      site: oneOf(file, `${field}.site`, raw.site, SITES, "near"),
      tcp80: oneOf(file, `${field}.tcp80`, raw.tcp80, ports, "closed"),
      tcp443: oneOf(file, `${field}.tcp443`, raw.tcp443, ports, "closed"),
      smtp: oneOf(
        file,
        `${field}.smtp`,
        raw.smtp,
        ["starttls", "plain", "stall", "closed", "filtered"],
        "closed",
      ),
      ntp: readNtp(file, `${field}.ntp`, raw.ntp),
      ping: raw.ping !== false,
      ptr: raw.ptr !== false,
      geo: readGeo(file, `${field}.geo`, raw.geo),
    };
    if (raw.web !== undefined) spec.web = readWeb(file, `${field}.web`, raw.web);
    if (raw.dns !== undefined)
      spec.dns = oneOf(file, `${field}.dns`, raw.dns, ["auth", "slow"] as const, "auth");
    if (spec.dns && spec.site !== "dns") fail(file, `${field}.dns`, "name servers live in site dns");
    const count = raw.range === undefined ? 1 : Number(raw.range);
    if (!Number.isInteger(count) || count < 1) fail(file, `${field}.range`, "must be a positive integer");
    return Array.from({ length: count }, (_, k) => ({ ...spec, ip: canonical(addToAddress(ip, k)) }));
  });
}

function readZone(file: string, name: string, raw: Record<string, unknown>): ZoneSpec {
  const field = `zones.${name}`;
  const ns = raw.ns;
  if (!Array.isArray(ns) || ns.length === 0) fail(file, `${field}.ns`, "needs at least one name server");
  const mx = (raw.mx ?? []) as unknown[];
  for (const [i, m] of mx.entries()) {
    if (!Array.isArray(m) || typeof m[0] !== "number" || typeof m[1] !== "string") {
      fail(file, `${field}.mx[${i}]`, "must be [preference, exchange]");
    }
  }
  const glue = (raw.glue ?? {}) as Record<string, string[]>;
  for (const [host, addrs] of Object.entries(glue))
    assertLabAddresses(addrs, `${file}: ${field}.glue.${host}`);
  return {
    name,
    ns: ns as string[],
    mname: typeof raw.mname === "string" ? raw.mname : (ns as string[])[0]!,
    mx: mx as Array<[number, string]>,
    records: (raw.records ?? []) as string[],
    servedBy: oneOf(file, `${field}.served_by`, raw.served_by, ["auth", "slow", "nobody"], "auth"),
    glue,
  };
}

/** The zone (longest suffix) that holds `name`, if any. */
export function zoneOf(name: string, zones: readonly { name: string }[]): string | undefined {
  let best: string | undefined;
  for (const z of zones) {
    if ((name === z.name || name.endsWith(`.${z.name}`)) && (!best || z.name.length > best.length))
      best = z.name;
  }
  return best;
}

export function loadScenario(file: string): Scenario {
  const doc = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  if (!doc || typeof doc !== "object") fail(file, "(top)", "not a YAML mapping");
  const tlds = doc.tlds as string[];
  if (!Array.isArray(tlds)) fail(file, "tlds", "must be a list");
  const domains = doc.domains as string[];
  if (!Array.isArray(domains)) fail(file, "domains", "must be a list");
  const zones = Object.entries((doc.zones ?? {}) as Record<string, Record<string, unknown>>).map(([n, z]) =>
    readZone(file, n, z),
  );
  for (const z of zones) {
    const tld = z.name.split(".").pop()!;
    if (!tlds.includes(tld)) fail(file, `zones.${z.name}`, `TLD ${tld} is not in tlds`);
  }
  const addresses = Object.entries((doc.hosts ?? {}) as Record<string, unknown>).flatMap(([h, l]) =>
    readAddresses(file, h, l),
  );
  for (const a of addresses) {
    if (!zoneOf(a.host, zones)) fail(file, `hosts.${a.host}`, "no zone in zones holds this name");
  }
  const seen = new Set<string>();
  for (const a of addresses) {
    if (seen.has(a.ip)) fail(file, `hosts.${a.host}`, `address ${a.ip} is declared twice`);
    seen.add(a.ip);
  }
  assertLabAddresses(
    addresses.map((a) => a.ip),
    file,
  );
  const name = file.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
  return { name, tlds, domains, zones, addresses };
}
