// The geo service's one look-up: an address in, its GeoFacts out, from the configured City and
// ASN databases (geoip.citydb, geoip.asndb). Shared by the actor and GeoService.Lookup so both
// answer from the same editions. Knows nothing of crawls, subjects or gRPC.

import type { Logger } from "../runtime/log.js";
import { asnFacts, cityFacts, dbVersion, type GeoFacts, unknownAsn, unknownCity } from "./geo-lookup.js";
import type { WatchOptions } from "./mmdb-file.js";
import { GeoDatabase } from "./mmdb-reader.js";
import { parseAddress } from "./mmdb-tree.js";

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
  /** Parsed address bytes, reused: a look-up is synchronous, so one buffer serves them all. */
  private readonly address = new Uint8Array(16);

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
    const length = parseAddress(ip, this.address);
    if (length === 0) throw new InvalidAddressError(`${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
    if (!this.city) return { ip, ...unknownCity, ...unknownAsn, dbVersion: "" };
    const city = this.city.lookup(this.address, length);
    const asn = this.asn?.lookup(this.address, length);
    const place = city.record ? cityFacts(city.record) : unknownCity;
    const network = asn?.record ? asnFacts(asn.record) : unknownAsn;
    return {
      ip,
      country: place.country,
      city: place.city,
      region: place.region,
      latitude: place.latitude,
      longitude: place.longitude,
      asn: network.asn,
      asOrg: network.asOrg,
      dbVersion: this.version(city.epoch, asn?.epoch),
    };
  }

  private lastVersion = { city: -1 as number | undefined, asn: -1 as number | undefined, text: "" };

  /** dbVersion text, built again only when an edition changes (it is asked for every look-up). */
  private version(cityEpoch: number | undefined, asnEpoch: number | undefined): string {
    const last = this.lastVersion;
    if (last.city !== cityEpoch || last.asn !== asnEpoch)
      this.lastVersion = { city: cityEpoch, asn: asnEpoch, text: dbVersion(cityEpoch, asnEpoch) };
    return this.lastVersion.text;
  }

  close(): void {
    this.city?.close();
    this.asn?.close();
  }
}
