// The one mapper from errors to gRPC status codes: by class, never by message;
// each module's own error maps by the typed error it extends.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { QueryError } from "../../services/aggregator/queries/views.js";
import { SourceError } from "../../services/api/domain-source.js";
import {
  ProbeBudgetError,
  ProbeRefusedError,
  ProbeRequestError,
  ProbeUnavailableError,
} from "../../services/prober/grpc.js";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from "../../services/runtime/api-errors.js";
import { DomainFileError } from "../../services/runtime/domain-file.js";
import { grpcError, grpcStatusOf } from "../../services/runtime/grpc-errors.js";

describe("the one error-to-status mapper", () => {
  it("maps each typed error, and every module error by what it extends", () => {
    assert.equal(grpcStatusOf(new InvalidArgumentError("x")), status.INVALID_ARGUMENT);
    assert.equal(grpcStatusOf(new NotFoundError("x")), status.NOT_FOUND);
    assert.equal(grpcStatusOf(new FailedPreconditionError("x")), status.FAILED_PRECONDITION);
    assert.equal(grpcStatusOf(new ResourceExhaustedError("x")), status.RESOURCE_EXHAUSTED);
    assert.equal(grpcStatusOf(new PermissionDeniedError("x")), status.PERMISSION_DENIED);
    assert.equal(grpcStatusOf(new QueryError("x")), status.INVALID_ARGUMENT);
    assert.equal(grpcStatusOf(new SourceError("x")), status.INVALID_ARGUMENT);
    assert.equal(grpcStatusOf(new DomainFileError("x")), status.INVALID_ARGUMENT);
    assert.equal(grpcStatusOf(new UnavailableError("x")), status.UNAVAILABLE);
    assert.equal(grpcStatusOf(new ProbeRequestError("x")), status.INVALID_ARGUMENT);
    assert.equal(grpcStatusOf(new ProbeRefusedError("x")), status.PERMISSION_DENIED);
    assert.equal(grpcStatusOf(new ProbeBudgetError("x")), status.RESOURCE_EXHAUSTED);
    assert.equal(grpcStatusOf(new ProbeUnavailableError("x")), status.UNAVAILABLE);
  });

  it("never reads the message: an unknown error is INTERNAL whatever it says", () => {
    assert.equal(grpcStatusOf(new Error("no crawl c1")), status.INTERNAL);
    assert.equal(grpcStatusOf("not even an Error"), status.INTERNAL);
    assert.deepEqual(
      { ...grpcError(new NotFoundError("no crawl c1")) },
      { code: status.NOT_FOUND, details: "no crawl c1" },
    );
  });
});
