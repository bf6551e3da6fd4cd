// The `ipv6matrix` command: parses the command line, runs one subcommand, and
// turns any expected failure into one clear line on standard error and a
// non-zero exit. Each subcommand lives in its own file.

import { parseArgs } from "node:util";
import { ExportError } from "../aggregator/export.js";
import { LegacyFormatError } from "../aggregator/legacy/legacy-formats.js";
import { SummariesKeptError } from "../aggregator/summaries.js";
import { GeoDatabaseError } from "../geo/mmdb-file.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../runtime/api-errors.js";
import { ConfigError } from "../runtime/config.js";
import { DomainFileError } from "../runtime/domain-file.js";
import { StoreOpenError } from "../runtime/store.js";
import { CliError, type Command, UsageError } from "./command.js";
import { compareCommand } from "./compare.js";
import { crawlCommand } from "./crawl.js";
import { historyCommand, searchCommand } from "./domain-queries.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { publishCrawlCommand, unpublishCrawlCommand } from "./publish.js";
import { queryCommand } from "./query.js";
import { serveCommand } from "./serve.js";
import { submitCommand } from "./submit.js";
import { summariseCommand } from "./summarise.js";
import { watchCommand } from "./watch.js";

const commands: Record<string, Command> = {
  crawl: crawlCommand,
  export: exportCommand,
  import: importCommand,
  compare: compareCommand,
  publish: publishCrawlCommand,
  unpublish: unpublishCrawlCommand,
  summarise: summariseCommand,
  serve: serveCommand,
  submit: submitCommand,
  watch: watchCommand,
  query: queryCommand,
  history: historyCommand,
  search: searchCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    "ipv6matrix: measures IPv6 adoption of the web, mail, DNS and time servers of domains.",
    "",
    "Usage: ipv6matrix <command> [options]",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    "",
    "Every command takes --config FILE, --set key=value (repeatable) and --help.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(
      `ipv6matrix: unknown command ${name} (one of ${Object.keys(commands).join(", ")}; see --help)\n`,
    );
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        ...command.options,
        config: { type: "string" },
        set: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values["help"]) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(values as Record<string, unknown>, positionals);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof InvalidArgumentError ||
      error instanceof NotFoundError ||
      error instanceof FailedPreconditionError ||
      error instanceof DomainFileError ||
      error instanceof ExportError ||
      error instanceof LegacyFormatError ||
      error instanceof SummariesKeptError ||
      error instanceof GeoDatabaseError ||
      String((error as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS")
    ) {
      process.stderr.write(`ipv6matrix ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    if (error instanceof CliError || error instanceof StoreOpenError) {
      process.stderr.write(`ipv6matrix ${name}: ${error.message}\n`);
      return 1;
    }
    // A file or folder the user named that cannot be read: its path and why, not a stack trace.
    const { code, path } = error as { code?: unknown; path?: unknown };
    if (typeof path === "string" && typeof code === "string" && FILE_ERRORS[code]) {
      process.stderr.write(`ipv6matrix ${name}: ${path}: ${FILE_ERRORS[code]}\n`);
      return 2;
    }
    process.stderr.write(`ipv6matrix ${name}: ${(error as Error).stack ?? error}\n`);
    return 1;
  }
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file or folder",
  ENOTDIR: "not a folder",
  EISDIR: "a folder, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
};
