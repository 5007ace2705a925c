import { Prisma } from '../generated/prisma/client';

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

/** Prisma's known request errors the handlers turn into 404/409: unique (P2002), foreign key (P2003), not found (P2025). */
export function isPrismaError(error: unknown, code: 'P2002' | 'P2003' | 'P2025'): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}
