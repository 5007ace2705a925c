// Runs the request retention purge in the core worker process: once at start, then every interval, never
// two runs at once (the next run is planned when the previous one has ended). A failed run is logged and
// the next one tries again; the job itself never throws. Several core workers may each run it: a record
// deleted by one is simply not found by another.
import type { Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import { purgeExpiredRequests } from '../core/requests/retention';

export interface RetentionJobOptions {
  prisma: PrismaClient;
  /** REQUEST_RETENTION_DAYS: records are deleted this long after their request finished. */
  retentionDays: number;
  /** Time from the end of one run to the start of the next. Default one hour. */
  intervalMs?: number;
  logger: Logger;
}

export interface RetentionJob {
  /** No run starts after this; a run in progress ends after its current batch. */
  stop(): void;
}

export function startRetentionJob({ prisma, retentionDays, intervalMs = 60 * 60 * 1000, logger }: RetentionJobOptions): RetentionJob {
  const log = logger.child({ job: 'request-retention' });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const run = async (): Promise<void> => {
    timer = undefined;
    const started = Date.now();
    try {
      const deleted = await purgeExpiredRequests(prisma, retentionDays, new Date(), { shouldStop: () => stopped });
      if (deleted > 0) log.info('expired request records deleted', { deleted, retentionDays, ms: Date.now() - started });
      else log.debug('no expired request records', { retentionDays });
    } catch (error) {
      // While stopping, the database may close under a run: that is no failure worth an error.
      if (stopped) log.debug('request retention run ended by stop', { error });
      else log.error('request retention run failed; trying again at the next interval', { error, retentionDays });
    }
    if (!stopped) {
      timer = setTimeout(() => void run(), intervalMs);
      // The job never keeps the process alive on its own.
      timer.unref();
    }
  };

  void run();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
