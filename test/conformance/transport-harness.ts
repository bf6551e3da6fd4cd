// What the Transport conformance suites share: a harness per implementation (in-process, and a
// real nats-server per test), which closes what it handed out and fails on a leaked connection,
// and the small helpers of the tests. No test of its own.

import assert from "node:assert/strict";
import type { Topology } from "../../services/runtime/topology.js";
import type { Delivery, Transport } from "../../services/runtime/transport.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";
import { connectNats } from "../../services/runtime/transport-nats.js";
import { type NatsServer, startNatsServer } from "../support/nats-server.js";

export interface Harness extends AsyncDisposable {
  /** A transport on this test's bus; on NATS each one is its own connection, as another process would be. */
  transport(topology: Topology, options?: { capacity?: number }): Promise<Transport>;
  /** The NATS server behind the bus, when there is one. */
  readonly server?: NatsServer;
}

/** Closes every transport it handed out, then stops the server (which fails on a leaked connection). */
function harnessOf(make: Harness["transport"], server?: NatsServer): Harness {
  const open: Transport[] = [];
  return {
    server,
    async transport(topology, options) {
      const transport = await make(topology, options);
      open.push(transport);
      return transport;
    },
    async [Symbol.asyncDispose]() {
      const results = await Promise.allSettled(open.map((t) => t.close()));
      await server?.stop();
      for (const result of results) if (result.status === "rejected") throw result.reason;
    },
  };
}

export const implementations: { name: string; harness: () => Promise<Harness> }[] = [
  {
    name: "InProcessTransport",
    harness: async () =>
      harnessOf(async (topology, options) => new InProcessTransport({ topology, ...options })),
  },
  {
    name: "NatsTransport",
    harness: async () => {
      const server = await startNatsServer();
      let instance = 0;
      return harnessOf(
        (topology, options) =>
          connectNats({ servers: [server.url], topology, name: `conformance-${++instance}`, ...options }),
        server,
      );
    },
  },
];

export const bytes = (text: string) => new TextEncoder().encode(text);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, failing with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const keys = (count: number, prefix = "m") => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

export async function publishAll(transport: Transport, subject: string, all: string[]) {
  for (const key of all) await transport.publish(subject, bytes(key), key);
}

/** Keys seen, in order, duplicates kept. */
export function recorder() {
  const seen: string[] = [];
  return {
    seen,
    ackAll: (delivery: Delivery) => {
      // The payload travels with its key: the suite publishes the key as the data.
      assert.equal(new TextDecoder().decode(delivery.data), delivery.key);
      seen.push(delivery.key);
      delivery.ack();
    },
  };
}

export const ips: Topology = { "test.ips": ["prober", "geo"] };
export const work: Topology = { "test.work": ["worker"] };
