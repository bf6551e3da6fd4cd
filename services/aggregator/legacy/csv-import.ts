// Reads a crawl directory the original crawler wrote (output.py: one folder per
// TLD, one per run inside, `MX_com.log`, `ping_WWW_com.log`, ...) into a
// LegacyCrawl. Every row is checked; the first that does not fit is an error
// naming its file and line. Writes nothing.

import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { type LegacyAddress, LegacyCrawl, type LegacyFeature, legacyFeatures } from "./legacy-crawl.js";
import { FieldReader, known, LegacyFormatError, parseCsv, parseRunName, tldOf } from "./legacy-formats.js";

/** One `<tld>/<run>/` folder. */
export interface LegacyRunDir {
  readonly tld: string;
  readonly run: string;
  readonly path: string;
}

const F = `(${legacyFeatures.join("|")})`;
/** File kinds in the order they are read: the host and job files before those that only add to them. */
const fileKinds = [
  { kind: "feature", pattern: new RegExp(`^${F}_(.+)\\.log$`) },
  { kind: "reverse", pattern: new RegExp(`^reverse_${F}_(.+)\\.log$`) },
  { kind: "tcp", pattern: new RegExp(`^tcp(25|80|443)_${F}_(.+)\\.log$`) },
  { kind: "geoip", pattern: new RegExp(`^geoip_${F}_(.+)\\.log$`) },
  { kind: "ping", pattern: new RegExp(`^ping_${F}_(.+)\\.log$`) },
  { kind: "path", pattern: new RegExp(`^path_${F}_(.+)\\.log$`) },
  { kind: "ip6Type", pattern: new RegExp(`^ip6Type_${F}_(.+)\\.log$`) },
  { kind: "tls", pattern: new RegExp(`^tls_${F}_(.+)\\.log$`) },
  { kind: "soa", pattern: /^soa_NS_(.+)\.log$/ },
] as const;
type Kind = (typeof fileKinds)[number]["kind"];

/** Fields per row of each file (output.py's SELECT lists). */
const widths: Record<Kind, number> = {
  feature: 5,
  reverse: 7,
  tcp: 8,
  geoip: 11,
  ping: 14,
  path: 13,
  ip6Type: 7,
  tls: 6,
  soa: 13,
};

interface LegacyFile {
  readonly path: string;
  readonly kind: Kind;
  readonly feature: LegacyFeature;
  readonly tld: string;
  readonly port?: string;
}

function classify(path: string): LegacyFile | undefined {
  const name = basename(path);
  for (const { kind, pattern } of fileKinds) {
    const m = pattern.exec(name);
    if (!m) continue;
    if (kind === "soa") return { path, kind, feature: "NS", tld: m[1]! };
    if (kind === "tcp") return { path, kind, port: m[1]!, feature: m[2] as LegacyFeature, tld: m[3]! };
    return { path, kind, feature: m[1] as LegacyFeature, tld: m[2]! };
  }
  return undefined;
}

/** The run folders under `dir`: the original's output folder (`<tld>/<run>/`), or one run folder itself. */
export async function findLegacyRuns(dir: string): Promise<LegacyRunDir[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const logs = entries.filter((e) => e.isFile() && classify(e.name));
  if (logs.length > 0) return [{ tld: classify(logs[0]!.name)!.tld, run: basename(dir), path: dir }];
  const runs: LegacyRunDir[] = [];
  for (const tld of entries.filter((e) => e.isDirectory())) {
    for (const run of await readdir(join(dir, tld.name), { withFileTypes: true })) {
      if (run.isDirectory()) runs.push({ tld: tld.name, run: run.name, path: join(dir, tld.name, run.name) });
    }
  }
  return runs.sort((a, b) => a.run.localeCompare(b.run) || a.tld.localeCompare(b.tld));
}

export interface CsvReadResult {
  readonly crawl: LegacyCrawl;
  /** Files in the run folders that the original does not write; not read. */
  readonly skipped: string[];
}

/** Reads the folders of one run (one per TLD) into a crawl dated `date` (default: the run's date). */
export async function readLegacyCsvRun(dirs: readonly LegacyRunDir[], date?: string): Promise<CsvReadResult> {
  const run = dirs[0]?.run ?? "";
  const parsed = parseRunName(run);
  const crawlDate = date ?? parsed?.date;
  if (!crawlDate)
    throw new LegacyFormatError(
      run,
      undefined,
      "the run folder is not named YYYY-MM-DD__HH-MM-SS: give --date",
    );
  const crawl = new LegacyCrawl(crawlDate, parsed?.startedAt ?? `${crawlDate} 00:00:00.000`);
  const files: LegacyFile[] = [];
  const skipped: string[] = [];
  for (const dir of dirs) {
    for (const name of (await readdir(dir.path)).sort()) {
      const path = join(dir.path, name);
      if (!(await stat(path)).isFile()) continue;
      const file = classify(path);
      if (!file) skipped.push(path);
      else if (file.tld !== dir.tld && dirs.length > 1)
        throw new LegacyFormatError(path, undefined, `a file of TLD ${file.tld} in the folder of ${dir.tld}`);
      else files.push(file);
    }
  }
  const order = fileKinds.map((k) => k.kind);
  files.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const file of files) {
    if (file.kind !== "feature") crawl.metrics.add(file.kind === "tcp" ? `tcp${file.port}` : file.kind);
    readRecords(file, await readFile(file.path, "utf8"), crawl);
  }
  return { crawl, skipped };
}

function readRecords(file: LegacyFile, text: string, crawl: LegacyCrawl): void {
  // soa_NS is written with ",".join, not csv: its last column is the SOA's own comma list.
  const records =
    file.kind === "soa"
      ? text
          .split("\n")
          .map((line, i) => ({ line: i + 1, fields: line.replace(/\r$/, "").split(",") }))
          .filter((r) => r.fields.join("") !== "")
      : parseCsv(text, file.path);
  const width =
    file.kind === "feature" && (file.feature === "MX" || file.feature === "NS") ? 6 : widths[file.kind];
  const tag = file.kind === "feature" ? file.feature : file.kind === "tcp" ? `tcp${file.port}` : file.kind;
  for (const { line, fields } of records) {
    const at = new FieldReader(file.path, line);
    if (fields.length !== width) at.fail(`expected ${width} fields, found ${fields.length}`);
    if (fields[0] !== tag) at.fail(`expected ${tag} in the first field, found ${JSON.stringify(fields[0])}`);
    const domain = at.domain(fields[1]!);
    if (tldOf(domain) !== file.tld) at.fail(`domain ${domain} is not of TLD ${file.tld}`);
    readRow(file, fields, domain, at, crawl);
  }
}

function readRow(file: LegacyFile, f: string[], domain: string, at: FieldReader, crawl: LegacyCrawl): void {
  if (file.kind === "soa") {
    const count = (i: number, column: string) => at.integer(f[i]!, column) ?? 0;
    crawl.soa.set(domain, {
      domain,
      primaryBySoa: known(f[2]!) ?? "",
      primaryByRank: known(f[3]!) ?? "",
      primaryInHouse: count(4, "primaryInHouse"),
      secondary: count(5, "secondary"),
      total: count(6, "total"),
      rname: known(f[7]!) ?? "",
      serial: count(8, "serial"),
      refresh: count(9, "refresh"),
      retry: count(10, "retry"),
      expire: count(11, "expire"),
      minimum: count(12, "minimum"),
    });
    return;
  }
  const rawHost = known(f[2]!);
  const host = at.name(f[2]!, "host");
  if (file.kind === "tls") {
    const text = known(f[3]!);
    if (text === null || host === null) return;
    const ip = at.ip(text, text.includes(":") ? 6 : 4, "ip")!;
    crawl.addJob(file.feature, domain, host, null);
    crawl.measure(ip, "starttls", at.flag(f[5]!, "starttls"), at);
    return;
  }
  if (file.kind === "ip6Type") {
    const ip6 = at.ip(f[3]!, 6, "ip6");
    const listed = host === null ? undefined : crawl.hosts.get(host);
    if (!listed || listed.ip6 !== ip6) at.fail(`host ${f[2]} with ${f[3]} is in no host file of this run`);
    listed.ip6Type = known(f[6]!) ?? known(f[5]!);
    return;
  }
  const [i4, i6] = file.kind === "tcp" ? [4, 5] : [3, 4];
  const ip4 = at.ip(f[i4]!, 4, "ip4");
  const ip6 = at.ip(f[i6]!, 6, "ip6");
  const priority = file.kind === "feature" && f.length === 6 ? at.integer(f[5]!, "priority") : null;
  crawl.addJob(file.feature, domain, host, priority);
  if (rawHost === null || host === null) return;
  crawl.addHost(rawHost, ip4, ip6, at);
  const both = (key: keyof LegacyAddress, v4: unknown, v6: unknown) => {
    if (ip4) crawl.measure(ip4, key, v4 as never, at);
    if (ip6) crawl.measure(ip6, key, v6 as never, at);
  };
  switch (file.kind) {
    case "reverse":
      both("reverse", known(f[5]!), known(f[6]!));
      break;
    case "tcp": {
      if (f[3] !== file.port) at.fail(`expected port ${file.port}, found ${JSON.stringify(f[3])}`);
      const key = `port${file.port}` as "port25" | "port80" | "port443";
      both(key, at.flag(f[6]!, "open4"), at.flag(f[7]!, "open6"));
      break;
    }
    case "geoip": {
      const longitude = at.number(f[9]!, "longitude");
      const latitude = at.number(f[10]!, "latitude");
      const country = known(f[8]!);
      if (country !== null && !/^[A-Z]{2}$/.test(country)) at.fail(`country ${JSON.stringify(country)}`);
      // The original wrote the longitude as the latitude too (SPEC change 1): then it is unknown.
      const geo = {
        asn: known(f[5]!),
        city: known(f[6]!),
        region: known(f[7]!),
        country,
        longitude,
        latitude: latitude === longitude ? null : latitude,
      };
      const target = crawl.host(rawHost);
      if (target.geo && JSON.stringify(target.geo) !== JSON.stringify(geo))
        at.fail(`geoip of ${host} differs from an earlier row`);
      target.geo = geo;
      break;
    }
    case "ping": {
      const n = (i: number, column: string) => at.number(f[i]!, column);
      const count = at.integer(f[5]!, "count");
      const [min6, avg6, max6] = [n(10, "min6"), n(11, "avg6"), n(12, "max6")];
      both(
        "ping",
        { count, min: n(6, "min4"), avg: n(7, "avg4"), max: n(8, "max4"), mdev: n(9, "mdev4") },
        // The original wrote avg6 as max6 (SPEC change 4); equal to avg6 it is unknown unless min6 is too.
        // count is the IPv4 address's: an IPv6 address shared by hosts would get several.
        {
          count: null,
          min: min6,
          avg: avg6,
          max: max6 === avg6 && min6 !== avg6 ? null : max6,
          mdev: n(13, "mdev6"),
        },
      );
      break;
    }
    case "path": {
      const trace = (hops: number, path: number, family: string) => ({
        hops: at.integer(f[hops]!, `hops${family}`),
        path: known(f[path]!),
      });
      both("trace", trace(6, 8, "4"), trace(10, 12, "6"));
      break;
    }
  }
}
