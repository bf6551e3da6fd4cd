// The memory cap of the embedded store (store.max_memory_mb): the engine's own limit, and the
// settings that make the large queries (the summaries' GROUP BYs and joins) spill to the data
// folder well before they reach it. Pure: it does not open chDB, and says nothing for a server.

/** What a cap of `maxMemoryMb` means for chDB: engine arguments (at start) and session settings. */
export interface ChdbMemory {
  readonly engineArgs: string[];
  readonly settings: Readonly<Record<string, number | string>>;
}

/** The share of the cap one query's GROUP BY, sort or join may hold before it spills. */
const SPILL_SHARE = 0.25;

export function chdbMemory(maxMemoryMb: number | undefined): ChdbMemory {
  if (!maxMemoryMb || maxMemoryMb <= 0) return { engineArgs: [], settings: {} };
  const cap = Math.round(maxMemoryMb * 2 ** 20);
  const spill = Math.round(cap * SPILL_SHARE);
  return {
    // A query past this fails (MEMORY_LIMIT_EXCEEDED) instead of the machine swapping; the
    // caches are server settings too and would otherwise hold up to 5 GB each.
    engineArgs: [
      `--max_server_memory_usage=${cap}`,
      `--mark_cache_size=${Math.round(cap / 8)}`,
      `--index_mark_cache_size=${Math.round(cap / 16)}`,
      `--primary_index_cache_size=${Math.round(cap / 16)}`,
    ],
    settings: {
      max_bytes_before_external_group_by: spill,
      max_bytes_before_external_sort: spill,
    },
  };
}
