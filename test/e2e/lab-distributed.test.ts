// The distributed mode on the lab: brings the default lab up, then runs
// lab-distributed.inner.ts inside the vantage namespace (the services need the
// lab's network, and its nats-server and ClickHouse endpoint live on that
// namespace's loopback), and requires every one of its tests to pass.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Lab, startLab } from "../lab/lab.js";
import { runCommand } from "../support/command.js";

const repo = join(import.meta.dirname, "../..");

describe("distributed crawl of the lab: nats-server, api, 2 resolvers, 2 probers, geo, aggregator as processes", () => {
  let lab: Lab & AsyncDisposable;
  before(async () => {
    lab = await startLab("default");
  });
  after(async () => {
    await lab?.[Symbol.asyncDispose]();
  });

  it("gives the embedded run's results", async () => {
    const inner = await runCommand(
      "bash",
      [
        join(repo, "test/lab/in-netns.sh"),
        lab.vantage,
        process.execPath,
        "--import",
        "tsx",
        "--test",
        join(repo, "test/e2e/lab-distributed.inner.ts"),
      ],
      {
        cwd: repo,
        timeoutMs: 600_000,
        // Without NODE_TEST_CONTEXT the inner runner reports in plain TAP, not to this runner.
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_TEST_CONTEXT")),
          V6M_LAB_CONFIG: lab.configPath,
          V6M_LAB_DOMAINS: lab.domainsFile,
          V6M_LAB_EXPECTED: lab.expectedFile,
          V6M_LAB_STATE_DIR: lab.stateDir,
        },
      },
    );
    assert.equal(inner.code, 0, inner.stdout.slice(-6000) + inner.stderr.slice(-2000));
    assert.match(inner.stdout, /# pass 3\n# fail 0/);
  });
});
