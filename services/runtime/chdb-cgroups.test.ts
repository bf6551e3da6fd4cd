// chDB in a namespace without the cgroup tree: the search for the memory files (on a fake file
// system), and a real store opened in a fresh mount namespace whose /sys/fs/cgroup is an empty
// tmpfs (what `ip netns exec` leaves), which must write no stack trace and one log line at most.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { type CgroupFs, cgroupMemoryReadable, chdbConnectionArgs } from "./chdb-cgroups.js";

function fakeFs(files: string[], selfCgroup?: string): CgroupFs {
  return { exists: (p) => files.includes(p), selfCgroup: () => selfCgroup };
}

test("cgroups v2: memory.current in the process's own cgroup or a parent", () => {
  const self = "0::/system.slice/job.scope\n";
  assert.equal(
    cgroupMemoryReadable(fakeFs(["/sys/fs/cgroup/system.slice/job.scope/memory.current"], self)),
    true,
  );
  assert.equal(cgroupMemoryReadable(fakeFs(["/sys/fs/cgroup/system.slice/memory.current"], self)), true);
  assert.equal(cgroupMemoryReadable(fakeFs(["/sys/fs/cgroup/memory.current"], self)), true);
  assert.equal(cgroupMemoryReadable(fakeFs(["/sys/fs/cgroup/other.slice/memory.current"], self)), false);
});

test("cgroups v1: the memory controller's memory.stat", () => {
  const self = "5:memory:/docker/abc\n0::/\n";
  assert.equal(cgroupMemoryReadable(fakeFs(["/sys/fs/cgroup/memory/memory.stat"], self)), true);
  assert.equal(cgroupMemoryReadable(fakeFs(["/sys/fs/cgroup/memory/memory.stat"], undefined)), true);
});

test("an empty /sys/fs/cgroup: the reader is turned off", () => {
  assert.equal(cgroupMemoryReadable(fakeFs([], "0::/\n")), false);
  assert.deepEqual(chdbConnectionArgs(false), ["--memory_worker_use_cgroup=0"]);
  assert.deepEqual(chdbConnectionArgs(true), []);
});

test("a store opened without the cgroup tree writes one log line and no stack trace", (t) => {
  if (process.getuid?.() !== 0 || spawnSync("unshare", ["--version"]).status !== 0) {
    assert.fail("this test needs root and unshare (util-linux) to make a mount namespace");
  }
  const dir = mkdtempSync(join(tmpdir(), "v6m-cgroups-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = resolve(import.meta.dirname, "../..");
  const script =
    `import { openChdbStore } from ${JSON.stringify(join(root, "services/runtime/store-chdb.ts"))};` +
    `const s = await openChdbStore(${JSON.stringify(join(dir, "data"))});` +
    `console.log(JSON.stringify(await s.query("SELECT 1 AS one")));` +
    "await s.close();";
  const r = spawnSync(
    "unshare",
    [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs none /sys/fs/cgroup && exec "$@"',
      "sh",
      process.execPath,
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '[{"one":1}]');
  assert.doesNotMatch(r.stderr, /Cannot use cgroups reader|Stack trace/);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length <= 1, `more than one line on stderr:\n${r.stderr}`);
});
