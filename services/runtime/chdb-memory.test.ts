// store.max_memory_mb: what a cap means for chDB (pure), and a real store opened with one, whose
// engine and session report the limits (the engine starts once per process: this file's process).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { chdbMemory } from "./chdb-memory.js";
import { loadConfig } from "./config.js";
import { openChdbStore } from "./store-chdb.js";

test("no cap: chDB's defaults, nothing passed", () => {
  assert.deepEqual(chdbMemory(0), { engineArgs: [], settings: {} });
  assert.deepEqual(chdbMemory(undefined), { engineArgs: [], settings: {} });
});

test("a cap of 512 MB: the engine's limit, smaller caches, spilling at a quarter", () => {
  const memory = chdbMemory(512);
  assert.ok(memory.engineArgs.includes("--max_server_memory_usage=536870912"));
  assert.ok(memory.engineArgs.includes("--mark_cache_size=67108864"));
  assert.equal(memory.settings["max_bytes_before_external_group_by"], 134217728);
  assert.equal(memory.settings["max_bytes_before_external_sort"], 134217728);
});

test("the default configuration caps the embedded store", () => {
  assert.equal(loadConfig({ env: {} }).store.max_memory_mb, 768);
  assert.equal(loadConfig({ env: {}, sets: ["store.max_memory_mb=0"] }).store.max_memory_mb, 0);
});

test("a store opened with a cap runs with it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "v6m-chdb-memory-"));
  const store = await openChdbStore(join(dir, "data"), { maxMemoryMb: 512 });
  try {
    const [server] = await store.query<{ value: string }>(
      "SELECT value FROM system.server_settings WHERE name = 'max_server_memory_usage'",
    );
    assert.equal(Number(server?.value), 536870912);
    const [session] = await store.query<{ g: number; s: number }>(
      "SELECT getSetting('max_bytes_before_external_group_by') AS g, getSetting('max_bytes_before_external_sort') AS s",
    );
    assert.deepEqual(session, { g: 134217728, s: 134217728 });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a query past the cap fails naming store.max_memory_mb", async () => {
  const dir = mkdtempSync(join(tmpdir(), "v6m-chdb-memory-"));
  const store = await openChdbStore(join(dir, "data"), { maxMemoryMb: 512 });
  try {
    await assert.rejects(
      store.query("SELECT groupArray(number) FROM numbers(200000000) SETTINGS max_threads = 1"),
      (error: Error & { code?: number }) => error.code === 241 && /store\.max_memory_mb/.test(error.message),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
