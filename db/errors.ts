import { Prisma } from '../generated/prisma/client';

/** Prisma's known request errors callers turn into domain errors: unique (P2002), foreign key (P2003), not found (P2025). */
export function isPrismaError(error: unknown, code: 'P2002' | 'P2003' | 'P2025'): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}
