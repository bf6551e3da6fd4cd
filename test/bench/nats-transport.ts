// The NATS transport's own cost a message, apart from any crawl: publishes N messages (each
// waiting for the stream's ack, `--in-flight` at once) through a NatsTransport to a local
// nats-server and consumes them in one group, acknowledging each; prints the CPU of this process
// (both ends) and of nats-server per message. Loopback only, no lab. Not a test.
// Run: node --import tsx test/bench/nats-transport.ts [--messages 40000] [--in-flight 256]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connectNats } from "../../services/runtime/transport-nats.js";
import { startNatsServer } from "../support/nats-server.js";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "40000" },
    "in-flight": { type: "string", default: "256" },
  },
});
const N = Number(values.messages);
const inFlight = Number(values["in-flight"]);

/** CPU seconds of this process's children (nats-server), from /proc. */
function childrenCpu(): number {
  const children = readFileSync(`/proc/self/task/${process.pid}/children`, "utf8").trim().split(/\s+/);
  let cpu = 0;
  for (const pid of children.filter(Boolean)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone in between
    }
  }
  return cpu;
}

const nats = await startNatsServer();
const topology = { "bench.messages": ["bench"] };
const publisher = await connectNats({ servers: [nats.url], topology, name: "bench-publisher" });
const consumer = await connectNats({ servers: [nats.url], topology, name: "bench-consumer" });
const payload = new Uint8Array(200).fill(7);
let received = 0;
let allReceived!: () => void;
const done = new Promise<void>((resolve) => (allReceived = resolve));
const subscription = await consumer.consume("bench.messages", { group: "bench", maxInFlight: 1000 }, (d) => {
  d.ack();
  if (++received === N) allReceived();
});
const cpu0 = process.cpuUsage();
const server0 = childrenCpu();
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < N) {
      const n = next++;
      await publisher.publish("bench.messages", payload, `bench:${n}`);
    }
  }),
);
await done;
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const server = childrenCpu() - server0;
console.log(
  `${N} messages, ${inFlight} publishes in flight: ${seconds.toFixed(2)} s, ` +
    `client (publish + consume + ack) ${((cpu.user + cpu.system) / N).toFixed(1)} µs a message, ` +
    `nats-server ${((server * 1e6) / N).toFixed(1)} µs a message`,
);
await subscription.drain();
await publisher.close();
await consumer.close();
await nats.stop();
