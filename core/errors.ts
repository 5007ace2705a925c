// Domain errors: what the core refuses, in its own words. The core knows nothing of HTTP; the API's one
// error middleware (api/server.ts) maps each kind to a status code, and other callers (activities, the
// protocol listeners) read the kind and code.

export type DomainErrorKind = 'INVALID' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** A stable code callers may branch on, e.g. DEVICE_NOT_FOUND. */
    readonly code: string,
    message: string,
    /** For an invalid input field: its path as the caller sent it, e.g. `body.deviceIdentifications`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
