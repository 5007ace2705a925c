// Announces one stored device event to one subscribed organisation. Started by the OSLP listener with a
// workflow id derived from the event and the organisation, so a repeated start notifies once.
import { deliverWithRetries, defaultNotificationRetryPeriodMs } from './delivery';
import type { NotificationOutcome } from '../../core/notifications';

export interface DeviceEventNotificationInput {
  /** The Notification row the listener created (payload, organisation). */
  notificationId: string;
  retryPeriodMs?: number;
}

export async function deviceEventNotificationWorkflow(input: DeviceEventNotificationInput): Promise<NotificationOutcome> {
  return deliverWithRetries(input.notificationId, input.retryPeriodMs ?? defaultNotificationRetryPeriodMs);
}
