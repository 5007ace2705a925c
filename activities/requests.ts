// Core activities that keep the request record: per-device results as they arrive, and the end state.
// Both are idempotent (upserts keyed by correlation uid and device), since Temporal may run them again.
import type { PrismaClient } from '../db/client';
import { insertColumnArrays } from '../db/bulk-insert';
import type { DeviceResponse } from '../common/device-commands';

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

export interface RequestActivities {
  recordDeviceResults(input: { correlationUid: string; results: DeviceResultRecord[] }): Promise<void>;
  completeRequest(input: { correlationUid: string; state: FinalRequestState }): Promise<void>;
}

/**
 * Writes device results in one statement (column arrays, `ON CONFLICT DO NOTHING` on the request and device):
 * a result already there stays, as a retried write or a late duplicate must not replace the device's answer.
 * Returns how many rows were new.
 */
export async function insertDeviceResults(prisma: PrismaClient, correlationUid: string, results: readonly DeviceResultRecord[]): Promise<number> {
  if (results.length === 0) return 0;
  const recordedAtMs = Date.now();
  const column = <T>(value: (result: DeviceResultRecord) => T): T[] => results.map(value);
  return insertColumnArrays(prisma, {
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
  });
}

export function createRequestActivities(prisma: PrismaClient): RequestActivities {
  return {
    async recordDeviceResults({ correlationUid, results }) {
      // A retried batch finds its rows already there; the first write wins, as the device answered once.
      await insertDeviceResults(prisma, correlationUid, results);
    },
    async completeRequest({ correlationUid, state }) {
      await prisma.requestRecord.update({
        where: { correlationUid },
        data: { state, finishedAt: new Date() },
      });
    },
  };
}
