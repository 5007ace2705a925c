// A rollout that paused itself tells its organisation: a notification in the organisation's queue (the same
// queue and delivery workflow as finished requests), when the organisation has a webhook.
import type { Prisma, PrismaClient } from '../../db/client';
import type { NotificationPayload } from '../notifications';

export interface RolloutPaused {
  correlationUid: string;
  wave: number;
  reason: string;
  ok: number;
  failed: number;
  total: number;
  /** How long the notification is retried. */
  retryPeriodMs: number;
}

export const rolloutPausedNotificationId = (correlationUid: string, wave: number): string => `rollout-paused:${correlationUid}:${wave}`;

/** Queues the notification (once per wave that paused); returns the organisation to wake, or null when nobody listens. */
export async function queueRolloutPausedNotification(prisma: PrismaClient, paused: RolloutPaused): Promise<{ organisationId: string } | null> {
  const record = await prisma.requestRecord.findUnique({
    where: { correlationUid: paused.correlationUid },
    select: { deviceCount: true, organisation: { select: { id: true, enabled: true, notificationWebhook: { select: { organisationId: true } } } } },
  });
  if (!record?.organisation.notificationWebhook || !record.organisation.enabled) return null;
  const notificationId = rolloutPausedNotificationId(paused.correlationUid, paused.wave);
  const payload: NotificationPayload = {
    notificationId,
    notificationType: 'REQUEST_PAUSED',
    correlationUid: paused.correlationUid,
    deviceCount: record.deviceCount,
    result: 'PAUSED',
    message: `core.startFirmwareRollout paused: ${paused.reason}`,
  };
  await prisma.notification.createMany({
    data: [
      {
        id: notificationId,
        correlationUid: paused.correlationUid,
        organisationId: record.organisation.id,
        type: 'REQUEST_PAUSED',
        payload: payload as unknown as Prisma.InputJsonValue,
      },
    ],
    skipDuplicates: true,
  });
  return { organisationId: record.organisation.id };
}
