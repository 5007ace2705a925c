// Core activities that keep the request record: per-device results as they arrive, and the end state.
// Both are idempotent (upserts keyed by correlation uid and device), since Temporal may run them again.
import type { Prisma, PrismaClient } from '../db/client';
import type { DeviceResponse } from '../common/device-commands';

export interface DeviceResultRecord {
  deviceIdentification: string;
  result: 'OK' | 'NOT_OK';
  attempts: number;
  errorCode?: string;
  message?: string;
  data?: DeviceResponse;
}

export interface RequestActivities {
  recordDeviceResults(input: { correlationUid: string; results: DeviceResultRecord[] }): Promise<void>;
  completeRequest(input: { correlationUid: string; state: 'OK' | 'NOT_OK' }): Promise<void>;
}

export function createRequestActivities(prisma: PrismaClient): RequestActivities {
  return {
    async recordDeviceResults({ correlationUid, results }) {
      const rows: Prisma.DeviceResultCreateManyInput[] = results.map((result) => ({
        correlationUid,
        deviceIdentification: result.deviceIdentification,
        result: result.result,
        attempts: result.attempts,
        errorCode: result.errorCode ?? null,
        message: result.message ?? null,
        data: result.data ? (result.data as unknown as Prisma.InputJsonValue) : undefined,
      }));
      // A retried batch finds its rows already there; the first write wins, as the device answered once.
      await prisma.deviceResult.createMany({ data: rows, skipDuplicates: true });
    },
    async completeRequest({ correlationUid, state }) {
      await prisma.requestRecord.update({
        where: { correlationUid },
        data: { state, finishedAt: new Date() },
      });
    },
  };
}
