// Core, events: device events (OSLP EventNotification), subscriptions to them, and the webhook that receives
// an organisation's notifications (finished requests and subscribed device events). Part of the `core` domain.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { fetchRefusesPort } from '../../common/fetch-ports';
import { errorResponse, identification, isoDateTime, standardErrors, text } from './common';

const c = initContract();

/** OSLP's event names, as devices report them (test/unit/api/contract-agreements.test.ts keeps the list complete). */
export const deviceEventTypes = [
  'DIAG_EVENTS_GENERAL',
  'DIAG_EVENTS_UNKNOWN_MESSAGE_TYPE',
  'HARDWARE_FAILURE_RELAY',
  'HARDWARE_FAILURE_FLASH_WRITE_ERROR',
  'HARDWARE_FAILURE_FLASH_MEMORY_CORRUPT',
  'HARDWARE_FAILURE_RTC_NOT_SET',
  'LIGHT_EVENTS_LIGHT_ON',
  'LIGHT_EVENTS_LIGHT_OFF',
  'LIGHT_FAILURE_DALI_COMMUNICATION',
  'LIGHT_FAILURE_BALLAST',
  'LIGHT_FAILURE_TARIFF_SWITCH_ATTEMPT',
  'TARIFF_EVENTS_TARIFF_ON',
  'TARIFF_EVENTS_TARIFF_OFF',
  'MONITOR_EVENTS_LONG_BUFFER_FULL',
  'MONITOR_FAILURE_P1_COMMUNICATION',
  'MONITOR_SHORT_DETECTED',
  'MONITOR_SHORT_RESOLVED',
  'MONITOR_DOOR_OPENED',
  'MONITOR_DOOR_CLOSED',
  'MONITOR_EVENTS_TEST_RELAY_ON',
  'MONITOR_EVENTS_TEST_RELAY_OFF',
  'MONITOR_EVENTS_LOSS_OF_POWER',
  'MONITOR_EVENTS_LOCAL_MODE',
  'MONITOR_EVENTS_REMOTE_MODE',
  'FIRMWARE_EVENTS_ACTIVATING',
  'FIRMWARE_EVENTS_DOWNLOAD_NOTFOUND',
  'FIRMWARE_EVENTS_DOWNLOAD_FAILED',
  'FIRMWARE_EVENTS_CONFIGURATION_CHANGED',
  'COMM_EVENTS_ALTERNATIVE_CHANNEL',
  'COMM_EVENTS_RECOVERED_CHANNEL',
  'SECURITY_EVENTS_OUT_OF_SEQUENCE',
  'SECURITY_EVENTS_OSLP_VERIFICATION_FAILED',
  'SECURITY_EVENTS_INVALID_CERTIFICATE',
] as const;

/** Events the platform itself records for a device: status monitoring's communication state changes. */
export const platformEventTypes = ['COMMUNICATION_LOST', 'COMMUNICATION_RESTORED'] as const;

export const deviceEventType = z.enum([...deviceEventTypes, ...platformEventTypes]);

export const deviceEvent = z.object({
  eventId: z.string().describe('Increases in the order the platform stored the events'),
  deviceIdentification: z.string(),
  eventType: z.string().describe('The OSLP event name, or COMMUNICATION_LOST / COMMUNICATION_RESTORED (status monitoring)'),
  index: z.number().int().nullable().describe('The light or relay the event is about, when the device said'),
  description: z.string().nullable(),
  deviceTimestamp: z.string().nullable().describe("The device's clock (UTC) when the event happened, if it sent a valid one"),
  receivedAt: z.string().describe('When the platform received the event; the time range filters and sorts on it'),
});
export type DeviceEventView = z.infer<typeof deviceEvent>;


export const notificationWebhook = z.object({
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const eventSubscription = z.object({
  deviceIdentification: z.string(),
  eventTypes: z.array(z.string()).nullable().describe('null: every event type'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const devicePath = z.object({ deviceIdentification: identification });

export const coreEventsContract = c.router({
  findEvents: {
    method: 'GET',
    path: '/v1/core/events',
    summary: 'Events devices reported, newest first (paged). USER organisations name a device they may FIND_EVENTS on',
    query: z
      .object({
        deviceIdentification: identification
          .optional()
          .describe('Required for USER organisations (FIND_EVENTS on the device); ADMIN organisations may list all devices'),
        eventType: deviceEventType.optional(),
        from: isoDateTime.optional().describe('Received at or after (inclusive)'),
        to: isoDateTime.optional().describe('Received before (exclusive)'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        after: text.max(200).optional().describe('nextCursor of the previous page'),
      })
      .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
        message: 'must not be after `to`',
        path: ['from'],
      }),
    responses: {
      200: z.object({
        events: z.array(deviceEvent),
        nextCursor: z.string().nullable().describe('Pass as `after` (with the same filters) for the next page'),
      }),
      404: errorResponse,
      ...standardErrors,
    },
  },
  setNotificationWebhook: {
    method: 'PUT',
    path: '/v1/core/notification-webhook',
    summary: "Set (or replace) the URL the calling organisation's notifications are POSTed to, and their signing secret",
    description:
      'Each notification is a POST with a JSON body {notificationId, notificationType (REQUEST_FINISHED | DEVICE_EVENT), ' +
      'correlationUid, deviceIdentification (events) or deviceCount (requests), result, message, event?}. ' +
      'Header X-OSGP-Timestamp carries the unix time of the attempt (seconds) and X-OSGP-Signature ' +
      '`sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", keyed with the secret>`. Any 2xx answer is a delivery; ' +
      'anything else, or no answer within 10 s, is retried with backoff for the configured retry period.',
    body: z.object({
      url: text
        .max(2000)
        .url()
        .refine((value) => /^https?:\/\//i.test(value), { message: 'must be an http or https URL' })
        .refine((value) => !fetchRefusesPort(value), {
          message: 'names a port the platform\'s HTTP client always refuses (the Fetch standard\'s blocked ports, e.g. 25 or 6000)',
        }),
      secret: text.min(16).max(256).describe('Signs every notification (HMAC-SHA256); never shown again'),
    }),
    responses: { 200: notificationWebhook, ...standardErrors },
  },
  getNotificationWebhook: {
    method: 'GET',
    path: '/v1/core/notification-webhook',
    summary: "The calling organisation's notification webhook (its URL; the secret is never shown)",
    responses: { 200: notificationWebhook, 404: errorResponse, ...standardErrors },
  },
  deleteNotificationWebhook: {
    method: 'DELETE',
    path: '/v1/core/notification-webhook',
    summary: 'Stop notifications: remove the webhook (notifications still being retried end FAILED)',
    responses: { 204: c.noBody(), 404: errorResponse, ...standardErrors },
  },
  subscribeToDeviceEvents: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification/event-subscription',
    summary: "Receive a device's events (all, or the types named) at the organisation's webhook; needs FIND_EVENTS",
    pathParams: devicePath,
    body: z.object({
      eventTypes: z
        .array(deviceEventType)
        .min(1)
        .max(deviceEventTypes.length + platformEventTypes.length)
        .refine((types) => new Set(types).size === types.length, { message: 'lists an event type twice' })
        .optional()
        .describe('Leave out for every event type'),
    }),
    responses: { 200: eventSubscription, 404: errorResponse, ...standardErrors },
  },
  unsubscribeFromDeviceEvents: {
    method: 'DELETE',
    path: '/v1/core/devices/:deviceIdentification/event-subscription',
    summary: "Stop receiving a device's events",
    pathParams: devicePath,
    responses: { 204: c.noBody(), 404: errorResponse, ...standardErrors },
  },
});
