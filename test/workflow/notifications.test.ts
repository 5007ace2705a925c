/**
 * Webhook notifications on the time-skipping test server: a finished request queues its notification once
 * its record is closed and ends; the organisation's delivery workflow drains the queue, and a webhook that
 * fails is retried with backoff (1 s, doubling, at most 10 minutes apart) until it takes the notification or
 * the retry period ends, and then the notification is FAILED while the request still ended OK. Device event
 * notifications are the same delivery in a workflow of their own.
 * The core activities are in-memory stand-ins; test/integration/events-notifications.test.ts has the real ones.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords } from '../support/workflow-fakes';
import type { DeviceCommandOutcome } from '../../common/device-commands';
import type { NotificationActivities } from '../../activities/notifications';
import { notificationQueuedSignal, organisationNotificationsWorkflowId } from '../../core/notification-queue';
import type { NotificationOutcome, RequestFinishedInput } from '../../core/notifications';
import type { RequestActivities } from '../../activities/requests';
import type { RequestSummary } from '../../workflows/common/device-request';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(workflowsPath);

interface FakeNotification {
  state: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  createdAtMs?: number;
  lastError: string | null;
  /** The test server's (skipped) time at each attempt. */
  attemptTimes: number[];
}

/** The webhook's answer to attempt n (1-based): true takes it, a string is the error it fails with. */
type Webhook = (attempt: number) => true | string;

/** The organisation every fake request belongs to. */
const organisationId = 'org-1';

function fakeCore(webhook: Webhook | null) {
  const notifications = new Map<string, FakeNotification>();
  const prepared: RequestFinishedInput[] = [];
  const records = fakeRequestRecords();
  async function prepare(input: RequestFinishedInput): Promise<string | null> {
    prepared.push(input);
    if (!webhook) return null;
    const id = `request-finished:${input.correlationUid}`;
    const createdAtMs = await suite.env.currentTimeMs();
    if (!notifications.has(id)) notifications.set(id, { state: 'PENDING', attempts: 0, lastError: null, attemptTimes: [], createdAtMs });
    return id;
  }
  // The notification activities with a webhook that answers as the test says.
  const notificationActivities: NotificationActivities = {
    prepareRequestNotification: prepare,
    async queueRequestNotification({ retryPeriodMs, ...input }) {
      const id = await prepare(input);
      if (id) {
        await Context.current().client.workflow.signalWithStart('organisationNotificationsWorkflow', {
          taskQueue: 'core',
          workflowId: organisationNotificationsWorkflowId(organisationId),
          args: [{ organisationId, retryPeriodMs }],
          signal: notificationQueuedSignal,
        });
      }
      return id;
    },
    async deliverQueuedNotifications({ retryPeriodMs }) {
      const nowMs = await suite.env.currentTimeMs();
      const queue = [...notifications.values()].filter((n) => n.createdAtMs !== undefined && n.state === 'PENDING');
      for (const notification of queue) if (notification.createdAtMs! < nowMs - retryPeriodMs) notification.state = 'FAILED';
      let delivered = 0;
      for (const notification of queue.filter((n) => n.state === 'PENDING')) {
        notification.attempts += 1;
        notification.attemptTimes.push(nowMs);
        const answer = webhook ? webhook(notification.attempts) : 'no webhook';
        if (answer !== true) {
          notification.lastError = answer;
          return { delivered, blockedBy: answer, remaining: true };
        }
        notification.state = 'DELIVERED';
        notification.lastError = null;
        delivered += 1;
      }
      return { delivered, blockedBy: null, remaining: false };
    },
    async deliverNotification({ notificationId }) {
      const info = Context.current().info;
      const notification = notifications.get(notificationId);
      if (!notification) throw ApplicationFailure.nonRetryable('unknown', 'NOTIFICATION_UNKNOWN');
      notification.attempts = info.attempt;
      notification.attemptTimes.push(await suite.env.currentTimeMs());
      if (!webhook) {
        notification.lastError = 'no webhook';
        throw ApplicationFailure.nonRetryable('no webhook', 'NO_WEBHOOK');
      }
      const answer = webhook(info.attempt);
      if (answer === true) {
        notification.state = 'DELIVERED';
        notification.lastError = null;
        return;
      }
      notification.lastError = answer;
      throw ApplicationFailure.retryable(answer, 'WEBHOOK_DELIVERY_FAILED');
    },
    async recordNotificationFailure({ notificationId, error }) {
      const notification = notifications.get(notificationId);
      if (!notification) return;
      notification.state = 'FAILED';
      notification.lastError ??= error;
    },
  };
  const activities: RequestActivities & NotificationActivities = { ...records.activities, ...notificationActivities };
  return { activities, notifications, prepared, completed: () => records.completed };
}

async function withWorkers<T>(core: RequestActivities & NotificationActivities, run: () => Promise<T>): Promise<T> {
  const adapter = {
    async executeDeviceCommand(): Promise<DeviceCommandOutcome> {
      return { response: { kind: 'setLight' }, attempt: Context.current().info.attempt };
    },
  };
  return suite.runPlatformWorkers({ core, adapter: { taskQueue: 'adapter-oslp', activities: adapter } }, run);
}

async function setLight(options: Partial<DeviceRequestOptions>): Promise<RequestSummary> {
  return suite.env.client.workflow.execute('setLightWorkflow', {
    taskQueue: 'core',
    workflowId: `test-${randomUUID()}`,
    args: [
      {
        devices: [{ deviceIdentification: 'LAMP-1', protocol: 'OSLP' }],
        options: { attemptTimeoutMs: 30_000, maxAttempts: 3, maxConcurrency: 10, ...options },
        lightValues: [{ index: 0, on: true }],
      },
    ],
  });
}

/**
 * A request, which ends as soon as its notification is queued (no delivery attempt has been made then),
 * and then its organisation's delivery workflow until the queue is empty.
 */
async function setLightThenDrain(options: Partial<DeviceRequestOptions>): Promise<RequestSummary> {
  const summary = await setLight(options);
  await suite.env.client.workflow.getHandle(organisationNotificationsWorkflowId(organisationId)).result();
  return summary;
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => Math.round((t - times[i]) / 1000));

test('a finished request is announced after its record is closed; a webhook failing twice takes it on the third attempt', async () => {
  const core = fakeCore((attempt) => (attempt <= 2 ? 'HTTP 500' : true));
  const summary = await withWorkers(core.activities, () => setLightThenDrain({ notificationRetryPeriodMs: 60_000 }));
  expect(summary).toMatchObject({ state: 'OK', total: 1, ok: 1 });
  expect(core.completed()).toBe('OK');
  expect(core.prepared).toEqual([{ correlationUid: summary.correlationUid, state: 'OK', total: 1, ok: 1, failed: 0 }]);
  const notification = core.notifications.get(`request-finished:${summary.correlationUid}`)!;
  expect(notification).toMatchObject({ state: 'DELIVERED', attempts: 3, lastError: null });
  expect(gaps(notification.attemptTimes)).toEqual([1, 2]);
});

test('a webhook that never takes it is retried with backoff capped at 10 minutes until the retry period ends; the request stays OK', async () => {
  const core = fakeCore(() => 'HTTP 503');
  const summary = await withWorkers(core.activities, () => setLightThenDrain({ notificationRetryPeriodMs: 60 * 60 * 1000 }));
  expect(summary.state).toBe('OK');
  const notification = core.notifications.get(`request-finished:${summary.correlationUid}`)!;
  expect(notification.state).toBe('FAILED');
  expect(notification.lastError).toBe('HTTP 503');
  // 1, 2, 4 … 512 s apart, then every 10 minutes, while the next attempt still starts within the hour.
  expect(gaps(notification.attemptTimes)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600, 600]);
  expect(notification.attempts).toBe(15);
});

test('without a webhook nothing is delivered', async () => {
  const core = fakeCore(null);
  const summary = await withWorkers(core.activities, () => setLight({}));
  expect(summary.state).toBe('OK');
  expect(core.prepared).toHaveLength(1);
  expect(core.notifications.size).toBe(0);
});

test('deviceEventNotificationWorkflow delivers a stored event notification, and ends FAILED (not failing) without a webhook', async () => {
  const delivering = fakeCore((attempt) => (attempt === 1 ? 'no answer within 10000 ms' : true));
  delivering.notifications.set('device-event:1:org', { state: 'PENDING', attempts: 0, lastError: null, attemptTimes: [] });
  const outcome = await withWorkers(delivering.activities, () =>
    suite.env.client.workflow.execute('deviceEventNotificationWorkflow', {
      taskQueue: 'core',
      workflowId: `device-event-1-org-${randomUUID()}`,
      args: [{ notificationId: 'device-event:1:org', retryPeriodMs: 60_000 }],
    }),
  );
  expect(outcome).toEqual<NotificationOutcome>({ notificationId: 'device-event:1:org', state: 'DELIVERED' });
  expect(delivering.notifications.get('device-event:1:org')).toMatchObject({ state: 'DELIVERED', attempts: 2 });

  const noWebhook = fakeCore(null);
  noWebhook.notifications.set('device-event:2:org', { state: 'PENDING', attempts: 0, lastError: null, attemptTimes: [] });
  const failed = await withWorkers(noWebhook.activities, () =>
    suite.env.client.workflow.execute('deviceEventNotificationWorkflow', {
      taskQueue: 'core',
      workflowId: `device-event-2-org-${randomUUID()}`,
      args: [{ notificationId: 'device-event:2:org' }],
    }),
  );
  expect(failed).toEqual<NotificationOutcome>({ notificationId: 'device-event:2:org', state: 'FAILED' });
  // NO_WEBHOOK is permanent: one attempt, not a day of retries.
  expect(noWebhook.notifications.get('device-event:2:org')).toMatchObject({ state: 'FAILED', attempts: 1, lastError: 'no webhook' });
});
