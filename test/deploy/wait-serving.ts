// Run inside a lab namespace by chart-pods.test.ts: grpc.health.v1 of every
// host:port given until each says SERVING (or 180 s pass); prints one status a
// line, exits 0 only when all are SERVING.

import { waitServing } from "../support/grpc-health.js";

const deadline = Date.now() + 180_000;
const statuses = await Promise.all(process.argv.slice(2).map((address) => waitServing(address, deadline)));
process.argv.slice(2).forEach((address, i) => {
  console.log(`${address} ${statuses[i]}`);
});
process.exitCode = statuses.every((s) => s === "SERVING") ? 0 : 1;
