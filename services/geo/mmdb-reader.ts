// A configured geo database (geoip.citydb or geoip.asndb): one .mmdb file for both families, as
// MaxMind ships GeoIP2/GeoLite2, or a folder with one file per family, as the @ip-location-db
// packages ship them (…-ipv4.mmdb, …-ipv6.mmdb). Sends each address to the file that holds its
// family. Files added to the folder later are not noticed; replaced ones are (mmdb-file.ts).

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../runtime/log.js";
import { type DatabaseKind, GeoDatabaseError, MmdbFile, type WatchOptions } from "./mmdb-file.js";

export interface MmdbAnswer {
  readonly record: Record<string, unknown> | null;
  /** Build epoch of the edition that answered; undefined when no file holds the family. */
  readonly epoch: number | undefined;
}

export class GeoDatabase {
  private constructor(
    readonly path: string,
    readonly kind: DatabaseKind,
    private readonly ipv4: MmdbFile | undefined,
    private readonly ipv6: MmdbFile | undefined,
    private readonly files: readonly MmdbFile[],
  ) {}

  /**
   * Opens the file, or the .mmdb files of the folder, and checks them. Throws GeoDatabaseError
   * naming the file for anything unusable, so that a service does not start on a bad database.
   */
  static open(path: string, kind: DatabaseKind, log: Logger, watch: WatchOptions = {}): GeoDatabase {
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      // readEdition names a missing file precisely.
    }
    const names = folder
      ? readdirSync(path)
          .filter((name) => name.endsWith(".mmdb"))
          .sort()
          .map((name) => join(path, name))
      : [path];
    if (names.length === 0) throw new GeoDatabaseError(path, "is a folder without .mmdb files");
    const files: MmdbFile[] = [];
    try {
      for (const name of names) files.push(MmdbFile.open(name, kind, log, watch));
    } catch (error) {
      for (const file of files) file.close();
      throw error;
    }
    const v4 = files.filter((file) => file.ipVersion === 4);
    const v6 = files.filter((file) => file.ipVersion === 6);
    const close = () => {
      for (const file of files) file.close();
    };
    if (v4.length > 1 || v6.length > 1) {
      close();
      const list = (group: MmdbFile[]) => group.map((file) => file.file).join(", ");
      throw new GeoDatabaseError(
        path,
        `holds more than one database per family (${v4.length > 1 ? list(v4) : list(v6)}); name the file to use`,
      );
    }
    // An IPv6 tree also holds IPv4 (under ::/96); a file of its own for IPv4 wins.
    const database = new GeoDatabase(path, kind, v4[0] ?? v6[0], v6[0], files);
    if (!database.ipv6)
      log.warn({ file: path, kind }, "geo database has no IPv6 data; IPv6 addresses will be unknown");
    return database;
  }

  /** Build epochs of the files, for the log at start. */
  describe(): { file: string; ipVersion: number; databaseType: string; epoch: number }[] {
    return this.files.map((file) => ({
      file: file.file,
      ipVersion: file.ipVersion,
      databaseType: file.databaseType,
      epoch: file.epoch,
    }));
  }

  /**
   * The record for an address parsed by parseAddress (4 or 16 bytes). An IPv6 address is
   * never looked up in an IPv4-only file: the reader would walk its first 32 bits and answer with
   * some unrelated IPv4 network.
   */
  lookup(address: Uint8Array, length: 4 | 16): MmdbAnswer {
    const file = length === 4 ? this.ipv4 : this.ipv6;
    if (!file) return { record: null, epoch: undefined };
    return file.lookup(address, length);
  }

  close(): void {
    for (const file of this.files) file.close();
  }
}
