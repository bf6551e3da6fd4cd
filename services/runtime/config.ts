// The configuration: config/default.yaml, then a --config file, then
// IPV6MATRIX_<SECTION>_<KEY> variables, then --set flags. Every value is
// checked against the schema (config-schema.ts); a wrong one stops the program with the
// key, the value, where it came from and what is allowed.

import { closeSync, openSync, readSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, LineCounter, parseDocument, type Scalar, visit, type YAMLMap } from "yaml";
import { parseCidr } from "./address.js";
import { type Config, type Endpoint, type Kind, schema } from "./config-schema.js";
import { checkHostName } from "./domain-name.js";

export { type Config, type Endpoint, schema };

// From services/runtime/ as from the bundle's dist/<key>/ (bin/bundle.mjs): two folders up.
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Variables of the command itself, not settings: the configuration file, and bin/bundle.mjs's switch. */
const COMMAND_VARIABLES = new Set(["IPV6MATRIX_CONFIG", "IPV6MATRIX_BUNDLE"]);
export const defaultConfigPath = resolve(projectRoot, "config/default.yaml");

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface LoadOptions {
  /** --config FILE */
  readonly file?: string;
  /** --set key=value, in order. */
  readonly sets?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Loads, overrides and checks the configuration; throws ConfigError with one clear line. */
export function loadConfig(options: LoadOptions = {}): Config {
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  // Relative paths are relative to the file that names them; the defaults' to the project.
  const bases = new Map<string, string>();
  readYaml(defaultConfigPath, projectRoot, values, sources, bases);
  if (options.file !== undefined) {
    const file = resolve(options.file);
    readYaml(file, dirname(file), values, sources, bases);
  }

  const env = options.env ?? process.env;
  const byEnvName = new Map(Object.keys(schema).map((key) => [envName(key), key]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("IPV6MATRIX_") || raw === undefined || COMMAND_VARIABLES.has(name)) continue;
    const key = byEnvName.get(name);
    if (!key)
      throw new ConfigError(
        `environment variable ${name}: unknown key (known: ${[...byEnvName.keys()].slice(0, 3).join(", ")}, ...; see config/default.yaml)`,
      );
    values.set(key, fromText(raw, schema[key]!));
    sources.set(key, `environment ${name}`);
    bases.set(key, process.cwd());
  }
  for (const set of options.sets ?? []) {
    const eq = set.indexOf("=");
    if (eq < 1) throw new ConfigError(`--set ${set}: expected key=value, e.g. --set trace.max_ttl=20`);
    const key = set.slice(0, eq).trim();
    // Own keys only: constructor, __proto__ or toString are no keys of the configuration.
    const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!kind) throw new ConfigError(`--set ${set}: unknown key ${key}${suggest(key)}`);
    values.set(key, fromText(set.slice(eq + 1), kind));
    sources.set(key, `--set ${key}`);
    bases.set(key, process.cwd());
  }

  const config: Record<string, Record<string, unknown>> = {};
  for (const [key, kind] of Object.entries(schema)) {
    const [section, name] = key.split(".") as [string, string];
    if (!values.has(key)) throw new ConfigError(`${key}: missing from ${defaultConfigPath}`);
    config[section] ??= {};
    config[section][name] = check(
      key,
      values.get(key),
      kind,
      sources.get(key) ?? "defaults",
      bases.get(key) ?? process.cwd(),
    );
  }
  if (!Object.values(config["features"]!).some(Boolean)) {
    throw new ConfigError("features: every feature is off (NS, MX, WWW, NTP); turn at least one on");
  }
  return { ...(config as unknown as Omit<Config, "sources">), sources: Object.fromEntries(sources) };
}

export function envName(key: string): string {
  return `IPV6MATRIX_${key.replace(".", "_").toUpperCase()}`;
}

function suggest(key: string): string {
  const lower = key.toLowerCase();
  const near = Object.keys(schema).find(
    (k) => k.toLowerCase() === lower || k.endsWith(`.${lower.split(".").pop()}`),
  );
  return near ? ` (did you mean ${near}?)` : " (see config/default.yaml for the keys)";
}

function readYaml(
  path: string,
  base: string,
  values: Map<string, unknown>,
  sources: Map<string, string>,
  bases: Map<string, string>,
): void {
  const text = readConfigText(path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new ConfigError(`config file ${path}:${line}: not valid YAML: ${error.message.split("\n")[0]}`);
  }
  // An alias (*name) would reach the checks below as an object of the YAML library; every value is written out.
  visit(doc, {
    Alias(_, node) {
      const line = node.range ? lineCounter.linePos(node.range[0]).line : "?";
      throw new ConfigError(
        `config file ${path}:${line}: YAML aliases (*${node.source}) are not supported: write the value out`,
      );
    },
  });
  if (doc.contents === null) return;
  if (!isMap(doc.contents))
    throw new ConfigError(`config file ${path}: expected sections (a YAML mapping) at the top`);
  const where = (node: { range?: readonly number[] | null }) =>
    `${path}:${node.range ? lineCounter.linePos(node.range[0]!).line : "?"}`;
  for (const pair of (doc.contents as YAMLMap).items) {
    const section = String((pair.key as Scalar).value);
    const known = Object.keys(schema).some((k) => k.startsWith(`${section}.`));
    if (!known)
      throw new ConfigError(`${where(pair.key as Scalar)}: unknown section ${section}${suggest(section)}`);
    if (!isMap(pair.value)) {
      throw new ConfigError(`${where(pair.key as Scalar)}: section ${section} must be a mapping of keys`);
    }
    for (const item of (pair.value as YAMLMap).items) {
      const key = `${section}.${String((item.key as Scalar).value)}`;
      if (!Object.hasOwn(schema, key))
        throw new ConfigError(`${where(item.key as Scalar)}: unknown key ${key}${suggest(key)}`);
      const node = item.value as { toJSON?: () => unknown } | null;
      values.set(key, node && typeof node.toJSON === "function" ? node.toJSON() : null);
      sources.set(key, where(item.key as Scalar));
      bases.set(key, base);
    }
  }
}

/** The largest configuration file read: /dev/zero or a log named by mistake is refused, not read into memory. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readConfigText(path: string): string {
  const cannot = (error: unknown): never => {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a folder"
            : String(error);
    throw new ConfigError(`config file ${path}: cannot read it: ${why}`);
  };
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    return cannot(error);
  }
  try {
    // Read in pieces up to one byte past the limit: a pipe or device has no size to ask first.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_CONFIG_BYTES)
        throw new ConfigError(
          `config file ${path}: larger than ${MAX_CONFIG_BYTES} bytes; not a configuration`,
        );
    }
    return buffer.subarray(0, length).toString("utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    return cannot(error);
  } finally {
    closeSync(fd);
  }
}

/** A value from an environment variable or --set: lists are comma-separated. */
function fromText(raw: string, kind: Kind): unknown {
  const text = raw.trim();
  switch (kind.type) {
    case "names":
    case "endpoints":
    case "cidrs":
    case "ipv6s":
    case "urls":
      return text === "" ? [] : text.split(",").map((part) => part.trim());
    case "bool":
      return text === "true" || text === "1" ? true : text === "false" || text === "0" ? false : text;
    case "int":
    case "number":
      // Infinity, 1e999 and NaN stay text, so a refusal shows them as given (JSON would print null).
      return text === "" || !Number.isFinite(Number(text)) ? text : Number(text);
    default:
      return text;
  }
}

function check(key: string, value: unknown, kind: Kind, source: string, base: string): unknown {
  const fail = (allowed: string, shown: unknown = value): never => {
    // JSON shows strings quoted; a YAML .inf or .nan would be "null" in JSON.
    const text = typeof shown === "number" && !Number.isFinite(shown) ? String(shown) : JSON.stringify(shown);
    throw new ConfigError(`${source}: ${key} = ${text} is not allowed: ${allowed}`);
  };
  switch (kind.type) {
    case "bool":
      return typeof value === "boolean" ? value : fail("true or false");
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || value < kind.min || value > kind.max)
        return fail(`an integer from ${kind.min} to ${kind.max}`);
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value) || value < kind.min || value > kind.max)
        return fail(`a number from ${kind.min} to ${kind.max}`);
      return value;
    case "string":
      if (typeof value !== "string") return fail("a string");
      if (kind.allowed && !kind.allowed.includes(value)) return fail(`one of ${kind.allowed.join(", ")}`);
      return value;
    case "path":
      if (value === null || value === "") return "";
      if (typeof value !== "string") return fail("a file or folder path");
      return isAbsolute(value) ? value : resolve(base, value);
    case "url":
      if (value === null || value === "") return "";
      if (typeof value !== "string" || !validUrl(value, kind.schemes))
        return fail(`a ${kind.schemes.join(" or ")} URL`);
      return value;
    case "names":
      if (!Array.isArray(value)) return fail("a list of names");
      return value.map((name: unknown) => {
        const checked = typeof name === "string" ? checkHostName(name) : undefined;
        return checked?.ok ? checked.name : fail("host name labels such as www or www.ipv6", name);
      });
    case "endpoints":
      if (!Array.isArray(value)) return fail("a list of addr or addr:port");
      return value.map(
        (item) =>
          parseEndpoint(String(item), kind.defaultPort) ??
          fail("addr or addr:port with a port from 1 to 65535 ([addr]:port for IPv6)", item),
      );
    case "endpoint":
      if (value === null || value === "") return null;
      return parseEndpoint(String(value), kind.defaultPort) ?? fail("host:port with a port from 1 to 65535");
    case "cidrs":
      if (!Array.isArray(value)) return fail("a list of CIDR prefixes");
      for (const cidr of value)
        if (typeof cidr !== "string" || parseCidr(cidr) === undefined)
          fail("CIDR prefixes such as 192.0.2.0/24 or 2001:db8::/32", cidr);
      return value;
    case "ipv6s":
      if (!Array.isArray(value)) return fail("a list of IPv6 addresses");
      for (const address of value)
        if (typeof address !== "string" || isIP(address) !== 6)
          fail("IPv6 addresses such as 2001:db8::53", address);
      return value;
    case "urls":
      if (!Array.isArray(value)) return fail(`a list of ${kind.schemes.join(" or ")} URLs`);
      for (const url of value)
        if (typeof url !== "string" || !validUrl(url, kind.schemes))
          fail(`${kind.schemes.join(" or ")} URLs such as nats://127.0.0.1:4222`, url);
      return value;
  }
}

/** addr, addr:port, [v6addr]:port or a bare IPv6 address. */
export function parseEndpoint(text: string, defaultPort: number): Endpoint | null {
  let host = text.trim();
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (isIP(host) !== 6) {
    const colon = host.lastIndexOf(":");
    if (colon >= 0) {
      const portText = host.slice(colon + 1);
      if (!/^\d+$/.test(portText)) return null;
      port = Number(portText);
      host = host.slice(0, colon);
    }
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535 || host === "") return null;
  if (!isIP(host) && !/^[a-z0-9.-]+$/i.test(host)) return null;
  return { host, port };
}

function validUrl(text: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(text).protocol.replace(/:$/, ""));
  } catch {
    return false;
  }
}

export function formatEndpoint(endpoint: Endpoint): string {
  return isIP(endpoint.host) === 6
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}
