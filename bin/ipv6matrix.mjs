#!/usr/bin/env node
// Entry point of the `ipv6matrix` command: runs the TypeScript sources through
// tsx, so `npx ipv6matrix` works right after `npm install` with no build step.
import { register } from "tsx/esm/api";

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

register();
const { main } = await import("../services/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
