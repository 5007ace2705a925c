// Core activities that keep the request record (core/requests/records.ts): per-device results as they
// arrive, and the end state (or both at once). Both are idempotent, since Temporal may run them again.
import type { PrismaClient } from '../db/client';
import { completeRequest, finishRequest, insertDeviceResults, type DeviceResultRecord, type FinalRequestState } from '../core/requests/records';

export interface RequestActivities {
  recordDeviceResults(input: { correlationUid: string; results: DeviceResultRecord[] }): Promise<void>;
  completeRequest(input: { correlationUid: string; state: FinalRequestState }): Promise<void>;
  /** The results not written yet and the end state, in one activity. */
  finishRequest(input: { correlationUid: string; results: DeviceResultRecord[]; state: FinalRequestState }): Promise<void>;
}

export function createRequestActivities(prisma: PrismaClient): RequestActivities {
  return {
    async recordDeviceResults({ correlationUid, results }) {
      // A retried batch finds its rows already there; the first write wins, as the device answered once.
      await insertDeviceResults(prisma, correlationUid, results);
    },
    async completeRequest({ correlationUid, state }) {
      await completeRequest(prisma, correlationUid, state);
    },
    async finishRequest({ correlationUid, results, state }) {
      await finishRequest(prisma, correlationUid, results, state);
    },
  };
}
