// Where the lab's test geo databases are (built by build-test-databases.pl from lab-geo.tsv), in
// both layouts, and the build epochs their sources declare. Shared by the tests in test/geo.

import { join } from "node:path";
import { projectRoot } from "../../services/runtime/config.js";

export const testGeoDir = join(projectRoot, "test/geo");
const db = join(testGeoDir, "db");

/** GeoIP2/GeoLite2 layout: one file per database, both families in it. */
export const geoip2 = {
  citydb: join(db, "geoip2/GeoLite2-City-lab.mmdb"),
  asndb: join(db, "geoip2/GeoLite2-ASN-lab.mmdb"),
};

/** The next edition of the GeoIP2 City file (lab-geo-next.tsv): adds 192.0.2.0/24 in Paris. */
export const geoip2CityNext = join(db, "geoip2-next/GeoLite2-City-lab.mmdb");

/** @ip-location-db layout: a folder per database, one file per family. */
export const ipLocationDb = {
  citydb: join(db, "ip-location-db/city"),
  asndb: join(db, "ip-location-db/asn"),
};

export const firstEpoch = 1767225600;
export const nextEpoch = 1767312000;
