// Request retention: a request record, its device results and its notifications are kept for the configured
// number of days after the request finished (REQUEST_RETENTION_DAYS), then deleted. Unfinished requests are
// never deleted, and neither is a request whose notification is still being delivered. Reading a request
// (requests.getRequest) never consumes it: only this purge removes records.
import type { PrismaClient } from '../../db/client';

export interface PurgeOptions {
  /** Most request records deleted in one transaction. Default 1,000. */
  batchSize?: number;
  /**
   * Most device results (counted by the requests' device counts) deleted in one transaction; a request with
   * more devices than this is a batch of its own. Default 20,000.
   */
  maxDeviceResultsPerBatch?: number;
  /** Asked between batches; true ends the purge early (the process is stopping). */
  shouldStop?: () => boolean;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Deletes the request records that finished more than `retentionDays` before `now`, with their device results
 * (by the foreign key's ON DELETE CASCADE) and their notifications (which have no foreign key to the request),
 * in batches, each in a transaction of its own. Returns how many request records it deleted.
 */
export async function purgeExpiredRequests(
  prisma: PrismaClient,
  retentionDays: number,
  now: Date = new Date(),
  { batchSize = 1_000, maxDeviceResultsPerBatch = 20_000, shouldStop = () => false }: PurgeOptions = {},
): Promise<number> {
  if (!(retentionDays > 0)) throw new RangeError(`retentionDays must be positive, not ${retentionDays}`);
  const cutoff = new Date(now.getTime() - retentionDays * dayMs);
  let deleted = 0;
  while (!shouldStop()) {
    // No ORDER BY: any expired records will do, and without sorting the scan stops at the batch size. The
    // columns are timestamps without time zone holding UTC: the cutoff is compared as UTC text, whatever the
    // session's time zone.
    const candidates = await prisma.$queryRaw<Array<{ correlationUid: string; deviceCount: number }>>`
      SELECT r."correlationUid", r."deviceCount"
      FROM "RequestRecord" r
      WHERE r."finishedAt" < ${cutoff.toISOString()}::timestamp(3)
        AND r."state" IN ('OK', 'NOT_OK')
        AND NOT EXISTS (
          SELECT 1 FROM "Notification" n WHERE n."correlationUid" = r."correlationUid" AND n."state" = 'PENDING'
        )
      LIMIT ${batchSize}`;
    if (candidates.length === 0) break;
    const batch: string[] = [];
    let deviceResults = 0;
    for (const candidate of candidates) {
      const count = Number(candidate.deviceCount);
      if (batch.length > 0 && deviceResults + count > maxDeviceResultsPerBatch) break;
      batch.push(candidate.correlationUid);
      deviceResults += count;
    }
    const [, removed] = await prisma.$transaction([
      prisma.notification.deleteMany({ where: { correlationUid: { in: batch } } }),
      // The conditions again: nothing that is not expired is deleted, whatever happened since the select.
      prisma.requestRecord.deleteMany({
        where: { correlationUid: { in: batch }, finishedAt: { lt: cutoff }, state: { in: ['OK', 'NOT_OK'] } },
      }),
    ]);
    deleted += removed.count;
    // Fewer candidates than a batch, all taken: that was the last of them.
    if (candidates.length < batchSize && batch.length === candidates.length) break;
  }
  return deleted;
}
