// The lab's test databases, read through the Geolocator in both layouts: hand-written facts for
// lab addresses of both families, unknown addresses, geo off, agreement with the lab scenario
// and with lab-geo.tsv, and that the committed files are what the Perl script builds.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { pino } from "pino";
import { Geolocator } from "../../services/geo/geolocator.js";
import { projectRoot } from "../../services/runtime/config.js";
import { loadScenario } from "../lab/scenario.js";
import { firstEpoch, geoip2, ipLocationDb, testGeoDir } from "./lab-databases.js";

const quiet = pino({ level: "silent" });
const version = `City:${firstEpoch} ASN:${firstEpoch}`;

// Written by hand from test/lab/scenarios/default.yaml: [ip, country, city, region, latitude,
// longitude, asn, as_org]. Ashburn is at 39.0438 N, 77.4874 W: latitude positive, longitude
// negative, so a swap (the original's defect) cannot pass.
const expected: [string, string, string, string, number, number, number, string][] = [
  ["203.0.113.25", "US", "Ashburn", "VA", 39.0438, -77.4874, 64496, "Lab Hosting US"],
  ["2001:db8:b::25", "US", "Ashburn", "VA", 39.0438, -77.4874, 64496, "Lab Hosting US"],
  ["203.0.113.3", "NL", "Amsterdam", "NH", 52.374, 4.8897, 64500, "Lab DNS Provider"],
  ["2001:db8:53::3", "NL", "Amsterdam", "NH", 52.374, 4.8897, 64500, "Lab DNS Provider"],
  ["203.0.113.7", "DE", "Frankfurt am Main", "HE", 50.1109, 8.6821, 64497, "Lab Hosting DE"],
  ["2001:0:c633:6401::66", "DE", "Frankfurt am Main", "HE", 50.1109, 8.6821, 64497, "Lab Hosting DE"],
  ["203.0.113.50", "GB", "London", "ENG", 51.5072, -0.1276, 64498, "Lab Hosting GB"],
  ["2002:cb00:7137::1", "GB", "London", "ENG", 51.5072, -0.1276, 64498, "Lab Hosting GB"],
  ["2001:db8:53::12", "JP", "Tokyo", "13", 35.6895, 139.6917, 64499, "Lab Hosting JP"],
  ["2001:db8:a:100::3c", "JP", "Tokyo", "13", 35.6895, 139.6917, 64499, "Lab Hosting JP"],
];

for (const [layout, files] of [
  ["GeoIP2 layout", geoip2],
  ["@ip-location-db layout", ipLocationDb],
] as const) {
  describe(`test databases, ${layout}`, () => {
    const geo = Geolocator.open(files, quiet);

    it("gives lab addresses of both families their country, city, region, coordinates and AS", () => {
      for (const [ip, country, city, region, latitude, longitude, asn, asOrg] of expected) {
        assert.deepEqual(
          geo.lookup(ip),
          { ip, country, city, region, latitude, longitude, asn, asOrg, dbVersion: version },
          ip,
        );
      }
    });

    it("records addresses it does not know as unknown, with the edition asked", () => {
      for (const ip of ["203.0.113.1", "198.51.100.1", "2001:db8:ffff::1", "2001:db8:a:101::1"]) {
        assert.deepEqual(geo.lookup(ip), {
          ip,
          country: "",
          city: "",
          region: "",
          latitude: 0,
          longitude: 0,
          asn: 0,
          asOrg: "",
          dbVersion: version,
        });
      }
    });

    it("looks up an IPv4-mapped IPv6 address as the IPv4 address it carries", () => {
      const facts = geo.lookup("::ffff:203.0.113.25");
      assert.equal(facts.ip, "::ffff:203.0.113.25");
      assert.equal(facts.country, "US");
    });

    it("agrees with every address of the lab scenario", () => {
      const scenario = loadScenario(join(projectRoot, "test/lab/scenarios/default.yaml"));
      assert.ok(scenario.addresses.length > 0);
      for (const address of scenario.addresses) {
        const facts = geo.lookup(address.ip);
        const { geo: want } = address;
        assert.deepEqual(
          [facts.country, facts.city, facts.region, facts.latitude, facts.longitude, facts.asn, facts.asOrg],
          [want.country, want.city, want.region, want.latitude, want.longitude, want.asn, want.as_org],
          `${address.host} ${address.ip}`,
        );
      }
    });

    it("closes", () => geo.close());
  });
}

describe("test databases, sources", () => {
  it("hold what lab-geo.tsv says (rebuild after editing it)", () => {
    const geo = Geolocator.open(geoip2, quiet);
    try {
      const lines = readFileSync(join(testGeoDir, "lab-geo.tsv"), "utf8").split("\n");
      const rows = lines.filter((line) => line.trim() !== "" && !line.startsWith("#"));
      for (const row of rows) {
        const [network, country, city, region, latitude, longitude, asn, asOrg] = row.split("\t");
        const ip = network!.split("/")[0]!;
        const facts = geo.lookup(ip);
        assert.deepEqual(
          [facts.country, facts.city, facts.region, facts.latitude, facts.longitude, facts.asn, facts.asOrg],
          [country, city, region, Number(latitude), Number(longitude), Number(asn), asOrg],
          network,
        );
      }
    } finally {
      geo.close();
    }
  });

  it("are byte for byte what build-test-databases.pl builds (libmaxmind-db-writer-perl)", () => {
    const out = mkdtempSync(join(tmpdir(), "geo-build-"));
    try {
      const build = spawnSync("perl", [join(testGeoDir, "build-test-databases.pl"), out], {
        encoding: "utf8",
      });
      assert.equal(build.status, 0, `${build.stderr}${build.error ?? ""}`);
      const committed = join(testGeoDir, "db");
      const files = (dir: string): string[] =>
        readdirSync(dir, { recursive: true, encoding: "utf8" })
          .filter((name) => name.endsWith(".mmdb"))
          .sort();
      assert.deepEqual(files(out), files(committed));
      for (const name of files(committed)) {
        assert.ok(
          readFileSync(join(out, name)).equals(readFileSync(join(committed, name))),
          `${relative(projectRoot, join(committed, name))} differs from a fresh build; rebuild and commit it`,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("geo off", () => {
  it("gives results without a location when geoip.citydb is empty, and says so once", () => {
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const geo = Geolocator.open({ citydb: "", asndb: geoip2.asndb }, log);
    assert.equal(geo.enabled, false);
    for (const ip of ["203.0.113.25", "2001:db8:b::25"]) {
      assert.deepEqual(geo.lookup(ip), {
        ip,
        country: "",
        city: "",
        region: "",
        latitude: 0,
        longitude: 0,
        asn: 0,
        asOrg: "",
        dbVersion: "",
      });
    }
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /geoip.citydb is empty: geo is off/);
    geo.close();
  });

  it("leaves AS number and organisation empty without geoip.asndb", () => {
    const geo = Geolocator.open({ citydb: geoip2.citydb, asndb: "" }, quiet);
    const facts = geo.lookup("203.0.113.25");
    assert.equal(facts.country, "US");
    assert.equal(facts.asn, 0);
    assert.equal(facts.dbVersion, `City:${firstEpoch}`);
    geo.close();
  });
});
