// Creating a request's record, one way for every path that starts a request (the API's request service and
// scheduled runs started by workflows): idempotent by correlation uid, and telling a repeat of the same
// request (same hash) from a different request under the same correlation uid.
import type { PrismaClient } from './client';

export interface NewRequestRecord {
  correlationUid: string;
  organisationId: string;
  domain: string;
  operation: string;
  deviceCount: number;
  /** SHA-256 of what was asked, when a repeat must be recognised (idempotency keys); null otherwise. */
  requestHash: string | null;
}

/** 'created', or for an existing record whether it is the same request ('existing') or not ('conflict'). */
export async function createRequestRecord(
  prisma: PrismaClient,
  record: NewRequestRecord,
): Promise<'created' | 'existing' | 'conflict'> {
  const created = await prisma.requestRecord.createMany({ data: [record], skipDuplicates: true });
  if (created.count === 1) return 'created';
  const existing = await prisma.requestRecord.findUniqueOrThrow({ where: { correlationUid: record.correlationUid } });
  return existing.requestHash === record.requestHash ? 'existing' : 'conflict';
}
