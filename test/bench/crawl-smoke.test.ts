// The whole-crawl benchmark still works: `npm run bench -- --domains 1000 --skip-field-tools` on
// its lab (root, the lab lock held by whoever runs the suite) completes and writes its JSON, and
// the crawl's counts are the scale rule's, written here by hand for d0..d999: www A for N % 10
// != 9 (900), www AAAA for N % 10 < 4 (400), every address answers ping, the dns6 verdicts of the
// chain walk. Not timed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { assertLabPossible } from "../lab/lab.js";

const root = resolve(import.meta.dirname, "../..");

test("npm run bench -- --domains 1000 --skip-field-tools", async (t) => {
  assertLabPossible();
  const out = mkdtempSync(join(tmpdir(), "v6m-bench-smoke-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const child = spawn(
    "npm",
    ["run", "-s", "bench", "--", "--domains", "1000", "--skip-field-tools", "--out", out],
    {
      cwd: root,
      env: { ...process.env, V6M_SCALE_NAME: "v6m-scale-smoke" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(code, 0, `bench failed:\n${stdout}\n${stderr}`);
  assert.match(stdout, /field tools: skipped \(--skip-field-tools\)/);
  const files = readdirSync(out).filter((f) => f.startsWith("crawl-1000-") && f.endsWith(".json"));
  assert.equal(files.length, 1);
  const result = JSON.parse(readFileSync(join(out, files[0]!), "utf8"));
  assert.equal(result.domains, 1000);
  assert.deepEqual(result.checks, {
    "domains completed": [1000, 1000],
    "www hosts with A": [900, 900],
    "www hosts with AAAA": [400, 400],
    "addresses without a ping reply": [0, 0],
    // The dns6 chain walk over IPv6 from the lab's root: in-house name servers with AAAA for
    // N % 4 == 0 (250, ready), in-house without (250, no_aaaa_glue), a provider's pair for odd N (500).
    "dns6 ready": [250, 250],
    "dns6 no_aaaa_glue": [250, 250],
    "dns6 one_ipv6_nameserver": [500, 500],
  });
  assert.deepEqual(result.field, { skipped: "--skip-field-tools" });
  // Every stage stored rows, and the store holds more than the domains' own rows.
  // web: the same-site parity fetch of the 400 www hosts with AAAA (issue 19).
  for (const stage of ["domains", "hosts", "addresses", "reverse", "web"])
    assert.ok(stage in result.stageSeconds, stage);
  assert.ok(result.questions > 1000 && result.addresses > 0 && result.rows > 1000);
  assert.ok(result.dns6Questions > 1000, `dns6 questions ${result.dns6Questions}`);
});
