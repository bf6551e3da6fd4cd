// A name server that answers late: it forwards every query (UDP and TCP) to an upstream server
// after a fixed delay and relays the answer. The lab puts it in front of the domains' NSD for
// zones served_by "slow". It changes nothing in the answer.
// Usage: node --import tsx test/lab/dns-delay.ts <delay-ms> <upstream-addr> <upstream-port> <ready-file> <addr>...
import { createSocket } from "node:dgram";
import { writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";

const [delayText, upstream, upstreamPortText, readyFile, ...addresses] = process.argv.slice(2);
const delay = Number(delayText);
const upstreamPort = Number(upstreamPortText);

function listenUdp(address: string): Promise<void> {
  const sock = createSocket(address.includes(":") ? "udp6" : "udp4");
  sock.on("message", (query, peer) => {
    setTimeout(() => {
      const out = createSocket("udp4");
      const done = setTimeout(() => out.close(), 5000);
      out.on("message", (answer) => {
        sock.send(answer, peer.port, peer.address);
        clearTimeout(done);
        out.close();
      });
      out.send(query, upstreamPort, upstream);
    }, delay);
  });
  return new Promise((resolve) => sock.bind(53, address, resolve));
}

function listenTcp(address: string): Promise<void> {
  const server = createServer((client) => {
    client.pause();
    setTimeout(() => {
      const up = connect(upstreamPort, upstream);
      up.on("error", () => client.destroy());
      client.on("error", () => up.destroy());
      client.pipe(up).pipe(client);
      client.resume();
    }, delay);
  });
  return new Promise((resolve) => server.listen(53, address, resolve));
}

await Promise.all(addresses.flatMap((a) => [listenUdp(a), listenTcp(a)]));
writeFileSync(readyFile!, `${process.pid}\n`);
process.on("SIGTERM", () => process.exit(0));
