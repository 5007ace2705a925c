/**
 * The device request fan-out on the time-skipping test server: retries with backoff until a slow device
 * answers, permanent failures end a device as NOT_OK with its reason without retry, exhausted retries are
 * recorded with their attempt count, and the progress query reports the request while it runs.
 * The adapter and core activities here are in-memory stand-ins: this file tests the workflow's logic; the
 * real adapter is proven in test/integration.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords, notificationsWithoutWebhook } from '../support/workflow-fakes';
import type { DeviceCommandOutcome, DeviceCommandRequest } from '../../common/device-commands';
import type { DeviceResultRecord } from '../../core/requests/records';
import type { RequestProgress, RequestSummary } from '../../workflows/common/device-request';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(workflowsPath);

const options: DeviceRequestOptions = { attemptTimeoutMs: 30_000, maxAttempts: 4, maxConcurrency: 10 };

type DeviceBehaviour = (attempt: number) => Promise<DeviceCommandOutcome>;

/** Runs setLightWorkflow with a core queue and an adapter-oslp queue of this test's own. */
async function runSetLight(
  behaviours: Record<string, DeviceBehaviour>,
  during?: (workflowId: string) => Promise<void>,
  requestOptions: Partial<DeviceRequestOptions> = {},
): Promise<{
  summary: RequestSummary;
  results: Map<string, DeviceResultRecord>;
  completed: string | undefined;
  calls: Map<string, number>;
  /** Server time at which each device's latest attempt was scheduled. */
  scheduledAt: Map<string, number>;
}> {
  const suffix = randomUUID();
  const records = fakeRequestRecords();
  const calls = new Map<string, number>();
  const scheduledAt = new Map<string, number>();
  const adapter = {
    async executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      calls.set(request.deviceIdentification, (calls.get(request.deviceIdentification) ?? 0) + 1);
      scheduledAt.set(request.deviceIdentification, Context.current().info.currentAttemptScheduledTimestampMs);
      return behaviours[request.deviceIdentification](Context.current().info.attempt);
    },
  };
  const workflowId = `test-${suffix}`;
  const summary = await suite.runPlatformWorkers(
    {
      core: { ...records.activities, ...notificationsWithoutWebhook().activities },
      adapter: { taskQueue: 'adapter-oslp', activities: adapter },
    },
    async () => {
      const handle = await suite.env.client.workflow.start('setLightWorkflow', {
        taskQueue: 'core',
        workflowId,
        args: [
          {
            devices: Object.keys(behaviours).map((deviceIdentification) => ({ deviceIdentification, protocol: 'OSLP' })),
            options: { ...options, ...requestOptions },
            lightValues: [{ index: 0, on: true }],
          },
        ],
      });
      if (during) await during(workflowId);
      return (await handle.result()) as RequestSummary;
    },
  );
  return { summary, results: records.results, completed: records.completed, calls, scheduledAt };
}

const answers = (attempt: number): DeviceCommandOutcome => ({ response: { kind: 'setLight' }, attempt });
const transient = (attempt: number) =>
  ApplicationFailure.create({ type: 'CONNECT_FAILED', message: 'connection refused', details: [{ attempt }] });

test('a slow device is retried with backoff until it answers, and its result counts the attempts', async () => {
  const { summary, results, completed } = await runSetLight({
    'SLOW-1': async (attempt) => {
      if (attempt < 3) throw transient(attempt);
      return answers(attempt);
    },
    'FAST-1': async (attempt) => answers(attempt),
  });
  expect(summary).toMatchObject({ state: 'OK', total: 2, done: 2, ok: 2, failed: 0 });
  expect(completed).toBe('OK');
  expect(results.get('SLOW-1')).toMatchObject({ result: 'OK', attempts: 3 });
  expect(results.get('FAST-1')).toMatchObject({ result: 'OK', attempts: 1 });
});

test('a permanent failure ends the device NOT_OK with its reason, without retry, and the others still succeed', async () => {
  const { summary, results, calls, completed } = await runSetLight({
    'REJECTS-1': async (attempt) => {
      throw ApplicationFailure.create({
        type: 'DEVICE_REJECTED',
        message: 'Device REJECTS-1 rejected the setLight command',
        nonRetryable: true,
        details: [{ attempt }],
      });
    },
    'OK-1': async (attempt) => answers(attempt),
  });
  expect(summary).toMatchObject({ state: 'NOT_OK', total: 2, ok: 1, failed: 1 });
  expect(completed).toBe('NOT_OK');
  expect(calls.get('REJECTS-1')).toBe(1);
  expect(results.get('REJECTS-1')).toMatchObject({
    result: 'NOT_OK',
    attempts: 1,
    errorCode: 'DEVICE_REJECTED',
    message: 'Device REJECTS-1 rejected the setLight command',
  });
});

test('a device that never becomes reachable ends NOT_OK after the maximum attempts', async () => {
  const { results, calls } = await runSetLight({
    'DOWN-1': async (attempt) => {
      throw transient(attempt);
    },
  });
  expect(calls.get('DOWN-1')).toBe(options.maxAttempts);
  expect(results.get('DOWN-1')).toMatchObject({ result: 'NOT_OK', attempts: options.maxAttempts, errorCode: 'CONNECT_FAILED' });
});

test('the progress query reports total, done and failed while devices are outstanding', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const seen: RequestProgress[] = [];
  await runSetLight(
    {
      'A-1': async (attempt) => answers(attempt),
      'B-1': async (attempt) => {
        throw ApplicationFailure.create({ type: 'DEVICE_FAILURE', message: 'failure', nonRetryable: true, details: [{ attempt }] });
      },
      'HELD-1': async (attempt) => {
        await held;
        return answers(attempt);
      },
    },
    async (workflowId) => {
      const handle = suite.env.client.workflow.getHandle(workflowId);
      // Wait until the two quick devices are done, then read progress while HELD-1 is still outstanding.
      for (let i = 0; i < 100; i++) {
        const progress = await handle.query<RequestProgress>('progress');
        if (progress.done === 2) {
          seen.push(progress);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      release();
    },
  );
  expect(seen).toEqual([{ total: 3, done: 2, ok: 1, failed: 1 }]);
});

describe('request options (OSGP request headers)', () => {
  test('a request with a schedule time is accepted now and reaches its devices at that time', async () => {
    const scheduleTimeMs = (await suite.env.currentTimeMs()) + 3 * 60 * 60 * 1000;
    const { summary, scheduledAt } = await runSetLight({ 'LATER-1': async (attempt) => answers(attempt) }, undefined, {
      scheduleTimeMs,
    });
    expect(summary.state).toBe('OK');
    expect(scheduledAt.get('LATER-1')).toBeGreaterThanOrEqual(scheduleTimeMs);
  });

  test('devices not reached before the maximum schedule time end NOT_OK with MAX_SCHEDULE_TIME_EXCEEDED', async () => {
    const now = await suite.env.currentTimeMs();
    // Scheduled after its own deadline has passed once it starts: no device is contacted.
    const late = await runSetLight({ 'LATE-1': async (attempt) => answers(attempt) }, undefined, {
      scheduleTimeMs: now + 2 * 60 * 60 * 1000,
      maxScheduleTimeMs: now + 60 * 60 * 1000,
    });
    expect(late.calls.get('LATE-1')).toBeUndefined();
    expect(late.results.get('LATE-1')).toMatchObject({ result: 'NOT_OK', errorCode: 'MAX_SCHEDULE_TIME_EXCEEDED', attempts: 0 });

    // A device that keeps failing is retried only until the deadline.
    const start = await suite.env.currentTimeMs();
    const retried = await runSetLight(
      {
        'DOWN-2': async (attempt) => {
          throw transient(attempt);
        },
      },
      undefined,
      { maxAttempts: 100, maxScheduleTimeMs: start + 20_000 },
    );
    expect(retried.results.get('DOWN-2')).toMatchObject({ result: 'NOT_OK', errorCode: 'MAX_SCHEDULE_TIME_EXCEEDED' });
    expect(retried.calls.get('DOWN-2')).toBeLessThan(10);
  });

  test('bypassing retries gives a failing device one attempt', async () => {
    const { results, calls } = await runSetLight(
      {
        'ONCE-1': async (attempt) => {
          throw transient(attempt);
        },
      },
      undefined,
      { maxAttempts: 1 },
    );
    expect(calls.get('ONCE-1')).toBe(1);
    expect(results.get('ONCE-1')).toMatchObject({ result: 'NOT_OK', errorCode: 'CONNECT_FAILED', attempts: 1 });
  });
});
