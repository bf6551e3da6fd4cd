// The geo service's one look-up: an address in, its GeoFacts out, from the configured City and
// ASN databases (geoip.citydb, geoip.asndb). Shared by the actor and GeoService.Lookup so both
// answer from the same editions. Knows nothing of crawls, subjects or gRPC.

import type { Logger } from "../runtime/log.js";
import { asnFacts, cityFacts, dbVersion, type GeoFacts, unknownAsn, unknownCity } from "./geo-lookup.js";
import type { WatchOptions } from "./mmdb-file.js";
import { addressForLookup, GeoDatabase } from "./mmdb-reader.js";

/** Text that is not an IPv4 or IPv6 address: bad input, never retried. */
export class InvalidAddressError extends Error {
  override name = "InvalidAddressError";
}

export interface GeoConfig {
  /** City database: a .mmdb file, or a folder with one per family; "" turns geo off. */
  readonly citydb: string;
  /** ASN database, the same way; "" leaves AS number and organisation empty. */
  readonly asndb: string;
}

export class Geolocator {
  private constructor(
    private readonly city: GeoDatabase | undefined,
    private readonly asn: GeoDatabase | undefined,
  ) {}

  /**
   * Opens and checks both databases; throws GeoDatabaseError naming the file if one is missing,
   * truncated or not a MaxMind DB. Says once, in the log, what is off.
   */
  static open(config: GeoConfig, log: Logger, watch: WatchOptions = {}): Geolocator {
    if (config.citydb === "") {
      log.warn(
        { asndb: config.asndb || undefined },
        "geoip.citydb is empty: geo is off, results carry no location (country ZZ in the summaries)",
      );
      return new Geolocator(undefined, undefined);
    }
    const city = GeoDatabase.open(config.citydb, "City", log, watch);
    let asn: GeoDatabase | undefined;
    try {
      asn = config.asndb === "" ? undefined : GeoDatabase.open(config.asndb, "ASN", log, watch);
    } catch (error) {
      city.close();
      throw error;
    }
    if (!asn) log.warn("geoip.asndb is empty: AS number and organisation stay empty");
    log.info({ city: city.describe(), asn: asn?.describe() }, "geo databases open");
    return new Geolocator(city, asn);
  }

  /** Whether a City database is configured. */
  get enabled(): boolean {
    return this.city !== undefined;
  }

  /**
   * Where an address is. An address the databases do not know gets country "" (ZZ in the
   * summaries); that is an answer, not an error. Throws InvalidAddressError for non-addresses.
   */
  lookup(ip: string): GeoFacts {
    const address = addressForLookup(ip);
    if (!address) throw new InvalidAddressError(`${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
    if (!this.city) return { ip, ...unknownCity, ...unknownAsn, dbVersion: "" };
    const city = this.city.lookup(address.ip, address.family);
    const asn = this.asn?.lookup(address.ip, address.family);
    return {
      ip,
      ...(city.record ? cityFacts(city.record) : unknownCity),
      ...(asn?.record ? asnFacts(asn.record) : unknownAsn),
      dbVersion: dbVersion(city.epoch, asn?.epoch),
    };
  }

  close(): void {
    this.city?.close();
    this.asn?.close();
  }
}
