import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { asnFacts, cityFacts, dbVersion, roundCoordinate, unknownAsn, unknownCity } from "./geo-lookup.js";

describe("cityFacts", () => {
  it("reads a GeoIP2 record, latitude as latitude and longitude as longitude", () => {
    const record = {
      city: { geoname_id: 4744870, names: { en: "Ashburn", de: "Ashburn" } },
      country: { iso_code: "US", names: { en: "United States" } },
      registered_country: { iso_code: "DE" },
      location: { latitude: 39.0438, longitude: -77.4874, accuracy_radius: 20 },
      subdivisions: [{ iso_code: "VA", names: { en: "Virginia" } }, { iso_code: "XX" }],
    };
    assert.deepEqual(cityFacts(record), {
      country: "US",
      city: "Ashburn",
      region: "VA",
      latitude: 39.0438,
      longitude: -77.4874,
    });
  });

  it("reads a flat @ip-location-db record and gives back the 4-decimal coordinates of its floats", () => {
    const record = {
      city: "London",
      country_code: "GB",
      latitude: 51.507198333740234,
      longitude: -0.12759999930858612,
      postcode: "",
      state1: "England",
      state2: "",
      timezone: "Europe/London",
    };
    assert.deepEqual(cityFacts(record), {
      country: "GB",
      city: "London",
      region: "England",
      latitude: 51.5072,
      longitude: -0.1276,
    });
  });

  it("keeps a country-level GeoIP2 record (no city, no subdivision)", () => {
    const record = { country: { iso_code: "jp" }, location: { latitude: 35.69, longitude: 139.69 } };
    assert.deepEqual(cityFacts(record), {
      country: "JP",
      city: "",
      region: "",
      latitude: 35.69,
      longitude: 139.69,
    });
  });

  it("does not take the registered country for the country", () => {
    assert.deepEqual(cityFacts({ registered_country: { iso_code: "US" } }), unknownCity);
  });

  it("treats a record without a country, or no record, as unknown", () => {
    assert.deepEqual(cityFacts(null), unknownCity);
    assert.deepEqual(cityFacts({ country_code: "", city: "Nowhere" }), unknownCity);
    assert.deepEqual(cityFacts([]), unknownCity);
  });

  it("reads coordinates given as text", () => {
    assert.equal(roundCoordinate("-33.86781"), -33.8678);
    assert.equal(roundCoordinate("151.20736"), 151.2074);
    assert.equal(roundCoordinate("north"), 0);
    assert.equal(roundCoordinate(undefined), 0);
  });
});

describe("asnFacts", () => {
  it("reads the GeoLite2-ASN keys", () => {
    assert.deepEqual(
      asnFacts({ autonomous_system_number: 64496, autonomous_system_organization: "Lab Hosting US" }),
      { asn: 64496, asOrg: "Lab Hosting US" },
    );
  });
  it("accepts an AS number written as text, with or without AS", () => {
    assert.equal(asnFacts({ autonomous_system_number: "AS15169" }).asn, 15169);
    assert.equal(asnFacts({ autonomous_system_number: "13335" }).asn, 13335);
  });
  it("treats a missing or impossible AS number as unknown", () => {
    assert.deepEqual(asnFacts(null), unknownAsn);
    assert.deepEqual(asnFacts({ autonomous_system_organization: "x" }), unknownAsn);
    assert.deepEqual(asnFacts({ autonomous_system_number: -1 }), unknownAsn);
    assert.deepEqual(asnFacts({ autonomous_system_number: 2 ** 32 }), unknownAsn);
  });
});

describe("dbVersion", () => {
  it("names the editions consulted", () => {
    assert.equal(dbVersion(1767225600, 1767312000), "City:1767225600 ASN:1767312000");
    assert.equal(dbVersion(1767225600, undefined), "City:1767225600");
    assert.equal(dbVersion(undefined, undefined), "");
  });
});
