// The image of deploy/Containerfile, built by `npm run image` (podman; the base
// image built offline when no registry gives node:24-bookworm-slim) and run as
// the chart runs it: a non-root user, a read-only root filesystem, every
// capability dropped. `serve all` must answer grpc.health.v1 SERVING; the
// prober's Node must open a raw socket with NET_RAW alone, the other roles' Node
// must not. Needs root (podman); installs podman, runc and debootstrap when missing.

import assert from "node:assert/strict";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCommand } from "../support/command.js";
import { waitServing } from "../support/grpc-health.js";
import { freePort } from "../support/service-process.js";

const repo = join(import.meta.dirname, "../..");
const image = "localhost/ipv6matrix:dev";
const podman = (args: string[], timeoutMs = 120_000) =>
  runCommand("podman", ["--runtime", "runc", "--cgroup-manager", "cgroupfs", ...args], { timeoutMs });
/**
 * The hardening every Deployment of the chart has (helm/ipv6matrix/templates/deployments.yaml):
 * read-only root, /tmp and /data writable (emptyDirs there: here a tmpfs and a folder the user
 * owns, as fsGroup makes it; podman 4.3 ignores a tmpfs's mode), no capability.
 */
const dataDir = mkdtempSync(join(tmpdir(), "v6m-image-data-"));
chownSync(dataDir, 10001, 10001);
const hardened = ["--read-only", "--tmpfs", "/tmp", "--volume", `${dataDir}:/data`, "--cap-drop", "ALL"];
const openRawSocket =
  'const { Socket } = require("/app/node_modules/stamped-socket"); try { new Socket(4, 1).close(); console.log("opened"); } catch (e) { console.log("refused: " + e.message); }';

describe("deploy/Containerfile: one image for every role", () => {
  let imageId = "";
  const name = `v6m-image-test-${process.pid}`;

  before(async () => {
    // Builds only what changed since the last build (podman's layer cache); from scratch on a new machine.
    const build = await runCommand("bash", [join(repo, "deploy/build-image.sh")], {
      cwd: repo,
      timeoutMs: 1_800_000,
    });
    assert.equal(build.code, 0, build.stderr.slice(-4000));
    imageId = build.stdout.trim().split("\n").at(-1)!;
  });
  after(async () => {
    await podman(["rm", "--force", "--time", "5", name]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("is built from the lock file and runs as the non-root user 10001", async () => {
    assert.match(imageId, /^[0-9a-f]{64}$/);
    const user = await podman(["image", "inspect", "--format", "{{.Config.User}}", image]);
    assert.equal(user.stdout.trim(), "10001:10001");
    const id = await podman(["run", "--rm", ...hardened, "--entrypoint", "id", image, "-u"]);
    assert.equal(id.stdout.trim(), "10001", id.stderr);
  });

  it("serve all answers grpc.health.v1 SERVING, with a read-only root and no capability", async () => {
    const grpcPort = await freePort();
    const metricsPort = await freePort();
    const started = await podman([
      "run",
      "--detach",
      "--name",
      name,
      "--network",
      "host",
      ...hardened,
      "--security-opt",
      "no-new-privileges",
      image,
      "serve",
      "all",
      "--set",
      `api.listen=127.0.0.1:${grpcPort}`,
      "--set",
      `telemetry.listen=127.0.0.1:${metricsPort}`,
    ]);
    assert.equal(started.code, 0, started.stderr);
    const status = await waitServing(`127.0.0.1:${grpcPort}`, Date.now() + 180_000);
    const logs = status === "SERVING" ? "" : (await podman(["logs", name])).stderr;
    assert.equal(status, "SERVING", logs);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    assert.match(metrics, /^ipv6matrix_actor_handled_total/m);
  });

  it("the prober's node-net-raw opens a raw socket with NET_RAW alone; plain node cannot", async () => {
    const prober = await podman([
      "run",
      "--rm",
      ...hardened,
      "--cap-add",
      "NET_RAW",
      "--entrypoint",
      "node-net-raw",
      image,
      "-e",
      openRawSocket,
    ]);
    assert.equal(prober.stdout.trim(), "opened", prober.stderr);
    const other = await podman([
      "run",
      "--rm",
      ...hardened,
      "--entrypoint",
      "node",
      image,
      "-e",
      openRawSocket,
    ]);
    assert.equal(other.stdout.trim(), "refused: socket: Operation not permitted", other.stderr);
  });
});
