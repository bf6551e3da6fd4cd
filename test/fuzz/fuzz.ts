// `npm run fuzz -- <target|all> [--runs N | --seconds S] [--seed N]`: runs the
// coverage-guided fuzzer (engine.ts) on one target or each in turn and prints
// executions, corpus, coverage features and crashes. A crash's input is written
// to test/fuzz/crashes/ so that it can become a test; the exit code is then 1.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { crashName, fuzz } from "./engine.js";
import { targets } from "./targets.js";

const { values, positionals } = parseArgs({
  options: { runs: { type: "string" }, seconds: { type: "string" }, seed: { type: "string" } },
  allowPositionals: true,
});
const names = targets.map((t) => t.name);
const wanted = positionals[0];
if (positionals.length !== 1 || (wanted !== "all" && !names.includes(wanted!))) {
  process.stderr.write(
    `usage: npm run fuzz -- <target|all> [--runs N | --seconds S] [--seed N]\ntargets:\n${targets
      .map((t) => `  ${t.name.padEnd(12)} ${t.about}`)
      .join("\n")}\n`,
  );
  process.exit(2);
}
const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const seed = number(values.seed) ?? Date.now() % 0x7fff_ffff;
let crashed = false;
for (const target of targets.filter((t) => wanted === "all" || t.name === wanted)) {
  const stats = await fuzz(target, {
    ...(values.runs !== undefined ? { runs: number(values.runs)! } : {}),
    ...(values.seconds !== undefined ? { seconds: number(values.seconds)! } : {}),
    seed,
    onProgress: (s) =>
      process.stderr.write(
        `${target.name}: ${s.executions} executions, ${s.corpus} in corpus, ${s.features} features\n`,
      ),
  });
  const rate = Math.round(stats.executions / Math.max(stats.seconds, 0.001));
  process.stdout.write(
    `${target.name}: ${stats.executions} executions in ${stats.seconds.toFixed(1)} s (${rate}/s), ` +
      `corpus ${stats.corpus}, features ${stats.features}, seed ${seed}, crashes ${stats.crash ? 1 : 0}\n`,
  );
  if (stats.crash) {
    crashed = true;
    const dir = join(import.meta.dirname, "crashes");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${crashName(target, stats.crash.input)}.bin`);
    writeFileSync(file, stats.crash.input);
    process.stdout.write(
      `  crash written to ${file}:\n  ${String((stats.crash.error as Error)?.stack ?? stats.crash.error)
        .split("\n")
        .join("\n  ")}\n`,
    );
  }
}
process.exit(crashed ? 1 : 0);
