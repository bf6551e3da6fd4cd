// A real authoritative DNS server (NSD, from Debian's nsd package) on a free
// loopback port, serving zones a test writes. Stopped and its folder removed
// on dispose; a test that leaks it fails.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dnsPacket from "dns-packet";

export interface Nsd extends AsyncDisposable {
  readonly address: string;
  readonly port: number;
  /** addr:port, as resolver.nameservers takes it. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

function freeUdpPort(address: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket(address.includes(":") ? "udp6" : "udp4");
    socket.bind(0, address, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

async function answers(address: string, port: number, zone: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(address.includes(":") ? "udp6" : "udp4");
    const timer = setTimeout(() => {
      socket.close();
      resolve(false);
    }, 200);
    socket.on("message", () => {
      clearTimeout(timer);
      socket.close();
      resolve(true);
    });
    socket.send(
      dnsPacket.encode({ type: "query", id: 1, questions: [{ type: "SOA", name: zone }] }),
      port,
      address,
    );
  });
}

/**
 * zones: origin -> zone file text (with $ORIGIN and $TTL as needed). `address`: 127.0.0.1, or ::1
 * for a server asked over IPv6 (the chain walk's tests).
 */
export async function startNsd(zones: Record<string, string>, address = "127.0.0.1"): Promise<Nsd> {
  if (spawnSync("sh", ["-c", "command -v nsd"]).status !== 0)
    throw new Error("nsd is not installed: apt-get install -y nsd");
  const dir = mkdtempSync(join(tmpdir(), "v6m-nsd-"));
  const port = await freeUdpPort(address);
  const zoneConfig = Object.keys(zones)
    .map((origin, index) => {
      writeFileSync(join(dir, `zone${index}.zone`), zones[origin]!);
      return `zone:\n  name: "${origin}"\n  zonefile: "${join(dir, `zone${index}.zone`)}"\n`;
    })
    .join("");
  writeFileSync(
    join(dir, "nsd.conf"),
    `server:
  ip-address: ${address}@${port}
  port: ${port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${join(dir, "nsd.pid")}"
  xfrdfile: "${join(dir, "xfrd.state")}"
  zonelistfile: "${join(dir, "zone.list")}"
  database: ""
  logfile: "${join(dir, "nsd.log")}"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
${zoneConfig}`,
  );
  const child: ChildProcess = spawn("nsd", ["-d", "-c", join(dir, "nsd.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const firstZone = Object.keys(zones)[0]!;
  const deadline = Date.now() + 10_000;
  while (!(await answers(address, port, firstZone))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nsd did not start: ${stderr.trim() || "no answer within 10 s"}`);
    }
  }
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    address,
    port,
    endpoint: address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
