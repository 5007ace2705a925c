// One error type for everything a handler refuses: it carries the HTTP status and a stable code.
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
