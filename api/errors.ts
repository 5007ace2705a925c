// What the HTTP layer itself refuses (authentication, rate limits, input the contract cannot express): it
// carries the HTTP status and a stable code. The core's refusals are DomainErrors (core/errors.ts); the one
// error middleware in api/server.ts answers both.
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429 | 503,
    readonly code: string,
    message: string,
    /** For a 400 on one input field: its path, e.g. `body.publicKey`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
