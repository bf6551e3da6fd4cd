// What a subcommand is: its options (node:util parseArgs), its help, and what it runs.

import type { ParseArgsConfig } from "node:util";
import { checkDate } from "../api/crawl-options.js";
import { type Config, loadConfig } from "../runtime/config.js";
import type { Store } from "../runtime/store.js";
import { openStore } from "../runtime/store-open.js";

/** The command line asks for something that cannot be: printed as one line, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An expected failure of the surroundings (a port in use, a missing folder): one line, exit 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** --date YYYY-MM-DD, a real calendar date. */
export function dateOption(text: string): string {
  try {
    return checkDate(text);
  } catch {
    throw new UsageError(`--date ${text}: expected a calendar date as YYYY-MM-DD`);
  }
}

/**
 * The store, for a command that reads crawls: a store no crawl was ever run on
 * (no crawls table yet) is said so in one line instead of the engine's
 * "unknown table"; nothing is created in it.
 */
export async function openStoreWithCrawls(config: Config): Promise<Store> {
  const store = await openStore({
    url: config.store.url,
    dataDir: config.store.data_dir,
    maxMemoryMb: config.store.max_memory_mb,
  });
  try {
    const [row] = await store.query<{ n: number }>(
      "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'crawls'",
    );
    if (Number(row?.n ?? 0) === 0)
      throw new UsageError(
        `no crawl in the store ${config.store.url ? "at store.url" : config.store.data_dir} yet (a new store): run ipv6matrix crawl FILE first`,
      );
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

export const commonUsage = `Common options:
  --config FILE        configuration file (YAML), over config/default.yaml
  --set KEY=VALUE      override one key, e.g. --set trace.max_ttl=20 (repeatable)
  -h, --help           this help`;

export function configFrom(values: Record<string, unknown>): Config {
  return loadConfig({
    file: (values["config"] as string | undefined) ?? process.env["IPV6MATRIX_CONFIG"],
    sets: (values["set"] as string[] | undefined) ?? [],
  });
}
