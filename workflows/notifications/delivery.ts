// Delivering a notification to an organisation's webhook: one deliverNotification activity, retried with
// backoff (1 s, doubling, at most 10 minutes apart) until the retry period has passed. The activity records
// each attempt; when the period runs out the notification is marked FAILED. Never throws for a delivery
// that did not succeed: a notification must not fail the request (or event) it announces.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import { coreTaskQueue } from '../../core/protocols';
import type { NotificationActivities } from '../../activities/notifications';
import type { NotificationOutcome } from '../../core/notifications';

/** Used when a workflow started before the retry period became an option replays. */
export const defaultNotificationRetryPeriodMs = 24 * 60 * 60 * 1000;

/** One POST, database writes included; the HTTP timeout of the activity itself is shorter. */
const attemptTimeoutMs = 30_000;

export const notificationBookkeeping = proxyActivities<
  Pick<NotificationActivities, 'prepareRequestNotification' | 'recordNotificationFailure' | 'queueRequestNotification'>
>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '10 seconds',
  // Database writes: keep trying rather than lose the outcome.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function deliverWithRetries(notificationId: string, retryPeriodMs: number): Promise<NotificationOutcome> {
  const { deliverNotification } = proxyActivities<Pick<NotificationActivities, 'deliverNotification'>>({
    taskQueue: coreTaskQueue,
    scheduleToCloseTimeout: retryPeriodMs,
    startToCloseTimeout: Math.min(attemptTimeoutMs, retryPeriodMs),
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      // No attempt limit: the retry period bounds the retries.
      nonRetryableErrorTypes: ['NOTIFICATION_UNKNOWN', 'NO_WEBHOOK'],
    },
  });
  try {
    await deliverNotification({ notificationId });
    return { notificationId, state: 'DELIVERED' };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await notificationBookkeeping.recordNotificationFailure({ notificationId, error: error.cause?.message ?? error.message });
    return { notificationId, state: 'FAILED' };
  }
}
