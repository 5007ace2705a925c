// The request records, written here and nowhere else (request retention deletes them: ./retention.ts): a
// record per request, created one way for every path that starts a request (idempotent by correlation uid,
// telling a repeat of the same request from a different one under the same uid), a result per device, and
// the end state. Every write is idempotent, since Temporal may run the activities that make them again.
import type { PrismaClient } from '../../db/client';
import { columnArraysInsert, insertColumnArrays, insertColumnArraysReturning, type BulkInsert } from '../../db/bulk-insert';
import type { DeviceResponse } from '../../common/device-commands';

export interface NewRequestRecord {
  correlationUid: string;
  organisationId: string;
  domain: string;
  operation: string;
  deviceCount: number;
  /** SHA-256 of what was asked, when a repeat must be recognised (idempotency keys); null otherwise. */
  requestHash: string | null;
  /** A request accepted now and carried out later: when, and on which devices (findScheduledTasks lists it). */
  scheduledTime?: Date;
  scheduledDevices?: string[];
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

/** Creates request records like createRequestRecord; concurrent calls may share one statement. */
export interface RequestRecordWriter {
  create(record: NewRequestRecord): Promise<'created' | 'existing' | 'conflict'>;
}

/**
 * Request records created by group commit: a record asked for while no write is under way is written at once
 * (no added wait); those asked for while one is under way are written together, in one statement, as soon as
 * it ends. A stream of small requests so costs a statement per round trip rather than per request. Each
 * caller's promise settles after its own row is durable (or the write failed), as with createRequestRecord.
 */
export function createRequestRecordWriter(prisma: PrismaClient, { maxBatch = 500 }: { maxBatch?: number } = {}): RequestRecordWriter {
  type Pending = { record: NewRequestRecord; resolve: (outcome: 'created' | 'existing' | 'conflict') => void; reject: (error: unknown) => void };
  let queued: Pending[] = [];
  let writing = false;

  const write = async (batch: Pending[]): Promise<void> => {
    const records = batch.map((p) => p.record);
    const column = <T>(value: (record: NewRequestRecord) => T): T[] => records.map(value);
    const createdAt = new Date().toISOString();
    const created = new Set(
      await insertColumnArraysReturning(
        prisma,
        {
          table: 'RequestRecord',
          columns: [
            { name: 'correlationUid', type: 'text', values: column((r) => r.correlationUid) },
            { name: 'organisationId', type: 'text', values: column((r) => r.organisationId) },
            { name: 'domain', type: 'text', values: column((r) => r.domain) },
            { name: 'operation', type: 'text', values: column((r) => r.operation) },
            { name: 'deviceCount', type: 'int', values: column((r) => r.deviceCount) },
            { name: 'requestHash', type: 'text', values: column((r) => r.requestHash) },
            // ISO text in UTC, as Prisma stores timestamps (the column's default would take the session's zone).
            { name: 'createdAt', type: 'text', values: column(() => createdAt), castTo: 'timestamp(3)' },
          ],
          skipDuplicates: true,
        },
        'correlationUid',
      ),
    );
    // A record that was there already (a repeat, or the same uid twice in this batch): same request or not.
    const repeats: Pending[] = [];
    for (const pending of batch) {
      if (created.delete(pending.record.correlationUid)) pending.resolve('created');
      else repeats.push(pending);
    }
    if (repeats.length === 0) return;
    const existing = await prisma.requestRecord.findMany({
      where: { correlationUid: { in: repeats.map((p) => p.record.correlationUid) } },
      select: { correlationUid: true, requestHash: true },
    });
    const hashOf = new Map(existing.map((row) => [row.correlationUid, row.requestHash]));
    for (const pending of repeats) {
      const hash = hashOf.get(pending.record.correlationUid);
      if (hash === undefined) pending.reject(new Error(`request record ${pending.record.correlationUid} was neither created nor found`));
      else pending.resolve(hash === pending.record.requestHash ? 'existing' : 'conflict');
    }
  };

  const drain = async (): Promise<void> => {
    writing = true;
    while (queued.length > 0) {
      const batch = queued.slice(0, maxBatch);
      queued = queued.slice(batch.length);
      await write(batch).catch((error: unknown) => {
        for (const pending of batch) pending.reject(error);
      });
    }
    writing = false;
  };

  return {
    create(record) {
      // A scheduled request (rare) carries its time and devices, which the grouped insert does not write.
      if (record.scheduledTime !== undefined) return createRequestRecord(prisma, record);
      return new Promise((resolve, reject) => {
        queued.push({ record, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}

export interface DeviceResultRecord {
  deviceIdentification: string;
  result: 'OK' | 'NOT_OK';
  attempts: number;
  errorCode?: string;
  message?: string;
  data?: DeviceResponse;
  /** When the device answered or its last attempt ended (epoch ms); the time of recording when left out. */
  finishedAtMs?: number;
}

export type FinalRequestState = 'OK' | 'NOT_OK' | 'CANCELLED';

/**
 * Writes device results in one statement (column arrays, `ON CONFLICT DO NOTHING` on the request and device):
 * a result already there stays, as a retried write or a late duplicate must not replace the device's answer.
 * Returns how many rows were new.
 */
export async function insertDeviceResults(prisma: PrismaClient, correlationUid: string, results: readonly DeviceResultRecord[]): Promise<number> {
  if (results.length === 0) return 0;
  return insertColumnArrays(prisma, deviceResultsInsert(correlationUid, results));
}

function deviceResultsInsert(correlationUid: string, results: readonly DeviceResultRecord[]): BulkInsert {
  const recordedAtMs = Date.now();
  const column = <T>(value: (result: DeviceResultRecord) => T): T[] => results.map(value);
  return {
    table: 'DeviceResult',
    columns: [
      { name: 'correlationUid', type: 'text', values: column(() => correlationUid) },
      { name: 'deviceIdentification', type: 'text', values: column((r) => r.deviceIdentification) },
      { name: 'result', type: 'text', values: column((r) => r.result), castTo: '"DeviceResultState"' },
      { name: 'attempts', type: 'int', values: column((r) => r.attempts) },
      { name: 'errorCode', type: 'text', values: column((r) => r.errorCode ?? null) },
      { name: 'message', type: 'text', values: column((r) => r.message ?? null) },
      { name: 'data', type: 'text', values: column((r) => (r.data === undefined ? null : JSON.stringify(r.data))), castTo: 'jsonb' },
      // ISO text in UTC: cast to a timestamp without time zone it keeps the UTC time, as Prisma stores it.
      { name: 'finishedAt', type: 'text', values: column((r) => new Date(r.finishedAtMs ?? recordedAtMs).toISOString()), castTo: 'timestamp(3)' },
    ],
    computed: { id: 'gen_random_uuid()::text' },
    skipDuplicates: true,
  };
}

/** The request's end state. */
export async function completeRequest(prisma: PrismaClient, correlationUid: string, state: FinalRequestState): Promise<void> {
  await prisma.requestRecord.update({ where: { correlationUid }, data: { state, finishedAt: new Date() } });
}

/**
 * The last results of a request and its end state, in one call (a small request's one local activity):
 * results first, so a closed record always has them. Idempotent, like its two parts.
 */
export async function finishRequest(
  prisma: PrismaClient,
  correlationUid: string,
  results: readonly DeviceResultRecord[],
  state: FinalRequestState,
): Promise<void> {
  if (results.length === 0) return completeRequest(prisma, correlationUid, state);
  // One statement (a data-modifying WITH), as atomic as a transaction and one round trip: a small request's
  // last write costs one statement, not two.
  const closed = await prisma.$executeRaw`WITH "results" AS (${columnArraysInsert(deviceResultsInsert(correlationUid, results))})
    UPDATE "RequestRecord" SET "state" = ${state}::"RequestState", "finishedAt" = ${new Date().toISOString()}::timestamp(3)
    WHERE "correlationUid" = ${correlationUid}`;
  // As completeRequest's update: a record that is not there is an error (retried), never silently passed.
  if (closed !== 1) throw new Error(`request record ${correlationUid} not found`);
}

/**
 * A request that was recorded but whose workflow could not be started, and that the caller cannot resume
 * (no idempotency key): closed NOT_OK, visibly, instead of left pending. Best effort: the caller is told anyway.
 */
export async function closeUnstartedRequest(prisma: PrismaClient, correlationUid: string): Promise<void> {
  await prisma.requestRecord
    .update({ where: { correlationUid }, data: { state: 'NOT_OK', finishedAt: new Date() } })
    .catch(() => undefined);
}

/**
 * A request that ends where it starts: devices that could not be asked at all (each with the reason), one
 * record closed NOT_OK and a NOT_OK result per device. Idempotent: a repeat adds nothing.
 */
export async function recordRefusedRequest(
  prisma: PrismaClient,
  record: Omit<NewRequestRecord, 'deviceCount' | 'requestHash'>,
  devices: ReadonlyArray<{ deviceIdentification: string; errorCode: string; message: string }>,
): Promise<void> {
  await prisma.$transaction([
    prisma.requestRecord.createMany({
      data: [{ ...record, deviceCount: devices.length, state: 'NOT_OK', finishedAt: new Date() }],
      skipDuplicates: true,
    }),
    prisma.deviceResult.createMany({
      data: devices.map((d) => ({
        correlationUid: record.correlationUid,
        deviceIdentification: d.deviceIdentification,
        result: 'NOT_OK' as const,
        attempts: 0,
        errorCode: d.errorCode,
        message: d.message,
      })),
      skipDuplicates: true,
    }),
  ]);
}
