// The local address the kernel would send from to a destination: connect a UDP socket and
// read its local address. A UDP connect only consults the routing table; no packet is sent.
// No route (ENETUNREACH) is an answer too: then there is nothing to probe over that family.

import { createSocket } from "node:dgram";
import { isIP } from "node:net";

export type SourceAddress = { kind: "route"; address: string } | { kind: "no-route"; reason: string };

export function sourceAddress(destination: string): Promise<SourceAddress> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(destination) === 6 ? "udp6" : "udp4");
    const done = (result: SourceAddress) => {
      socket.close();
      resolve(result);
    };
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done({ kind: "no-route", reason: error.code ?? error.message }),
    );
    // Port 9 (discard): any port does, since nothing is sent.
    socket.connect(9, destination, () => {
      try {
        const address = socket.address().address;
        // A namespace without any route hands back the unspecified address.
        if (address === "0.0.0.0" || address === "::") done({ kind: "no-route", reason: "ENETUNREACH" });
        else done({ kind: "route", address });
      } catch (error) {
        done({ kind: "no-route", reason: (error as Error).message });
      }
    });
  });
}
