// One delivery workflow per organisation (id `notifications-<organisation id>`), draining its queue of
// finished-request notifications (PENDING Notification rows, oldest first) so that request workflows end
// when their devices are done. A webhook that fails blocks the queue behind its oldest notification and is
// tried again with backoff (1 s, doubling, at most 10 minutes apart): a dead webhook costs a row per
// notification and one attempt per round, not an open workflow per request. Notifications older than the
// retry period are marked FAILED. The workflow ends when the queue is empty and nothing new was signalled;
// the next notification starts it again (signal-with-start).
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { coreTaskQueue } from '../../core/protocols';
import type { NotificationActivities } from '../../activities/notifications';
import { notificationQueuedSignal } from '../../core/notification-queue';

export interface OrganisationNotificationsInput {
  organisationId: string;
  retryPeriodMs: number;
  /** Failed rounds in a row, carried across continue-as-new so the backoff goes on where it was. */
  failures?: number;
}

export const notificationQueued = defineSignal(notificationQueuedSignal);

const { deliverQueuedNotifications } = proxyActivities<Pick<NotificationActivities, 'deliverQueuedNotifications'>>({
  taskQueue: coreTaskQueue,
  // A round POSTs up to 50 notifications one by one (10 s each at most); heartbeats show it is alive.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const backoffMs = (failures: number): number => Math.min(1_000 * 2 ** (failures - 1), 10 * 60_000);

/**
 * Each signal adds events while the webhook is down, so the history may grow during a backoff: the workflow
 * continues as new when Temporal suggests it or at this length, whichever comes first.
 */
const maxHistoryLength = 10_000;
const historyTooLong = (): boolean => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryLength;

/** Rounds per run before continuing as new, so the history stays small however long a webhook is down. */
const roundsPerRun = 200;

export async function organisationNotificationsWorkflow(input: OrganisationNotificationsInput): Promise<void> {
  let signalled = 0;
  setHandler(notificationQueued, () => void (signalled += 1));
  let failures = input.failures ?? 0;
  for (let round = 0; round < roundsPerRun && !historyTooLong(); round++) {
    const signalledBefore = signalled;
    const { blockedBy, remaining } = await deliverQueuedNotifications({ organisationId: input.organisationId, retryPeriodMs: input.retryPeriodMs });
    if (blockedBy !== null) {
      failures += 1;
      // The backoff, cut short only to continue as new when signals made the history long.
      await condition(historyTooLong, backoffMs(failures));
      continue;
    }
    failures = 0;
    // Empty, and nothing queued while the round ran: done (a later notification starts the workflow again).
    if (!remaining && signalled === signalledBefore) return;
  }
  // The queue is in the database, so nothing is lost across the new run.
  await continueAsNew<typeof organisationNotificationsWorkflow>({ ...input, failures });
}
