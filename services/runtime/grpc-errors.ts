// The one mapping from errors to gRPC status codes, for every service: the
// typed errors of api-errors.ts by class, anything else INTERNAL. A handler
// throws (or rejects with) a typed error and lets `grpcError` say the code.

import { type ServerErrorResponse, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from "./api-errors.js";

const codes: ReadonlyArray<readonly [new (...args: never[]) => Error, status]> = [
  [InvalidArgumentError, status.INVALID_ARGUMENT],
  [NotFoundError, status.NOT_FOUND],
  [FailedPreconditionError, status.FAILED_PRECONDITION],
  [ResourceExhaustedError, status.RESOURCE_EXHAUSTED],
  [PermissionDeniedError, status.PERMISSION_DENIED],
  [UnavailableError, status.UNAVAILABLE],
];

export function grpcStatusOf(error: unknown): status {
  return codes.find(([type]) => error instanceof type)?.[1] ?? status.INTERNAL;
}

/** The error a handler ends a call with: its status code and its message as details. */
export function grpcError(error: unknown): ServerErrorResponse {
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(message), { code: grpcStatusOf(error), details: message });
}

/** A unary handler from an async function: its answer, or its error through grpcError. */
export function unaryHandler<Req, Res>(
  run: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    run(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(grpcError(error)),
    );
  };
}
