#!/usr/bin/env node
// Entry point of the `ipv6matrix` command: runs the TypeScript sources bundled by esbuild on first
// use (bundle.mjs, decision 019), or through tsx when no bundle can be written, so `npx
// ipv6matrix` works right after `npm install` with no build step.
import { setFlagsFromString } from "node:v8";
import { bundledMain } from "./bundle.mjs";

// V8 lets the old space grow to several times the live data when a program allocates fast, as
// a crawl does: a 100k-domain crawl held 60 MB live in a 200-260 MB heap. Growing by 60 % of
// what survives a collection keeps the heap near the live data whatever its size (a fixed
// --max-old-space-size would be either too large to help or too small for a million domains).
// Measured on a 30k-domain DNS-only crawl (docs/performance.md): V8's default 670-700 MB peak
// RSS, 60 % 545 MB for 12 % more CPU, 30 % 520 MB for 25 % more.
// V8 reads it at every collection, so it applies though the process has started (NODE_OPTIONS
// cannot carry it); `node --heap-growing-percent=N bin/ipv6matrix.mjs` overrides it.
if (!process.execArgv.some((arg) => arg.startsWith("--heap-growing-percent")))
  setFlagsFromString("--heap-growing-percent=60");

// Under npx, npm exec or npm run this process is npm's grandchild through a shell, and a
// SIGTERM to npm is not passed on: npm ends, and `serve` would go on orphaned, holding its
// port and the store's lock. So when the process that started it goes away, it stops as on
// SIGTERM (once: a second SIGTERM during the drain would cut it short). Started any other way
// (systemd, a container, nohup) it keeps running on its own, as a server should.
if (process.env.npm_execpath !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, "SIGTERM");
  }, 500);
  watch.unref();
}

const bundled = await bundledMain();
let main;
if (bundled) ({ main } = await import(bundled));
else {
  (await import("tsx/esm/api")).register();
  ({ main } = await import("../services/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
