// In-memory stand-ins for the core activities that workflow tests do not look into closely: they test the
// workflow's logic on the time-skipping server; test/integration proves the real activities on Postgres.
import type { RequestActivities } from '../../activities/requests';
import type { DeviceResultRecord, FinalRequestState } from '../../core/requests/records';
import type { NotificationActivities } from '../../activities/notifications';
import type { RequestFinishedInput } from '../../core/notifications';

export interface FakeRequestRecords {
  readonly activities: RequestActivities;
  /** Each device's result, by device identification. */
  readonly results: Map<string, DeviceResultRecord>;
  /** Every completeRequest call, in order. */
  readonly completions: Array<{ correlationUid: string; state: FinalRequestState }>;
  /** The end state of the last request completed, if any. */
  readonly completed: FinalRequestState | undefined;
  /** Records the results of devices that have none yet; returns how many were new. */
  record(results: readonly DeviceResultRecord[]): number;
}

/**
 * The request record (activities/requests.ts) in memory. A device's first result stays, as in the table
 * (ON CONFLICT DO NOTHING): a retried write or a late duplicate does not replace the device's answer.
 * Results are keyed by device alone, so a test that runs several requests through one fake (the lighting
 * runs) reads only their completions.
 */
export function fakeRequestRecords(): FakeRequestRecords {
  const results = new Map<string, DeviceResultRecord>();
  const completions: Array<{ correlationUid: string; state: FinalRequestState }> = [];
  const record = (batch: readonly DeviceResultRecord[]): number => {
    let written = 0;
    for (const r of batch) {
      if (results.has(r.deviceIdentification)) continue;
      results.set(r.deviceIdentification, r);
      written += 1;
    }
    return written;
  };
  return {
    activities: {
      async recordDeviceResults({ results: batch }) {
        record(batch);
      },
      async completeRequest({ correlationUid, state }) {
        completions.push({ correlationUid, state });
      },
      async finishRequest({ correlationUid, results: batch, state }) {
        record(batch);
        completions.push({ correlationUid, state });
      },
    },
    results,
    completions,
    get completed() {
      return completions.at(-1)?.state;
    },
    record,
  };
}

/**
 * The notification activities for an organisation without a webhook: every finished request is prepared
 * (and kept in `prepared`), nothing is delivered. test/workflow/notifications.test.ts covers delivery.
 */
export function notificationsWithoutWebhook(): { activities: NotificationActivities; prepared: RequestFinishedInput[] } {
  const prepared: RequestFinishedInput[] = [];
  return {
    activities: {
      async prepareRequestNotification(input) {
        prepared.push(input);
        return null;
      },
      async queueRequestNotification({ retryPeriodMs: _retryPeriodMs, ...input }) {
        prepared.push(input);
        return null;
      },
      async deliverNotification() {
        throw new Error('not expected: no webhook');
      },
      async deliverQueuedNotifications() {
        throw new Error('not expected: no webhook');
      },
      async recordNotificationFailure() {},
    },
    prepared,
  };
}
