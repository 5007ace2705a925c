// What the platform does with the events a device reported, once they are stored, whatever the protocol:
// a light measurement device's reports switch its lights (./light-measurement.ts), and every organisation
// that subscribed to an event, has a webhook, is enabled and still may FIND_EVENTS on the device is notified
// (a Notification row, queued for the organisation's delivery workflow). Both are best effort towards the device: its
// events are stored and answered whatever happens here, and a failure is logged.
import type { Client } from '@temporalio/client';
import type { Logger } from '../../common/logger';
import type { Prisma, PrismaClient } from '../../db/client';
import { groupAllows } from '../authorization/device-functions';
import { deviceEventNotificationId, type NotificationPayload } from '../notifications';
import { notificationQueuedSignal, organisationNotificationsWorkflowId } from '../notification-queue';
import { coreTaskQueue } from '../protocols';
import type { RequestService } from '../requests/start-request';
import type { WorkflowFunction } from '../requests/workflow-types';
import { createLightMeasurementTransitions } from './light-measurement';

export type StoredDeviceEvent = Prisma.DeviceEventGetPayload<object>;

export interface DeviceEventDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Starts the notification workflows (in the client's namespace); without it, nobody is notified. */
  temporal?: Client;
  /** Starts the requests device events lead to (light measurement transitions). */
  requests?: RequestService;
  /** How long a device event notification is retried; default 24 h. */
  notificationRetryPeriodMs?: number;
}

/** Acts on a device's newly stored events; never throws (the device has been answered by then). */
export function createDeviceEventFollowUp(deps: DeviceEventDeps) {
  const { logger } = deps;
  const notifySubscribers = createEventNotifier(deps);
  const startTransitions = createLightMeasurementTransitions(deps);
  return async (device: { id: string; identification: string; deviceType: string }, events: StoredDeviceEvent[]): Promise<void> => {
    if (device.deviceType === 'LMD') {
      await startTransitions(device.id, events).catch((error: unknown) =>
        logger.error('could not start the transitions of a light measurement device', { device: device.identification, error }),
      );
    }
    await notifySubscribers(device.id, events).catch((error: unknown) =>
      logger.error('could not notify subscribers of device events', { device: device.identification, error }),
    );
  };
}

/** 24 h, as the request notifications' default (NOTIFICATION_RETRY_PERIOD_MS). */
const defaultRetryPeriodMs = 24 * 60 * 60 * 1000;

/**
 * A notification's id is derived from the event and the organisation, so a repeat queues it once. A queue
 * that cannot be woken is logged; its rows stay PENDING with the error until the organisation's next notification.
 */
function createEventNotifier({ prisma, logger, temporal, notificationRetryPeriodMs }: DeviceEventDeps) {
  return async (deviceId: string, events: StoredDeviceEvent[]): Promise<void> => {
    if (!temporal || events.length === 0) return;
    const subscriptions = await prisma.eventSubscription.findMany({
      where: { deviceId, organisation: { enabled: true, notificationWebhook: { isNot: null } } },
      select: {
        eventTypes: true,
        organisation: {
          select: {
            id: true,
            identification: true,
            platformFunctionGroup: true,
            authorizations: { where: { deviceId }, select: { functionGroup: true } },
          },
        },
      },
    });
    const notifications: Array<{ row: Prisma.NotificationCreateManyInput & { id: string } }> = [];
    for (const { eventTypes, organisation } of subscriptions) {
      const allowed =
        organisation.platformFunctionGroup === 'ADMIN' ||
        organisation.authorizations.some((a) => groupAllows(a.functionGroup, 'FIND_EVENTS'));
      if (!allowed) continue;
      for (const event of events) {
        if (eventTypes.length > 0 && !eventTypes.includes(event.eventType)) continue;
        const notificationId = deviceEventNotificationId(event.id, organisation.id);
        const payload: NotificationPayload = {
          notificationId,
          notificationType: 'DEVICE_EVENT',
          correlationUid: null,
          deviceIdentification: event.deviceIdentification,
          result: 'OK',
          message: describeEvent(event),
          event: {
            eventId: event.id.toString(),
            eventType: event.eventType,
            index: event.index,
            description: event.description,
            deviceTimestamp: event.deviceTimestamp?.toISOString() ?? null,
            receivedAt: event.receivedAt.toISOString(),
          },
        };
        notifications.push({
          row: {
            id: notificationId,
            organisationId: organisation.id,
            type: 'DEVICE_EVENT',
            deviceEventId: event.id,
            payload: payload as unknown as Prisma.InputJsonValue,
          },
        });
      }
    }
    if (notifications.length === 0) return;
    await prisma.notification.createMany({ data: notifications.map((n) => n.row), skipDuplicates: true });
    // The rows are the queue entries; one signal per organisation wakes (or starts) its delivery workflow,
    // which delivers them in order with the organisation's other notifications.
    const organisations = new Map<string, string[]>();
    for (const { row } of notifications) organisations.set(row.organisationId, [...(organisations.get(row.organisationId) ?? []), row.id]);
    await Promise.all(
      [...organisations].map(async ([organisationId, notificationIds]) => {
        try {
          await temporal.workflow.signalWithStart<WorkflowFunction<'organisationNotificationsWorkflow'>, []>('organisationNotificationsWorkflow', {
            taskQueue: coreTaskQueue,
            workflowId: organisationNotificationsWorkflowId(organisationId),
            args: [{ organisationId, retryPeriodMs: notificationRetryPeriodMs ?? defaultRetryPeriodMs }],
            signal: notificationQueuedSignal,
          });
        } catch (error) {
          // Left PENDING: the organisation's next notification wakes its queue, which delivers these too.
          logger.error('could not queue device event notifications', { organisationId, notificationIds, error });
          await prisma.notification
            .updateMany({ where: { id: { in: notificationIds } }, data: { lastError: `could not be queued: ${(error as Error).message}` } })
            .catch(() => undefined);
        }
      }),
    );
  };
}

function describeEvent(event: StoredDeviceEvent): string {
  const index = event.index === null ? '' : ` (index ${event.index})`;
  const description = event.description ? `: ${event.description}` : '';
  return `${event.eventType}${index} on ${event.deviceIdentification}${description}`;
}
