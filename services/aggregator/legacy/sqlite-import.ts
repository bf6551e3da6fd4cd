// Reads the original crawler's SQLite file (ips-<run>.db: tables job, ip4,
// ip6, ping, rdns, tcp, tracert, soa, every value text or `n/a`) into a
// LegacyCrawl. The file is read through a small interface; the one given here
// uses ClickHouse's sqlite() table function in chDB, so no SQLite package is needed.

import { basename } from "node:path";
import type { Store } from "../../runtime/store.js";
import { openChdbStore } from "../../runtime/store-chdb.js";
import { LegacyCrawl, type LegacyFeature, legacyFeatures } from "./legacy-crawl.js";
import { FieldReader, known, LegacyFormatError, parseRunName } from "./legacy-formats.js";

type SqliteRow = Record<string, string | null>;

/** The rows of one table of an SQLite file, every value as text (SQLite columns of the original have no type). */
export interface LegacySqliteTables {
  rows(table: string): Promise<SqliteRow[]>;
  close(): Promise<void>;
}

/** Reads through chDB: the store itself when it is chDB, else a chDB opened on a scratch folder. */
export async function chdbSqliteTables(
  store: Store,
  file: string,
  scratchDir: string,
): Promise<LegacySqliteTables> {
  const reader = store.kind === "chdb" ? store : await openChdbStore(scratchDir);
  return {
    async rows(table) {
      try {
        return await reader.query<SqliteRow>(
          "SELECT * FROM sqlite({file:String}, {table:String}) SETTINGS output_format_json_quote_64bit_integers = 1",
          { file, table },
        );
      } catch (error) {
        throw new LegacyFormatError(
          file,
          undefined,
          `table ${table}: ${(error as Error).message.split("\n")[0]}`,
        );
      }
    },
    async close() {
      if (reader !== store) await reader.close();
    },
  };
}

/** The columns each table must have (utils.create_dns_table). */
const columns: Record<string, string[]> = {
  job: ["type", "domain", "host", "priority"],
  ip4: ["host", "ip", "asn", "city", "region_name", "country_code", "longitude", "latitude"],
  ip6: ["host", "ip", "valid", "id", "type"],
  ping: ["ip", "count", "min", "avg", "max", "mdev"],
  rdns: ["ip", "reverse"],
  tcp: ["ip", "port25", "port80", "port443", "starttls"],
  tracert: ["ip", "mtu", "hops", "path"],
  soa: ["host", "primaryBySOA", "primaryByRank", "primaryInHouse", "secondary", "total", "soa"],
};

/** Reads the file into a crawl dated `date` (default: the run in its name, `ips-2021-06-01__17-00-00.db`). */
export async function readLegacySqlite(
  tables: LegacySqliteTables,
  file: string,
  date?: string,
): Promise<LegacyCrawl> {
  const parsed = parseRunName(basename(file).replace(/^ips-/, "").replace(/\.db$/, ""));
  const crawlDate = date ?? parsed?.date;
  if (!crawlDate)
    throw new LegacyFormatError(
      file,
      undefined,
      "the file is not named ips-YYYY-MM-DD__HH-MM-SS.db: give --date",
    );
  const crawl = new LegacyCrawl(crawlDate, parsed?.startedAt ?? `${crawlDate} 00:00:00.000`);
  const each = async (table: string, read: (row: SqliteRow, at: FieldReader) => void) => {
    const rows = await tables.rows(table);
    rows.forEach((row, i) => {
      const at = new FieldReader(`${file} table ${table} row`, i + 1);
      for (const column of columns[table]!) if (!(column in row)) at.fail(`no column ${column}`);
      read(row, at);
    });
    return rows.length;
  };
  const text = (value: string | null | undefined) => value ?? "";

  await each("job", (row, at) => {
    const type = text(row["type"]) as LegacyFeature;
    if (!legacyFeatures.includes(type)) at.fail(`type ${JSON.stringify(row["type"])}`);
    crawl.addJob(
      type,
      at.domain(text(row["domain"])),
      at.name(text(row["host"]), "host"),
      at.integer(text(row["priority"]), "priority"),
    );
  });
  const ip6 = new Map<string, SqliteRow>();
  await each("ip6", (row) => void ip6.set(text(row["host"]), row));
  let geolocated = false;
  await each("ip4", (row, at) => {
    const spelling = text(row["host"]);
    if (known(spelling) === null) return; // the failed look-ups' host n/a
    at.name(spelling, "host");
    const six = ip6.get(spelling);
    crawl.addHost(
      spelling,
      at.ip(text(row["ip"]), 4, "ip"),
      six ? at.ip(text(six["ip"]), 6, "ip6") : null,
      at,
    );
    const host = crawl.host(spelling);
    if (six) host.ip6Type = known(text(six["type"])) ?? known(text(six["id"]));
    const longitude = at.number(text(row["longitude"]), "longitude");
    const latitude = at.number(text(row["latitude"]), "latitude");
    const geo = {
      asn: known(text(row["asn"])),
      city: known(text(row["city"])),
      region: known(text(row["region_name"])),
      country: known(text(row["country_code"])),
      longitude,
      // updateGeoIPs stored the longitude as the latitude (SPEC change 1): unknown.
      latitude: latitude === longitude ? null : latitude,
    };
    if (Object.values(geo).some((v) => v !== null)) {
      host.geo = geo;
      geolocated = true;
    }
  });
  if (geolocated) crawl.metrics.add("geoip");
  // Measurements of the hosts' addresses only: rdns also holds the routers of every path.
  const measured = (row: SqliteRow) => {
    const ip = text(row["ip"]);
    return crawl.addresses.has(ip) ? ip : undefined;
  };
  const found = async (
    metric: string,
    table: string,
    read: (ip: string, row: SqliteRow, at: FieldReader) => void,
  ) => {
    let any = false;
    await each(table, (row, at) => {
      const ip = measured(row);
      if (ip === undefined) return;
      any = true;
      read(ip, row, at);
    });
    if (any) crawl.metrics.add(metric);
  };
  await found("reverse", "rdns", (ip, row, at) =>
    crawl.measure(ip, "reverse", known(text(row["reverse"])), at),
  );
  await found("ping", "ping", (ip, row, at) => {
    const n = (column: string) => at.number(text(row[column]), column);
    const ping = {
      count: at.integer(text(row["count"]), "count"),
      min: n("min"),
      avg: n("avg"),
      max: n("max"),
      mdev: n("mdev"),
    };
    crawl.measure(ip, "ping", ping, at);
  });
  await found("tcp80", "tcp", (ip, row, at) => {
    for (const port of ["port25", "port80", "port443", "starttls"] as const)
      crawl.measure(ip, port, at.flag(text(row[port]), port), at);
  });
  // One tcp table holds every port: its rows say as much of tcp25, tcp443 and tls as of tcp80.
  if (crawl.metrics.has("tcp80")) for (const metric of ["tcp25", "tcp443", "tls"]) crawl.metrics.add(metric);
  await found("path", "tracert", (ip, row, at) => {
    crawl.measure(
      ip,
      "trace",
      { hops: at.integer(text(row["hops"]), "hops"), path: known(text(row["path"])) },
      at,
    );
  });
  const soaRows = await each("soa", (row, at) => {
    const domain = at.domain(text(row["host"]), "host");
    // soa: the SOA's fields after MNAME, as engine.processSOA joined them.
    const fields = text(row["soa"]).split(",");
    if (fields.length !== 6)
      at.fail(`soa: expected rname,serial,refresh,retry,expire,minimum, found ${JSON.stringify(row["soa"])}`);
    const count = (value: string | null | undefined, column: string) => at.integer(text(value), column) ?? 0;
    crawl.soa.set(domain, {
      domain,
      primaryBySoa: known(text(row["primaryBySOA"])) ?? "",
      primaryByRank: known(text(row["primaryByRank"])) ?? "",
      primaryInHouse: count(row["primaryInHouse"], "primaryInHouse"),
      secondary: count(row["secondary"], "secondary"),
      total: count(row["total"], "total"),
      rname: known(fields[0]!) ?? "",
      serial: count(fields[1], "serial"),
      refresh: count(fields[2], "refresh"),
      retry: count(fields[3], "retry"),
      expire: count(fields[4], "expire"),
      minimum: count(fields[5], "minimum"),
    });
  });
  if (soaRows > 0) crawl.metrics.add("soa");
  return crawl;
}
