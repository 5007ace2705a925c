// Core activities that notify organisations through their webhook: a finished request, or a device event
// they subscribed to. Each notification is a row (state, attempts, last error) created before the first
// delivery attempt; `deliverNotification` makes one attempt per activity attempt, and the workflow's retry
// policy (backoff, retry period) decides when to try again and when to give up. What a webhook receives is
// core/notifications.ts.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Logger } from '../common/logger';
import type { Prisma, PrismaClient } from '../db/client';
import {
  notificationSignature,
  requestNotificationId,
  signatureHeader,
  timestampHeader,
  type NotificationPayload,
  type RequestFinishedInput,
} from '../core/notifications';
import { notificationQueuedSignal, organisationNotificationsWorkflowId } from '../core/notification-queue';
import { coreTaskQueue } from '../core/protocols';
import { workflowName } from '../core/requests/workflow-types';

export interface NotificationActivities {
  /**
   * Creates the notification of a finished request when its organisation has a webhook (and is enabled);
   * returns its id, or null when there is nobody to notify. Idempotent.
   */
  prepareRequestNotification(input: RequestFinishedInput): Promise<string | null>;
  /** One delivery attempt; throws (retryable) when the webhook did not take it. */
  deliverNotification(input: { notificationId: string }): Promise<void>;
  /** Marks a notification FAILED after its retries ran out; keeps the last attempt's error. */
  recordNotificationFailure(input: { notificationId: string; error: string }): Promise<void>;
  /**
   * Creates the notification of a finished request, as prepareRequestNotification does, and puts it in its
   * organisation's delivery queue: the request's workflow ends now, and the organisation's delivery workflow
   * (started with the signal if it is not running) delivers it. Returns its id, or null (nobody to notify).
   */
  queueRequestNotification(input: RequestFinishedInput & { retryPeriodMs: number }): Promise<string | null>;
  /**
   * One round of an organisation's queue, oldest first: notifications older than the retry period become
   * FAILED, then up to `limit` are delivered one by one until one is not taken (the webhook is down: the
   * rest wait behind it, so a dead webhook costs one attempt per round, not one per notification).
   */
  deliverQueuedNotifications(input: { organisationId: string; retryPeriodMs: number; limit?: number }): Promise<QueueRound>;
}

export interface QueueRound {
  delivered: number;
  /** The error of the notification that was not taken; null when the round met no failure. */
  blockedBy: string | null;
  /** More notifications are waiting than the round took. */
  remaining: boolean;
}


/** Failure types of deliverNotification that retrying cannot fix. */
export interface NotificationActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Upper bound of one POST, answer included. Default 10 s. */
  httpTimeoutMs?: number;
  now?: () => Date;
}

export function createNotificationActivities({
  prisma,
  logger,
  httpTimeoutMs = 10_000,
  now = () => new Date(),
}: NotificationActivityDeps): NotificationActivities {
  async function prepareRequestNotification({ correlationUid, state, total, ok }: RequestFinishedInput): Promise<{ id: string; organisationId: string } | null> {
    const record = await prisma.requestRecord.findUnique({
      where: { correlationUid },
      select: {
        domain: true,
        operation: true,
        deviceCount: true,
        organisation: { select: { id: true, enabled: true, notificationWebhook: { select: { organisationId: true } } } },
      },
    });
    if (!record?.organisation.notificationWebhook || !record.organisation.enabled) return null;
    const notificationId = requestNotificationId(correlationUid);
    const payload: NotificationPayload = {
      notificationId,
      notificationType: 'REQUEST_FINISHED',
      correlationUid,
      deviceCount: record.deviceCount,
      result: state,
      message: `${record.domain}.${record.operation} finished ${state}: ${ok} of ${total} device(s) OK`,
    };
    await prisma.notification.createMany({
      data: [
        {
          id: notificationId,
          correlationUid,
          organisationId: record.organisation.id,
          type: 'REQUEST_FINISHED',
          payload: payload as unknown as Prisma.InputJsonValue,
        },
      ],
      skipDuplicates: true,
    });
    return { id: notificationId, organisationId: record.organisation.id };
  }

  /** One POST of a stored notification; null when the webhook took it, else why not. Records the attempt. */
  async function attemptDelivery(notificationId: string, attempt: number | 'next'): Promise<string | null> {
    const attempts = attempt === 'next' ? { increment: 1 } : attempt;
    const notification = await prisma.notification.findUnique({
      where: { id: notificationId },
      select: { state: true, payload: true, organisation: { select: { identification: true, notificationWebhook: true } } },
    });
    if (!notification) {
      throw ApplicationFailure.nonRetryable(`Notification ${notificationId} does not exist`, 'NOTIFICATION_UNKNOWN');
    }
    // An attempt that delivered but died before its activity completed: do not send twice.
    if (notification.state === 'DELIVERED') return null;
    const webhook = notification.organisation.notificationWebhook;
    if (!webhook) {
      const error = `Organisation ${notification.organisation.identification} has no notification webhook (any more)`;
      await prisma.notification.update({ where: { id: notificationId }, data: { attempts, lastError: error } });
      throw ApplicationFailure.nonRetryable(error, 'NO_WEBHOOK');
    }

    const body = JSON.stringify(notification.payload);
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const target = describeUrl(webhook.url);
    let error: string;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'osgp-ts-notifications/1',
          [timestampHeader]: timestamp,
          [signatureHeader]: notificationSignature(webhook.secret, timestamp, body),
        },
        body,
        // A redirect would carry the signed body somewhere the organisation did not register.
        redirect: 'manual',
        signal: AbortSignal.timeout(httpTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await prisma.notification.update({
          where: { id: notificationId },
          data: { state: 'DELIVERED', attempts, lastError: null, deliveredAt: now() },
        });
        logger.info('notification delivered', { notificationId, target });
        return null;
      }
      error = `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`;
    } catch (caught) {
      error = describeFetchError(caught, httpTimeoutMs);
    }
    await prisma.notification.update({ where: { id: notificationId }, data: { attempts, lastError: error } });
    logger.warn('notification not delivered; retrying with backoff', { notificationId, target, error });
    return `Webhook ${target} did not take notification ${notificationId}: ${error}`;
  }

  return {
    async prepareRequestNotification(input) {
      return (await prepareRequestNotification(input))?.id ?? null;
    },

    async queueRequestNotification({ retryPeriodMs, ...input }) {
      const prepared = await prepareRequestNotification(input);
      if (!prepared) return null;
      // The row is the queue entry; the signal only wakes (or starts) the organisation's delivery workflow.
      await Context.current().client.workflow.signalWithStart(workflowName('organisationNotificationsWorkflow'), {
        taskQueue: coreTaskQueue,
        workflowId: organisationNotificationsWorkflowId(prepared.organisationId),
        args: [{ organisationId: prepared.organisationId, retryPeriodMs }],
        signal: notificationQueuedSignal,
      });
      return prepared.id;
    },

    async deliverQueuedNotifications({ organisationId, retryPeriodMs, limit = 50 }) {
      const queue = { organisationId, type: { in: ['REQUEST_FINISHED' as const, 'REQUEST_PAUSED' as const] }, state: 'PENDING' as const };
      // Past the retry period: given up on, the last attempt's error kept.
      await prisma.notification.updateMany({
        where: { ...queue, createdAt: { lt: new Date(now().getTime() - retryPeriodMs) } },
        data: { state: 'FAILED' },
      });
      const waiting = await prisma.notification.findMany({
        where: queue,
        orderBy: { createdAt: 'asc' },
        take: limit + 1,
        select: { id: true },
      });
      let delivered = 0;
      for (const { id } of waiting.slice(0, limit)) {
        const error = await attemptDelivery(id, 'next').catch((caught: unknown) => {
          // No webhook any more: nothing of this queue can be delivered; the retry period ends them.
          if (caught instanceof ApplicationFailure) return caught.message;
          throw caught;
        });
        Context.current().heartbeat(delivered);
        if (error !== null) return { delivered, blockedBy: error, remaining: true };
        delivered += 1;
      }
      return { delivered, blockedBy: null, remaining: waiting.length > limit };
    },

    async deliverNotification({ notificationId }) {
      const attempt = Context.current().info.attempt;
      const error = await attemptDelivery(notificationId, attempt);
      // BENIGN: attemptDelivery logged it already; the SDK would write the same failure again at WARN.
      if (error !== null) {
        throw ApplicationFailure.create({ message: error, type: 'WEBHOOK_DELIVERY_FAILED', category: ApplicationFailureCategory.BENIGN });
      }
    },

    async recordNotificationFailure({ notificationId, error }) {
      const notification = await prisma.notification.findUnique({ where: { id: notificationId }, select: { lastError: true } });
      if (!notification) return;
      await prisma.notification.update({
        where: { id: notificationId },
        data: { state: 'FAILED', lastError: notification.lastError ?? error },
      });
      logger.warn('notification failed', { notificationId, error: notification.lastError ?? error });
    },
  };
}

/** Scheme, host and path for logs and errors: never credentials or the query (either may hold a token). */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const detail =
      cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : cause === undefined ? undefined : String(cause);
    return detail ? `${error.message}: ${detail}` : error.message;
  }
  return String(error);
}
