// The TCP edge of the DNS client: one question over one connection, used when
// a UDP answer came back truncated (RFC 1035 4.2.2 two-octet length prefix;
// RFC 7766 6.2.2: a client must be ready for the answer in several segments).
// The same checks as over UDP: id, question. Never rejects.

import { randomInt } from "node:crypto";
import { Socket } from "node:net";
import type { RecordType } from "dns-packet";
import type { Endpoint } from "../runtime/config.js";
import { type Checked, checkAnswer, encodeQuery } from "./dns-message.js";

export type TcpResult =
  | Checked
  | { readonly kind: "timeout" }
  | { readonly kind: "send-error"; readonly reason: string };

export function tcpQuery(
  name: string,
  type: RecordType,
  server: Endpoint,
  timeoutMs: number,
  /** RD clear and every section decoded, as the chain walk asks (udp-pool.ts `iterative`). */
  iterative = false,
): Promise<TcpResult> {
  return new Promise((resolve) => {
    const id = randomInt(0x10000);
    const query = encodeQuery(id, name, type, true, !iterative);
    const frame = Buffer.allocUnsafe(2 + query.length);
    frame.writeUInt16BE(query.length, 0);
    query.copy(frame, 2);
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (result: TcpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // One deadline for connect, send and the whole answer, not per segment.
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    socket.on("error", (error) => finish({ kind: "send-error", reason: error.message }));
    socket.on("close", () =>
      finish({ kind: "malformed", reason: "connection closed before a whole answer" }),
    );
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks.length = 0;
      chunks.push(whole);
      const length = whole.readUInt16BE(0);
      if (whole.length < 2 + length) return;
      const message = whole.subarray(2, 2 + length);
      if (message.length < 12 || message.readUInt16BE(0) !== id) {
        finish({ kind: "malformed", reason: "TCP answer with another id" });
        return;
      }
      const checked = checkAnswer(message, { name, type, allSections: iterative });
      // On a connection of our own, an answer to another question is no better than garbage.
      finish(checked.kind === "mismatch" ? { kind: "malformed", reason: checked.reason } : checked);
    });
    socket.connect(server.port, server.host, () => socket.write(frame));
  });
}
