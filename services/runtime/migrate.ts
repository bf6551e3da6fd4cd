// Versioned schema migrations: NNN_name.sql files applied in order at start and
// recorded in schema_migrations, so a second start applies nothing. It holds no
// schema itself (that is migrations/*.sql) and never rolls back.
//
// ClickHouse has neither transactional DDL nor locks, so two services starting
// at once may both apply a pending migration. That is safe because migration
// statements are written to be re-runnable (CREATE ... IF NOT EXISTS, ADD COLUMN
// IF NOT EXISTS, INSERT ... SELECT into a ReplacingMergeTree), and the record
// table collapses duplicate records of a version. The same property makes a
// migration that failed half way safe to run again from its first statement.

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "./config.js";
import type { Store } from "./store.js";

export const DEFAULT_MIGRATIONS_DIR = join(projectRoot, "services/runtime/migrations");

const FILE_NAME = /^(\d{3,})_([A-Za-z0-9_-]+)\.sql$/;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly checksum: string;
  readonly statements: readonly string[];
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/** Applies the pending migrations of `dir` in version order; returns the files it applied. */
export async function migrate(store: Store, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  await store.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version UInt32,
       name String,
       checksum String,
       applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
     ) ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const rows = await store.query<{ version: number; name: string; checksum: string }>(
    "SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version",
  );
  const applied = new Map(rows.map((row) => [row.version, row]));
  const done: string[] = [];
  for (const migration of migrations) {
    const record = applied.get(migration.version);
    if (record) {
      // Editing an applied migration would leave databases that ran the old text
      // and databases that run the new one with different schemas: add a new file instead.
      if (record.checksum !== migration.checksum) {
        throw new MigrationError(
          `${migration.file} was changed after it was applied (as ${record.name}); ` +
            "put the change in a new migration instead",
          migration.file,
        );
      }
      continue;
    }
    for (const [index, statement] of migration.statements.entries()) {
      try {
        await store.exec(statement);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new MigrationError(
          `${migration.file}: statement ${index + 1} of ${migration.statements.length} failed: ${reason}`,
          migration.file,
          { cause: err },
        );
      }
    }
    await store.insert("schema_migrations", [
      { version: migration.version, name: migration.name, checksum: migration.checksum },
    ]);
    done.push(migration.file);
  }
  return done;
}

/** Reads and checks the migration files of `dir`, ordered by version. */
export async function readMigrations(dir: string): Promise<Migration[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new MigrationError(`cannot read the migrations folder ${dir}`, dir, { cause: err });
  }
  const migrations: Migration[] = [];
  for (const file of names.filter((name) => name.endsWith(".sql")).sort()) {
    const match = FILE_NAME.exec(file);
    // A misnamed file would otherwise be skipped without a word.
    if (!match) throw new MigrationError(`${file} is not named NNN_name.sql`, join(dir, file));
    const text = (await readFile(join(dir, file), "utf8")).replace(/\r\n/g, "\n");
    const statements = splitStatements(text);
    if (statements.length === 0) throw new MigrationError(`${file} holds no statement`, join(dir, file));
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      file,
      checksum: createHash("sha256").update(text).digest("hex"),
      statements,
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    const [previous, current] = [migrations[i - 1]!, migrations[i]!];
    if (previous.version === current.version) {
      throw new MigrationError(
        `${previous.file} and ${current.file} share version ${current.version}`,
        current.file,
      );
    }
  }
  return migrations;
}

/**
 * Statements end with ";" at the end of a line (a ";" inside a line, as in a
 * string literal, does not split). Comment-only chunks are dropped, because the
 * HTTP interface rejects an empty query.
 */
export function splitStatements(text: string): string[] {
  return text
    .split(/;[ \t]*(?:\n|$)/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("--")));
}
