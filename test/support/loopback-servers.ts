// For tests that start their own servers on loopback: a self-signed certificate made by openssl,
// and a set of listening servers that, closed, ends every connection still open and stops them.
// No server logic of its own: what a server answers is the test's.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** openssl writes a P-256 key and a certificate for COMMON_NAME signed by it, valid DAYS days, to these files. */
export function writeSelfSignedCertificate(
  files: { readonly key: string; readonly cert: string },
  commonName: string,
  days = 1,
): void {
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const subject = ["-days", String(days), "-subj", `/CN=${commonName}`];
  try {
    execFileSync("openssl", ["req", "-x509", ...key, ...subject, "-keyout", files.key, "-out", files.cert], {
      stdio: "pipe",
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl req -x509 for ${files.cert}: ${(e.stderr?.toString() || e.message).trim()}`);
  }
}

/** A self-signed certificate and its key (PEM) for a test's server; the files are gone when it returns. */
export function selfSignedCertificate(commonName: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "v6m-cert-"));
  try {
    const files = { key: join(dir, "key.pem"), cert: join(dir, "cert.pem") };
    writeSelfSignedCertificate(files, commonName);
    return { key: readFileSync(files.key, "utf8"), cert: readFileSync(files.cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The servers a test started, closed together in its `after`. */
export class LoopbackServers {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();

  /** Listens on a free port of HOST (127.0.0.1 or ::1); resolves with the port. */
  async listen(server: Server, host: string): Promise<number> {
    server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    this.#servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  /** Ends every connection still open and stops every server. */
  close(): void {
    for (const socket of this.#sockets) socket.destroy();
    for (const server of this.#servers) server.close();
  }
}
