// Whether chDB's memory worker can read this process's memory use from the cgroup tree, and the
// engine argument that turns that reader off when it cannot. Without it, a network namespace
// (`ip netns exec` remounts /sys without cgroups) or a container without the tree makes libchdb
// print a 20-line "Cannot use cgroups reader" stack trace on standard error at every start.
// It does not change any memory limit: the engine then takes its own RSS instead of the cgroup's.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface CgroupFs {
  exists(path: string): boolean;
  /** The content of /proc/self/cgroup, or undefined when it cannot be read. */
  selfCgroup(): string | undefined;
}

const realFs: CgroupFs = {
  exists: existsSync,
  selfCgroup: () => {
    try {
      return readFileSync("/proc/self/cgroup", "utf8");
    } catch {
      return undefined;
    }
  },
};

/**
 * True when the file chDB's cgroups reader looks for exists: for cgroups v2, memory.current in
 * this process's cgroup folder or one above it up to /sys/fs/cgroup; for v1,
 * /sys/fs/cgroup/memory/memory.stat. The same search as ClickHouse's createCgroupsReader().
 */
export function cgroupMemoryReadable(fs: CgroupFs = realFs, root = "/sys/fs/cgroup"): boolean {
  const v2 = /^0::(\/.*)$/m.exec(fs.selfCgroup() ?? "")?.[1];
  if (v2 !== undefined) {
    let dir = join(root, v2);
    for (;;) {
      if (fs.exists(join(dir, "memory.current"))) return true;
      if (dir === root || !dir.startsWith(root)) break;
      dir = join(dir, "..");
    }
  }
  return fs.exists(join(root, "memory", "memory.stat"));
}

/** The engine arguments for a chDB connection: none, or the one that skips the cgroups reader. */
export function chdbConnectionArgs(readable: boolean): string[] {
  return readable ? [] : ["--memory_worker_use_cgroup=0"];
}
