// What a subcommand is: its options (node:util parseArgs), its help, and what it runs.

import type { ParseArgsConfig } from "node:util";
import { type Config, loadConfig } from "../runtime/config.js";

export class UsageError extends Error {
  override name = "UsageError";
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
