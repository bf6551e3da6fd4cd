// What a service does while the store is away (a ClickHouse server restarting,
// a network cut): it waits for it and goes on, instead of counting the outage
// against the work it holds. An error the engine gave (bad SQL, a rejected
// row) is not an outage and is passed on; only failures to reach the store are.

import type { Logger } from "./log.js";
import { StoreError } from "./store.js";

/** True when the store could not be reached (no engine error code), as opposed to refusing a statement. */
export function isStoreUnavailable(error: unknown): boolean {
  return error instanceof StoreError && error.code === undefined;
}

/** Whether this process is waiting out an outage now (so that it is logged once). */
let outage = false;

export interface OutageOptions {
  readonly log?: Logger;
  /** What is waiting, for the log. */
  readonly what?: string;
  /** Stops waiting: the last error is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `work` until it succeeds or fails for another reason than an
 * unavailable store; while the store is away it tries again, 250 ms then
 * doubling up to 5 s. There is no limit: the store coming back is the end of it.
 */
export async function throughStoreOutage<T>(work: () => Promise<T>, options: OutageOptions = {}): Promise<T> {
  let delay = 250;
  for (;;) {
    try {
      const result = await work();
      if (outage) {
        outage = false;
        options.log?.info({ what: options.what }, "store is back");
      }
      return result;
    } catch (error) {
      if (!isStoreUnavailable(error) || options.signal?.aborted) throw error;
      // Once per outage, not once per waiting message.
      if (!outage)
        options.log?.warn(
          { what: options.what, error: (error as Error).message },
          "store unavailable; waiting for it",
        );
      outage = true;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(5_000, delay * 2);
    }
  }
}
