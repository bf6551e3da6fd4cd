#!/usr/bin/env node
// Entry point of the `ipv6matrix` command: runs the TypeScript sources through
// tsx, so `npx ipv6matrix` works right after `npm install` with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../services/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
