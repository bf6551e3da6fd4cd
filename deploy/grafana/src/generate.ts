// `npm run dashboards`: writes the dashboards as code (trends.ts, operations.ts) to
// deploy/grafana/*.json, the files Grafana's provisioning loads. With --check it
// writes nothing and fails when a checked-in file differs from what the code gives.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { operationsDashboard } from "./operations.js";
import { trendsDashboard } from "./trends.js";

const dir = join(import.meta.dirname, "..");

export const dashboardFiles: Record<string, () => unknown> = {
  "ipv6matrix-trends.json": trendsDashboard,
  "ipv6matrix-operations.json": operationsDashboard,
};

export function renderDashboard(build: () => unknown): string {
  return `${JSON.stringify(build(), null, 2)}\n`;
}

function main(check: boolean): number {
  const stale: string[] = [];
  for (const [file, build] of Object.entries(dashboardFiles)) {
    const path = join(dir, file);
    const text = renderDashboard(build);
    if (!check) {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
      continue;
    }
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {}
    if (current !== text) stale.push(path);
  }
  if (stale.length > 0) {
    console.error(`stale: ${stale.join(", ")}; run npm run dashboards and commit them`);
    return 1;
  }
  return 0;
}

if (process.argv[1] === import.meta.filename) process.exitCode = main(process.argv.includes("--check"));
