// The two kinds of error. `RejectedInputError` is the caller's fault and says why (the HTTP
// binding answers 4xx with its message and the broker does not retry it); anything else is a
// failure of ours or of a dependency, keeps its stack, and answers 5xx so the event is retried.
// `UnavailableError` is the one 5xx that says why: a store or key set we depend on failed now,
// so the answer is 503 with its message (the broker retries; a dead letter reads the reason).

export type RejectionStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429;

export class RejectedInputError extends Error {
  override readonly name: string = 'RejectedInputError';
  /** HTTP status to answer with: 400 unless a more precise one applies. */
  readonly status: RejectionStatus;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, status: RejectionStatus = 400, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

/** A provider document that is not a usable forecast. Never retried: the bytes will not change. */
export class DocumentRejectedError extends RejectedInputError {
  override readonly name = 'DocumentRejectedError';
  constructor(locationId: string, reason: string) {
    super(`document for location ${locationId} is not a forecast: ${reason}`, 422, { locationId, reason });
  }
}

/** A dependency (a store, the issuer's keys, the broker) failed now: 503 with this message, retried. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  readonly status = 503;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
