// Test fixture: a TCP forwarder on a loopback port that a test can shut (every
// connection cut, new ones refused) and open again on the same port, so that
// the server behind it looks unavailable to its clients without being
// restarted. It forwards bytes only; it knows no protocol.

import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpGate extends AsyncDisposable {
  readonly port: number;
  /** Cuts every connection and refuses new ones until `open`. */
  shut(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer((client) => {
        track(client);
        const upstream = createConnection(target);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.once("error", () => upstream.destroy());
        upstream.once("error", () => client.destroy());
        client.once("close", () => upstream.destroy());
        upstream.once("close", () => client.destroy());
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  let server: Server | undefined = await listen(0);
  const port = (server.address() as { port: number }).port;

  const shut = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    const closed = new Promise((resolve) => current.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    port,
    shut,
    async open() {
      server ??= await listen(port);
    },
    close: shut,
    [Symbol.asyncDispose]: shut,
  };
}
