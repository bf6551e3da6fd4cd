// The state of one NATS connection as the transport needs it: wait until it is up, or
// be told when it goes down. Reconnecting is the client library's; this only follows
// its status events.

import type { NatsConnection } from "@nats-io/transport-node";

/** Follows the connection's status, so a publish neither waits out a lost reply nor queues into a dead socket. */
export class Link {
  private connected = true;
  private wakeUp: (() => void)[] = [];
  private readonly downListeners: (() => void)[] = [];

  constructor(nc: NatsConnection) {
    void (async () => {
      // The iterator ends when the connection closes.
      for await (const status of nc.status()) {
        if (status.type === "disconnect") {
          this.connected = false;
          for (const listener of this.downListeners) listener();
        } else if (status.type === "reconnect") {
          this.connected = true;
          for (const wake of this.wakeUp.splice(0)) wake();
        }
      }
    })();
    // Nobody waits on a closed connection: the caller sees it is closed.
    void nc.closed().then(() => {
      for (const wake of this.wakeUp.splice(0)) wake();
      for (const listener of this.downListeners) listener();
    });
  }

  /** Resolves when connected: at once, or at the next reconnect. */
  up(): Promise<void> {
    return this.connected ? Promise.resolve() : new Promise((resolve) => this.wakeUp.push(resolve));
  }

  /** Calls `listener` at every disconnect, and when the connection closes. */
  onDown(listener: () => void): void {
    this.downListeners.push(listener);
  }
}
