// From a MaxMind DB record to the fields of GeoResult (SPEC 4, "geoip"). Pure: takes the records
// a City and an ASN database returned for one address and gives the facts. Reads both record
// layouts: GeoIP2/GeoLite2 (nested maps) and @ip-location-db (flat keys). Opens no file.

/** What a City database says about an address; country "" when it does not know it. */
export interface CityFacts {
  readonly country: string;
  readonly city: string;
  readonly region: string;
  readonly latitude: number;
  readonly longitude: number;
}

/** What an ASN database says about an address; asn 0 when it does not know it. */
export interface AsnFacts {
  readonly asn: number;
  readonly asOrg: string;
}

/** The GeoResult fields that do not name the crawl. */
export interface GeoFacts extends CityFacts, AsnFacts {
  readonly ip: string;
  /** Which database editions answered, e.g. "City:1767225600 ASN:1767225600"; "" when geo is off. */
  readonly dbVersion: string;
}

export const unknownCity: CityFacts = { country: "", city: "", region: "", latitude: 0, longitude: 0 };
export const unknownAsn: AsnFacts = { asn: 0, asOrg: "" };

type MmdbRecord = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is MmdbRecord =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** The English name of a GeoIP2 place ({ names: { en } }), as the original showed it. */
const englishName = (place: unknown): string =>
  isRecord(place) && isRecord(place["names"]) ? text(place["names"]["en"]) : "";

/**
 * Coordinates rounded to 4 decimals (about 11 m), the precision MaxMind publishes. The
 * @ip-location-db files keep them as 32-bit floats (39.0438 comes back as 39.04380035...);
 * rounding gives back the published value and changes nothing for GeoIP2's doubles.
 */
export function roundCoordinate(value: unknown): number {
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? Math.round(number * 10_000) / 10_000 : 0;
}

/**
 * City, region, country code, latitude, longitude from a City record of either layout. The
 * region is the first (largest) subdivision: its ISO code in GeoIP2 ("VA", "ENG", "13"), and
 * `state1` (a name such as "England") in @ip-location-db, the only form that layout has.
 * Latitude is latitude: the original wrote the longitude into it (SPEC change 1).
 */
export function cityFacts(record: unknown): CityFacts {
  if (!isRecord(record)) return unknownCity;
  if ("country_code" in record || "state1" in record) {
    const country = text(record["country_code"]).toUpperCase();
    if (country === "") return unknownCity;
    return {
      country,
      city: text(record["city"]),
      region: text(record["state1"]),
      latitude: roundCoordinate(record["latitude"]),
      longitude: roundCoordinate(record["longitude"]),
    };
  }
  // GeoIP2: the country where the address is used, never registered_country (where the block is
  // registered), which would place a CDN's addresses at its head office.
  const country = isRecord(record["country"]) ? text(record["country"]["iso_code"]).toUpperCase() : "";
  if (country === "") return unknownCity;
  const subdivisions = record["subdivisions"];
  const first = Array.isArray(subdivisions) ? subdivisions[0] : undefined;
  const location = isRecord(record["location"]) ? record["location"] : {};
  return {
    country,
    city: englishName(record["city"]),
    region: isRecord(first) ? text(first["iso_code"]) || englishName(first) : "",
    latitude: roundCoordinate(location["latitude"]),
    longitude: roundCoordinate(location["longitude"]),
  };
}

/** AS number and organisation: both layouts use GeoLite2-ASN's two keys. */
export function asnFacts(record: unknown): AsnFacts {
  if (!isRecord(record)) return unknownAsn;
  const raw = record["autonomous_system_number"];
  const asn = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.replace(/^AS/i, "")) : 0;
  if (!Number.isInteger(asn) || asn <= 0 || asn > 0xffff_ffff) return unknownAsn;
  return { asn, asOrg: text(record["autonomous_system_organization"]) };
}

/** "City:<epoch> ASN:<epoch>": the build epochs of the editions consulted, ASN left out when off. */
export function dbVersion(cityEpoch: number | undefined, asnEpoch: number | undefined): string {
  const parts: string[] = [];
  if (cityEpoch !== undefined) parts.push(`City:${cityEpoch}`);
  if (asnEpoch !== undefined) parts.push(`ASN:${asnEpoch}`);
  return parts.join(" ");
}
