// The command's JavaScript, bundled from the TypeScript sources by esbuild on first use and kept
// in dist/<key>/ (decision 019). A process run from the bundle loads no TypeScript loader: tsx
// costs every process a loader thread and the transpiled sources (about 40 MB on the main
// thread, 9 MB a worker thread) and a second of start-up. The key is a hash of every source
// file's path, size and modification time, so an edited source is bundled again on the next run
// and a stale bundle is never run. Plain JavaScript: it runs before any loader.
// `node bin/bundle.mjs` builds it and prints its folder (the container image does at build time).

import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The bundle's entries: the command, and the modules its worker threads run. */
export const ENTRIES = {
  main: "services/cli/main.ts",
  "dns-thread": "services/resolver/dns-thread.ts",
  "smtp-thread": "services/prober/smtp-thread.ts",
};

/** Folders whose TypeScript goes into the bundle. */
const SOURCES = ["services", "gen"];

/** Bundles older than this that are not the current one are removed (a running process may still use one). */
const KEEP_OLD_MS = 24 * 3600 * 1000;

const defaultRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The key of the sources as they are now: path, size and mtime of every .ts file (tests excluded). */
export function sourceKey(root = defaultRoot) {
  const hash = createHash("sha256");
  const walk = (dir) => {
    const entries = readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        const { size, mtimeMs } = statSync(join(root, path));
        hash.update(`${path}\0${size}\0${mtimeMs}\n`);
      }
    }
  };
  for (const dir of SOURCES) walk(dir);
  return hash.digest("hex").slice(0, 16);
}

/**
 * The bundle's folder for the sources as they are, built first when missing. Throws when it
 * cannot be built (esbuild missing, the folder not writable); bundledMain() says undefined then.
 */
export async function bundle(root = defaultRoot) {
  const key = sourceKey(root);
  const dist = join(root, "dist");
  const dir = join(dist, key);
  if (complete(dir)) return dir;
  mkdirSync(dist, { recursive: true });
  // Built beside it and renamed into place: processes started together (a cluster's pods on one
  // volume, the tests) each build, one rename wins and the others use it; none sees half a bundle.
  const building = join(dist, `.building-${process.pid}-${randomUUID()}`);
  try {
    const { build } = await import("esbuild");
    await build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(
        Object.entries(ENTRIES).map(([name, path]) => [name, join(root, path)]),
      ),
      outdir: building,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      // Shared code in chunks, and each lazily imported module (chDB's store, a role's
      // services) still loaded only when a process asks for it.
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      // Class and function names as in the sources (logs and errors name them).
      keepNames: true,
      logLevel: "silent",
    });
    try {
      renameSync(building, dir);
    } catch (error) {
      if (!complete(dir)) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  removeOld(dist, key);
  return dir;
}

/** The bundled command's module (dist/<key>/main.mjs), or undefined to run the sources through tsx. */
export async function bundledMain(root = defaultRoot) {
  if (process.env.IPV6MATRIX_BUNDLE === "0") return undefined;
  try {
    return join(await bundle(root), "main.mjs");
  } catch {
    // A read-only installation or no esbuild: the sources run as they are, only slower to start.
    return undefined;
  }
}

function complete(dir) {
  try {
    return Object.keys(ENTRIES).every((name) => statSync(join(dir, `${name}.mjs`)).isFile());
  } catch {
    return false;
  }
}

function removeOld(dist, key) {
  const now = Date.now();
  for (const name of readdirSync(dist)) {
    if (name === key) continue;
    try {
      if (now - statSync(join(dist, name)).mtimeMs > KEEP_OLD_MS)
        rmSync(join(dist, name), { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await bundle()}\n`);
}
