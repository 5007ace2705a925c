import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../db/client';
import { coreEventsContract, type DeviceEventView } from '../contracts/core-events';
import { requireEnabled } from '../../core/organisations';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';
import { decodeTimedCursor, encodeCursor, invalidCursor } from '../cursors';

const s = initServer();

type EventRow = Prisma.DeviceEventGetPayload<object>;

function toEventView(event: EventRow): DeviceEventView {
  return {
    eventId: event.id.toString(),
    deviceIdentification: event.deviceIdentification,
    eventType: event.eventType,
    index: event.index,
    description: event.description,
    deviceTimestamp: event.deviceTimestamp?.toISOString() ?? null,
    receivedAt: event.receivedAt.toISOString(),
  };
}

/** Keyset cursor over (receivedAt, id), newest first: stable while new events arrive. */
const eventsListing = 'events';

function decodeEventCursor(text: string): { receivedAt: Date; id: bigint } {
  const { at, key } = decodeTimedCursor(eventsListing, text);
  if (!/^\d{1,19}$/.test(key)) throw invalidCursor();
  return { receivedAt: at, id: BigInt(key) };
}

export function coreEventsHandlers({ prisma, logger }: ApiDeps) {
  return s.router(coreEventsContract, {
    findEvents: async ({ query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      if (query.deviceIdentification) {
        await authorizeDevices(prisma, caller, [query.deviceIdentification], 'FIND_EVENTS', { operational: false });
      } else if (caller.platformFunctionGroup !== 'ADMIN') {
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          'query.deviceIdentification: required for organisations that are not ADMIN',
          'query.deviceIdentification',
        );
      }
      const cursor = query.after ? decodeEventCursor(query.after) : undefined;
      const where: Prisma.DeviceEventWhereInput = {
        ...(query.deviceIdentification ? { deviceIdentification: query.deviceIdentification } : {}),
        ...(query.eventType ? { eventType: query.eventType } : {}),
        ...(query.from || query.to
          ? { receivedAt: { ...(query.from ? { gte: new Date(query.from) } : {}), ...(query.to ? { lt: new Date(query.to) } : {}) } }
          : {}),
        ...(cursor
          ? {
              OR: [
                { receivedAt: { lt: cursor.receivedAt } },
                { receivedAt: cursor.receivedAt, id: { lt: cursor.id } },
              ],
            }
          : {}),
      };
      const page = await prisma.deviceEvent.findMany({
        where,
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      const events = page.slice(0, query.limit);
      const hasMore = page.length > query.limit;
      return {
        status: 200,
        body: { events: events.map(toEventView), nextCursor: hasMore ? encodeCursor(eventsListing, String(events[events.length - 1].id), events[events.length - 1].receivedAt) : null },
      };
    },

    setNotificationWebhook: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const webhook = await prisma.notificationWebhook.upsert({
        where: { organisationId: caller.id },
        create: { organisationId: caller.id, url: body.url, secret: body.secret },
        update: { url: body.url, secret: body.secret },
      });
      // The URL's host only: the secret, and any token in the URL, stay out of the log.
      logger.info('notification webhook set', { organisation: caller.identification, host: new URL(body.url).host });
      return { status: 200, body: toWebhookView(webhook) };
    },

    getNotificationWebhook: async ({ res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const webhook = await prisma.notificationWebhook.findUnique({ where: { organisationId: caller.id } });
      if (!webhook) throw webhookNotFound(caller.identification);
      return { status: 200, body: toWebhookView(webhook) };
    },

    deleteNotificationWebhook: async ({ res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const deleted = await prisma.notificationWebhook.deleteMany({ where: { organisationId: caller.id } });
      if (deleted.count === 0) throw webhookNotFound(caller.identification);
      logger.info('notification webhook removed', { organisation: caller.identification });
      return { status: 204, body: undefined };
    },

    subscribeToDeviceEvents: async ({ params, body, res }) => {
      const caller = callerOf(res);
      await authorizeDevices(prisma, caller, [params.deviceIdentification], 'FIND_EVENTS', { operational: false });
      const device = await prisma.device.findUniqueOrThrow({ where: { identification: params.deviceIdentification } });
      const eventTypes = body.eventTypes ?? [];
      const subscription = await prisma.eventSubscription.upsert({
        where: { organisationId_deviceId: { organisationId: caller.id, deviceId: device.id } },
        create: { organisationId: caller.id, deviceId: device.id, eventTypes },
        update: { eventTypes },
      });
      return {
        status: 200,
        body: {
          deviceIdentification: device.identification,
          eventTypes: subscription.eventTypes.length > 0 ? subscription.eventTypes : null,
          createdAt: subscription.createdAt.toISOString(),
          updatedAt: subscription.updatedAt.toISOString(),
        },
      };
    },

    // Removing one's own subscription needs no right on the device (one that was revoked still leaves a
    // subscription to clean up); an unknown device and a missing subscription answer the same 404.
    unsubscribeFromDeviceEvents: async ({ params, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const deleted = await prisma.eventSubscription.deleteMany({
        where: { organisationId: caller.id, device: { identification: params.deviceIdentification } },
      });
      if (deleted.count === 0) {
        throw new ApiError(
          404,
          'SUBSCRIPTION_NOT_FOUND',
          `Organisation ${caller.identification} has no event subscription on device ${params.deviceIdentification}`,
        );
      }
      return { status: 204, body: undefined };
    },
  });
}

function toWebhookView(webhook: { url: string; createdAt: Date; updatedAt: Date }) {
  return { url: webhook.url, createdAt: webhook.createdAt.toISOString(), updatedAt: webhook.updatedAt.toISOString() };
}

function webhookNotFound(organisation: string): ApiError {
  return new ApiError(404, 'NOTIFICATION_WEBHOOK_NOT_FOUND', `Organisation ${organisation} has no notification webhook`);
}
