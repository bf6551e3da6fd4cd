// Picks the Store for a configuration: a ClickHouse server when a URL is
// given, else chDB in this process over the data folder. Holds no defaults of
// its own; config decides.

import type { Store } from "./store.js";
import { openChdbStore } from "./store-chdb.js";
import { type ClickHouseStoreOptions, openClickHouseStore } from "./store-clickhouse.js";

export interface StoreConfig {
  /** http[s]://user:pass@host:port/database of a ClickHouse server; empty or absent means embedded chDB. */
  readonly url?: string;
  /** chDB's data folder, used when there is no url. */
  readonly dataDir: string;
  /** chDB's memory cap in MB (store.max_memory_mb); 0 or absent: chDB's default. */
  readonly maxMemoryMb?: number;
  readonly clickhouse?: ClickHouseStoreOptions;
}

export function openStore(config: StoreConfig): Promise<Store> {
  return config.url
    ? openClickHouseStore(config.url, config.clickhouse)
    : openChdbStore(config.dataDir, { maxMemoryMb: config.maxMemoryMb });
}
