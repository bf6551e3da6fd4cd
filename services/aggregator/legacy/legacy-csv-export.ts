// `export legacy-csv`: a crawl as the original crawler's output folder
// (`<tld>/<run>/MX_com.log`, `ping_WWW_com.log`, ... as output.py wrote them),
// so readers of those files keep reading them. The values are this project's,
// with the original's defects fixed (real latitude, IPv6 max RTT, measured MTU).

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Feature } from "../../../gen/ipv6matrix/v1/common.js";
import { type CrawlRecord, parseOptions } from "../../runtime/crawls.js";
import type { Row, Store } from "../../runtime/store.js";
import { legacyFeatures } from "./legacy-crawl.js";
import { formatCsv, NA, orNa, pythonFloat, runName } from "./legacy-formats.js";

type Address = {
  rdns: string;
  ping_sent: number;
  ping_min: number | null;
  ping_avg: number | null;
  ping_max: number | null;
  ping_mdev: number | null;
  tcp80: string;
  tcp443: string;
  tcp25: string;
  starttls: number;
  trace_hops: number | null;
  trace_path: string[];
  mtu: number | null;
};

type Geo = {
  country: string;
  city: string;
  region: string;
  latitude: number | null;
  longitude: number | null;
  asn: number;
  as_org: string;
};

/** What the files are made of: one crawl's rows, read from the store. */
export interface ExportData {
  readonly jobs: { domain: string; tld: string; type: string; host: string; priority: number }[];
  readonly hosts: Map<string, { ip4: string | null; ip6: string | null; ip6_type: string }>;
  readonly addresses: Map<string, Address>;
  readonly geo: Map<string, Geo>;
  readonly soa: Row[];
}

const allMetrics = ["reverse", "geoip", "ip6Type", "tcp25", "tls", "tcp80", "tcp443", "ping", "path"];
const ipText = (column: string) => `replaceRegexpOne(toString(${column}), '^::ffff:', '')`;

export async function readExportData(store: Store, crawlId: string): Promise<ExportData> {
  const p = { crawl: crawlId };
  const jobs = await store.query<ExportData["jobs"][number]>(
    "SELECT domain, tld, type, host, priority FROM jobs FINAL WHERE crawl_id = {crawl:String} ORDER BY domain, type, priority, host",
    p,
  );
  const hosts = await store.query<{ host: string; ip4: string; ip6: string; ip6_type: string }>(
    // The first valid address of each family, as the summaries take it (decision 010).
    `SELECT host, if(indexOf(valid4, 1) > 0, toString(ipv4[indexOf(valid4, 1)]), '') AS ip4,
      if(indexOf(valid6, 1) > 0, toString(ipv6[indexOf(valid6, 1)]), '') AS ip6,
      if(indexOf(valid6, 1) > 0, ip6_types[indexOf(valid6, 1)], '') AS ip6_type FROM hosts FINAL WHERE crawl_id = {crawl:String}`,
    p,
  );
  const addresses = await store.query<Address & { ip: string }>(
    `SELECT ${ipText("a.ip")} AS ip, coalesce(r.name, a.rdns) AS rdns, a.ping_sent AS ping_sent, a.ping_min AS ping_min,
      a.ping_avg AS ping_avg, a.ping_max AS ping_max, a.ping_mdev AS ping_mdev, a.tcp80 AS tcp80, a.tcp443 AS tcp443,
      a.tcp25 AS tcp25, a.starttls AS starttls, a.trace_hops AS trace_hops, a.trace_path AS trace_path, a.mtu AS mtu
      FROM (SELECT * FROM addresses FINAL WHERE crawl_id = {crawl:String}) AS a
      LEFT JOIN (SELECT ip, nullIf(name, '') AS name FROM reverse FINAL WHERE crawl_id = {crawl:String}) AS r ON r.ip = a.ip
      SETTINGS join_use_nulls = 1`,
    p,
  );
  const geo = await store.query<Geo & { ip: string }>(
    `SELECT ${ipText("ip")} AS ip, country, city, region, latitude, longitude, asn, as_org FROM geo FINAL
      WHERE crawl_id = {crawl:String}`,
    p,
  );
  const soa = await store.query(
    `SELECT domain, tld, primary_by_soa, primary_by_rank, primary_in_house, secondary, total, rname, serial, refresh, retry,
      expire, minimum FROM soa FINAL WHERE crawl_id = {crawl:String} AND outcome = 'OK' ORDER BY domain`,
    p,
  );
  return {
    jobs,
    hosts: new Map(
      hosts.map((h) => [h.host, { ip4: h.ip4 || null, ip6: h.ip6 || null, ip6_type: h.ip6_type }]),
    ),
    addresses: new Map(addresses.map(({ ip, ...a }) => [ip, a])),
    geo: new Map(geo.map(({ ip, ...g }) => [ip, g])),
    soa,
  };
}

/** dnspython's absolute form, which the original kept for NS and MX hosts and SOA names. */
const absolute = (name: string) => (name === "" ? NA : `${name}.`);
const float = (value: number | null | undefined) =>
  value === null || value === undefined ? NA : pythonFloat(value);
/** The original's tcp table: "True" when open; "n/a" when there was no address (or, here, no probe). */
const flag = (state: string | undefined) =>
  state === undefined || state === "not_probed" ? NA : state === "open" ? "True" : "False";

/** The files of the original's output folder for one crawl: path under the folder -> content. */
export function legacyCsvFiles(
  data: ExportData,
  run: string,
  features: readonly string[],
  metrics: readonly string[],
): Map<string, string> {
  const files = new Map<string, string>();
  const tlds = [...new Set(data.jobs.map((job) => job.tld))].sort();
  for (const tld of tlds) {
    const put = (name: string, text: string) => files.set(join(tld, run, `${name}_${tld}.log`), text);
    for (const type of features) {
      const rows = data.jobs
        .filter((job) => job.tld === tld && job.type === type)
        .map((job) => {
          const host = job.host ? data.hosts.get(job.host) : undefined;
          const ip4 = host?.ip4 ?? null;
          const ip6 = host?.ip6 ?? null;
          const name = job.host === "" ? NA : type === "MX" || type === "NS" ? absolute(job.host) : job.host;
          return {
            job,
            name,
            ip4,
            ip6,
            a4: ip4 ? data.addresses.get(ip4) : undefined,
            a6: ip6 ? data.addresses.get(ip6) : undefined,
          };
        });
      const withAddress = rows.filter((r) => r.ip4 || r.ip6);
      const head = (tag: string, r: (typeof rows)[number]) => [
        tag,
        r.job.domain,
        r.name,
        orNa(r.ip4),
        orNa(r.ip6),
      ];
      put(
        type,
        formatCsv(
          type === "MX" || type === "NS"
            ? rows.filter((r) => r.job.host !== "").map((r) => [...head(type, r), String(r.job.priority)])
            : withAddress.map((r) => head(type, r)),
        ),
      );
      const on = (metric: string) => metrics.includes(metric);
      if (on("reverse"))
        put(
          `reverse_${type}`,
          formatCsv(rows.map((r) => [...head("reverse", r), rdns(r.ip4, r.a4), rdns(r.ip6, r.a6)])),
        );
      if (on("geoip"))
        put(
          `geoip_${type}`,
          formatCsv(
            withAddress.map((r) => {
              // The original placed a host by its IPv4 address only; SPEC change 2 adds the IPv6 one.
              const g = data.geo.get((r.ip4 ?? r.ip6)!);
              const known = g && g.country !== "ZZ";
              return [
                ...head("geoip", r),
                g && g.asn > 0 ? `AS${g.asn} ${g.as_org}` : NA,
                orNa(g?.city),
                orNa(g?.region),
                known ? g.country : NA,
                float(g?.longitude),
                float(g?.latitude),
              ];
            }),
          ),
        );
      if (on("ip6Type"))
        put(
          `ip6Type_${type}`,
          formatCsv(
            rows
              .filter((r) => r.ip6)
              .map((r) => [
                "ip6Type",
                r.job.domain,
                r.name,
                r.ip6!,
                "1",
                NA,
                orNa(data.hosts.get(r.job.host)?.ip6_type),
              ]),
          ),
        );
      const ports = type === "MX" ? (["25"] as const) : type === "WWW" ? (["80", "443"] as const) : [];
      for (const port of ports) {
        if (!on(`tcp${port}`)) continue;
        const key = `tcp${port}` as const;
        put(
          `tcp${port}_${type}`,
          formatCsv(
            rows.map((r) => [
              ...head(`tcp${port}`, r).slice(0, 3),
              port,
              orNa(r.ip4),
              orNa(r.ip6),
              flag(r.a4?.[key]),
              flag(r.a6?.[key]),
            ]),
          ),
        );
      }
      if (type === "MX" && on("tls")) {
        // A UNION in the original: distinct rows, sorted; one per IPv4 address (n/a included) and per IPv6 one.
        const lines = new Set<string>();
        for (const r of rows) {
          lines.add(formatCsv([tls(r.job.domain, r.name, r.ip4, r.a4)]));
          if (r.ip6) lines.add(formatCsv([tls(r.job.domain, r.name, r.ip6, r.a6)]));
        }
        put(`tls_${type}`, [...lines].sort().join(""));
      }
      if (on("ping"))
        put(
          `ping_${type}`,
          formatCsv(
            withAddress.map((r) => [
              ...head("ping", r),
              r.a4 ? String(r.a4.ping_sent) : NA,
              ...[r.a4, r.a6].flatMap((a) =>
                [a?.ping_min, a?.ping_avg, a?.ping_max, a?.ping_mdev].map(float),
              ),
            ]),
          ),
        );
      if (on("path"))
        put(
          `path_${type}`,
          formatCsv(withAddress.map((r) => [...head("path", r), ...path(r.a4), ...path(r.a6)])),
        );
    }
    put(
      "soa_NS",
      data.soa
        .filter((s) => s["tld"] === tld)
        .map((s) =>
          [
            "soa",
            s["domain"],
            absolute(String(s["primary_by_soa"])),
            absolute(String(s["primary_by_rank"])),
            ...["primary_in_house", "secondary", "total"].map((k) => s[k]),
            absolute(String(s["rname"])),
            ...["serial", "refresh", "retry", "expire", "minimum"].map((k) => s[k]),
          ].join(","),
        )
        .map((line) => `${line}\n`)
        .join(""),
    );
  }
  return files;
}

function rdns(ip: string | null, a: Address | undefined): string {
  return ip && a?.rdns ? absolute(a.rdns) : NA;
}

function tls(domain: string, host: string, ip: string | null, a: Address | undefined): string[] {
  if (!ip || !a) return ["tls", domain, host, NA, NA, NA];
  return ["tls", domain, host, ip, flag(a.tcp25), a.starttls ? "True" : "False"];
}

/** mtu, hops, hops again (output.py selects it twice), the path with "no" for a silent hop. */
function path(a: Address | undefined): string[] {
  if (!a || a.trace_hops === null) return [NA, NA, NA, NA];
  const hops = String(a.trace_hops);
  return [
    a.mtu === null ? NA : String(a.mtu),
    hops,
    hops,
    a.trace_path.map((hop) => (hop === "*" ? "no" : hop)).join(" --> "),
  ];
}

/** Writes the folder for `crawl` under `outDir`; returns the files written. */
export async function exportLegacyCsv(store: Store, crawl: CrawlRecord, outDir: string): Promise<string[]> {
  const data = await readExportData(store, crawl.crawl_id);
  const options = parseOptions(crawl);
  const chosen = (options.features ?? []).map((f) =>
    typeof f === "number" ? Feature[f].replace(/^FEATURE_/, "") : String(f),
  );
  const present = new Set(data.jobs.map((job) => job.type));
  const features = legacyFeatures.filter((f) => (chosen.length > 0 ? chosen.includes(f) : present.has(f)));
  const metrics = options.metrics?.length
    ? allMetrics.filter((m) => options.metrics.includes(m))
    : allMetrics;
  const files = legacyCsvFiles(data, runName(crawl.date, crawl.started_at), features, metrics);
  for (const [path, text] of files) {
    await mkdir(join(outDir, path, ".."), { recursive: true });
    await writeFile(join(outDir, path), text);
  }
  return [...files.keys()];
}
