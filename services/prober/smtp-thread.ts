// The worker-thread side of smtp-threads.ts: runs smtpProbe for each request the prober's
// main thread posts and posts the outcome back. Nothing else: pacing, confinement and the
// result's assembly stay in prober.ts.

import { parentPort } from "node:worker_threads";
import { type SmtpOptions, smtpProbe } from "./smtp.js";
import { LocalResourceError } from "./tcp.js";

export interface SmtpRequest {
  readonly id: number;
  readonly ip: string;
  readonly options: SmtpOptions;
}

export type SmtpReply =
  | { readonly id: number; readonly outcome: Awaited<ReturnType<typeof smtpProbe>> }
  | { readonly id: number; readonly error: { local: boolean; message: string } };

const port = parentPort;
if (port) {
  port.on("message", (request: SmtpRequest) => {
    smtpProbe(request.ip, request.options).then(
      (outcome) => port.postMessage({ id: request.id, outcome } satisfies SmtpReply),
      (error: Error) =>
        port.postMessage({
          id: request.id,
          error: { local: error instanceof LocalResourceError, message: error.message },
        } satisfies SmtpReply),
    );
  });
}
