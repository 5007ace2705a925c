// Notifications to organisations' webhooks, as the platform defines them: the JSON body a webhook receives,
// the ids that make each notification unique (so a repeated start notifies once), and the signature.
//
// What a webhook receives: a POST with a JSON body (`NotificationPayload`) and two headers,
//   X-OSGP-Timestamp: <unix seconds of this attempt>
//   X-OSGP-Signature: sha256=<hex HMAC-SHA256, keyed with the webhook secret, of `${timestamp}.${body}`>
// The receiver recomputes the HMAC over the raw body, compares in constant time and refuses old timestamps
// (replays). The body is the same on every attempt; `notificationId` lets a receiver drop a repeat.
// Delivery is the core activities' (activities/notifications.ts), retried by the workflows.
import { createHmac } from 'node:crypto';
import type { FinalRequestState } from './requests/records';

/** REQUEST_PAUSED: a long request (a firmware rollout) paused itself and waits for the caller. */
export type NotificationType = 'REQUEST_FINISHED' | 'DEVICE_EVENT' | 'REQUEST_PAUSED';

export interface DeviceEventDetails {
  eventId: string;
  eventType: string;
  index: number | null;
  description: string | null;
  deviceTimestamp: string | null;
  receivedAt: string;
}

/** The JSON body a webhook receives. */
export interface NotificationPayload {
  notificationId: string;
  notificationType: NotificationType;
  /** The request's correlation uid; null for device events. */
  correlationUid: string | null;
  /** Device events: the device that reported it. */
  deviceIdentification?: string;
  /** Finished requests: how many devices the request addressed. */
  deviceCount?: number;
  /** Finished requests: OK, NOT_OK or CANCELLED. Device events: OK (the event was received and verified). */
  result: string;
  message: string;
  event?: DeviceEventDetails;
}

export interface RequestFinishedInput {
  correlationUid: string;
  state: FinalRequestState;
  total: number;
  ok: number;
  failed: number;
}

export interface NotificationOutcome {
  notificationId: string;
  state: 'DELIVERED' | 'FAILED';
}

export const permanentNotificationFailureTypes = ['NOTIFICATION_UNKNOWN', 'NO_WEBHOOK'] as const;

export const requestNotificationId = (correlationUid: string): string => `request-finished:${correlationUid}`;
export const deviceEventNotificationId = (eventId: string | bigint, organisationId: string): string =>
  `device-event:${eventId}:${organisationId}`;

export const signatureHeader = 'X-OSGP-Signature';
export const timestampHeader = 'X-OSGP-Timestamp';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function notificationSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
