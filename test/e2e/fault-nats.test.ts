// Fault tolerance of the distributed mode: brings up a scale lab of its own
// (namespaces v6m-fault-srv and v6m-fault-vantage, 10,000 synthetic domains),
// runs fault-nats.inner.ts inside its vantage namespace (every process of the
// crawl lives there, with the lab's name server and address ranges only), and
// removes the lab afterwards, also on failure. The seed of the fault moments
// is printed; V6M_FAULT_SEED=<seed> replays them.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertLabPossible } from "../lab/lab.js";
import { runCommand } from "../support/command.js";

const repo = join(import.meta.dirname, "../..");
const scale = join(repo, "test/lab/scale/scale.sh");
const NAME = "v6m-fault";
const DOMAINS = 10_000;
const labEnv = { ...process.env, V6M_SCALE_NAME: NAME };

describe("crawls under SIGKILLed resolvers and probers, a restarted nats-server and an unavailable store", () => {
  before(async () => {
    assertLabPossible();
    const up = await runCommand("bash", [scale, "up", String(DOMAINS)], { env: labEnv, timeoutMs: 120_000 });
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });
  after(async () => {
    const down = await runCommand("bash", [scale, "down"], { env: labEnv, timeoutMs: 60_000 });
    assert.equal(down.code, 0, down.stdout + down.stderr);
  });

  // No deadline: the inner test fails when a crawl stops making progress, however slow the machine.
  it("gives the totals of an undisturbed crawl, and the rule's", async () => {
    const inner = await runCommand(
      "bash",
      [
        join(repo, "test/lab/in-netns.sh"),
        `${NAME}-vantage`,
        process.execPath,
        "--import",
        "tsx",
        "--test",
        join(repo, "test/e2e/fault-nats.inner.ts"),
      ],
      {
        cwd: repo,
        // Only a guard against a hung process, far beyond any crawl that still moves: the inner
        // test judges progress (V6M_FAULT_STALL_MS), not time.
        timeoutMs: 4 * 3_600_000,
        // Without NODE_TEST_CONTEXT the inner runner reports in plain TAP, not to this runner.
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_TEST_CONTEXT")),
          V6M_FAULT_DOMAINS: String(DOMAINS),
        },
      },
    );
    // The seed, the fault moments and the totals, for whoever reads the CI log.
    // TAP writes the inner notes as "# \# ...".
    for (const line of inner.stdout.split("\n"))
      if (/^# \\# (seed|crawl|totals|expected|[\d.]+ s \()/.test(line)) console.log(line.slice(5));
    assert.equal(inner.code, 0, inner.stdout.slice(-8000) + inner.stderr.slice(-3000));
    assert.match(inner.stdout, /# pass 5\n# fail 0/);
  });
});
