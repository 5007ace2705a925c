// The retention job's timing: once at start, then every interval, never two runs at once, failures logged
// and survived, nothing after stop. The purge itself is tested against PostgreSQL (integration/requests).
import type { Logger, LogFields } from '../../../common/logger';
import type { PrismaClient } from '../../../db/client';
import { purgeExpiredRequests } from '../../../core/requests/retention';
import { startRetentionJob } from '../../../worker/retention';

jest.mock('../../../core/requests/retention', () => ({ purgeExpiredRequests: jest.fn() }));
const purge = jest.mocked(purgeExpiredRequests);

const prisma = {} as PrismaClient;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger(): Logger & { records: Array<{ level: string; message: string; fields?: LogFields }> } {
  const records: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const logger = {
    records,
    debug: (message: string, fields?: LogFields) => void records.push({ level: 'debug', message, fields }),
    info: (message: string, fields?: LogFields) => void records.push({ level: 'info', message, fields }),
    warn: (message: string, fields?: LogFields) => void records.push({ level: 'warn', message, fields }),
    error: (message: string, fields?: LogFields) => void records.push({ level: 'error', message, fields }),
    child: () => logger,
  };
  return logger;
}

beforeEach(() => purge.mockReset());

test('runs once at start with the retention, then again after each interval, until stopped', async () => {
  purge.mockResolvedValue(0);
  const logger = recordingLogger();
  const job = startRetentionJob({ prisma, retentionDays: 30, intervalMs: 40, logger });
  await sleep(10);
  expect(purge).toHaveBeenCalledTimes(1);
  expect(purge.mock.calls[0][0]).toBe(prisma);
  expect(purge.mock.calls[0][1]).toBe(30);
  await sleep(150);
  const runs = purge.mock.calls.length;
  expect(runs).toBeGreaterThanOrEqual(3);
  job.stop();
  await sleep(120);
  expect(purge).toHaveBeenCalledTimes(runs);
});

test('never runs twice at once: a slow run delays the next', async () => {
  let running = 0;
  let most = 0;
  purge.mockImplementation(async () => {
    running += 1;
    most = Math.max(most, running);
    await sleep(60);
    running -= 1;
    return 2;
  });
  const logger = recordingLogger();
  const job = startRetentionJob({ prisma, retentionDays: 1, intervalMs: 5, logger });
  await sleep(250);
  job.stop();
  expect(purge.mock.calls.length).toBeGreaterThanOrEqual(2);
  expect(purge.mock.calls.length).toBeLessThanOrEqual(5);
  expect(most).toBe(1);
  expect(logger.records.some((r) => r.level === 'info' && r.fields?.deleted === 2)).toBe(true);
});

test('a failed run is logged, not thrown, and the next run happens', async () => {
  purge.mockRejectedValueOnce(new Error('database unavailable')).mockResolvedValue(0);
  const logger = recordingLogger();
  const job = startRetentionJob({ prisma, retentionDays: 30, intervalMs: 20, logger });
  await sleep(80);
  job.stop();
  expect(purge.mock.calls.length).toBeGreaterThanOrEqual(2);
  const failure = logger.records.find((r) => r.level === 'error');
  expect(failure?.message).toContain('failed');
  expect((failure?.fields?.error as Error).message).toBe('database unavailable');
});

test('a run in progress is told to stop between batches', async () => {
  let shouldStop: (() => boolean) | undefined;
  purge.mockImplementation(async (_prisma, _days, _now, options) => {
    shouldStop = options?.shouldStop;
    await sleep(30);
    return 0;
  });
  const job = startRetentionJob({ prisma, retentionDays: 30, logger: recordingLogger() });
  await sleep(5);
  expect(shouldStop?.()).toBe(false);
  job.stop();
  expect(shouldStop?.()).toBe(true);
  await sleep(40);
  expect(purge).toHaveBeenCalledTimes(1);
});
