// What a request to a service got wrong, as types: the gRPC status of each is
// chosen in one place (grpc-errors.ts), never by matching an error's message.
// A module's own error (DomainFileError, QueryError, ...) extends the one that
// says what it means for the caller. No gRPC here: the CLI reads them too.

/** The request itself is wrong (a bad date, an unknown view, a list that is not one); retrying it is useless. */
export class InvalidArgumentError extends Error {
  override name = "InvalidArgumentError";
}

/** What the request names (a crawl, a date) does not exist. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The request is fine but the thing it acts on is not in a state that allows it (resume a completed crawl). */
export class FailedPreconditionError extends Error {
  override name = "FailedPreconditionError";
}

/** A limit was reached (crawls at once, a caller's budget); the same request may succeed later. */
export class ResourceExhaustedError extends Error {
  override name = "ResourceExhaustedError";
}

/** The caller may not do this (a destination or source the configuration does not allow). */
export class PermissionDeniedError extends Error {
  override name = "PermissionDeniedError";
}

/** The service cannot do it now (a local shortage, a socket it could not open); the same request may succeed later. */
export class UnavailableError extends Error {
  override name = "UnavailableError";
}
