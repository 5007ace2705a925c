// The shape every device request workflow shares: fan out one activity per device on the task queue of the
// device's protocol adapter, with bounded concurrency; record each device's result as it arrives; report
// progress through a query; close the request record with the overall state.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { permanentFailureTypes, type DeviceCommand, type DeviceCommandRequest, type DeviceFailureDetails, type DeviceResponse } from '../../common/device-commands';
import { adapterTaskQueue, coreTaskQueue, type Protocol } from '../../core/protocols';
import type { RequestActivities } from '../../activities/requests';
import type { DeviceResultRecord, FinalRequestState } from '../../core/requests/records';
import type { AdapterActivities } from '../../core/adapter-contract';
import type { DeviceRequestOptions, DeviceTarget } from '../../core/requests/request-types';
import { defaultNotificationRetryPeriodMs, deliverWithRetries, notificationBookkeeping } from '../notifications/delivery';

export interface DeviceRequestInput {
  devices: DeviceTarget[];
  options: DeviceRequestOptions;
}

export interface RequestProgress {
  total: number;
  done: number;
  ok: number;
  failed: number;
}

export interface RequestSummary extends RequestProgress {
  correlationUid: string;
  state: FinalRequestState;
}

export const progressQuery = defineQuery<RequestProgress>('progress');

const core = proxyActivities<RequestActivities>({
  taskQueue: coreTaskQueue,
  // Database writes take milliseconds; a worker that died mid-write is noticed and retried soon.
  startToCloseTimeout: '10 seconds',
  // Database hiccups are transient: keep trying rather than lose a result.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * The same writes as local activities: run by the worker that runs the workflow, without a task queue round
 * trip, and recorded as one marker event each instead of an activity's three events and a workflow task.
 */
const local = proxyLocalActivities<RequestActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function runDeviceRequest(
  input: DeviceRequestInput,
  commandFor: (device: DeviceTarget) => DeviceCommand,
  /** Domain meaning of a device's answer (e.g. tariff values of reversed relays), recorded instead of the answer. */
  mapResponse?: (device: DeviceTarget, response: DeviceResponse) => DeviceResponse,
): Promise<RequestSummary> {
  const correlationUid = workflowInfo().workflowId;
  const progress: RequestProgress = { total: input.devices.length, done: 0, ok: 0, failed: 0 };
  setHandler(progressQuery, () => progress);

  // Requests started since the small-request path existed: records written by local activities, a
  // one-device request's result written with the end state, and its notification queued (or, decided at the
  // start, nothing at all). Older workflows replay what they did.
  const smallPath = patched('small-request-path');
  const records = smallPath ? local : core;
  const recorder = createResultRecorder(correlationUid, records);
  // One device: its result waits for the end state, so both are one write.
  const held: DeviceResultRecord[] = [];
  const holdResults = smallPath && input.devices.length === 1;
  const record = (result: DeviceResultRecord): void => {
    if (holdResults) held.push(result);
    else recorder.add(result);
  };
  const adapters = new Map<Protocol, AdapterActivities>();
  const { maxScheduleTimeMs } = input.options;
  const adapterFor = (protocol: Protocol): AdapterActivities => {
    let adapter = adapters.get(protocol);
    // With a maximum schedule time, the retries of each device stop at that time.
    if (!adapter || maxScheduleTimeMs !== undefined) {
      adapter = proxyActivities<AdapterActivities>({
        taskQueue: adapterTaskQueue(protocol),
        startToCloseTimeout: input.options.attemptTimeoutMs,
        ...(maxScheduleTimeMs !== undefined ? { scheduleToCloseTimeout: Math.max(1, maxScheduleTimeMs - Date.now()) } : {}),
        retry: {
          initialInterval: '1 second',
          backoffCoefficient: 2,
          maximumInterval: '30 seconds',
          maximumAttempts: input.options.maxAttempts,
          nonRetryableErrorTypes: [...permanentFailureTypes],
        },
      });
      adapters.set(protocol, adapter);
    }
    return adapter;
  };

  const finished = new Set<string>();
  const runOne = async (device: DeviceTarget): Promise<void> => {
    const request = { correlationUid, deviceIdentification: device.deviceIdentification, command: commandFor(device) };
    const result =
      maxScheduleTimeMs !== undefined && Date.now() >= maxScheduleTimeMs
        ? maxScheduleTimeExceeded(request.deviceIdentification, 0)
        : await executeOnDevice(adapterFor(device.protocol), request, input.options.maxAttempts, maxScheduleTimeMs !== undefined);
    finished.add(device.deviceIdentification);
    progress.done += 1;
    if (result.result === 'OK') progress.ok += 1;
    else progress.failed += 1;
    record(mapResponse && result.data ? { ...result, data: mapResponse(device, result.data) } : result);
  };

  let state: 'OK' | 'NOT_OK';
  try {
    // Workflow time is deterministic (Temporal's clock), so waiting for the schedule time is replay-safe.
    if (input.options.scheduleTimeMs !== undefined && input.options.scheduleTimeMs > Date.now()) {
      await sleep(input.options.scheduleTimeMs - Date.now());
    }

    // A fixed number of lanes, each taking the next device: bounded concurrency without timers.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < input.devices.length) {
        const device = input.devices[next++];
        await runOne(device);
      }
    };
    const laneCount = Math.max(1, Math.min(input.options.maxConcurrency, input.devices.length));
    // Every lane ends (a cancelled one at once) before the outcome is looked at.
    const lanes = await Promise.allSettled(Array.from({ length: laneCount }, lane));
    const stopped = lanes.find((lane) => lane.status === 'rejected');
    if (stopped) throw stopped.reason;
    await recorder.drain();

    state = progress.failed === 0 ? 'OK' : 'NOT_OK';
    if (smallPath) await local.finishRequest({ correlationUid, results: held.splice(0), state });
    else await core.completeRequest({ correlationUid, state });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled: no device is started any more; each one without a result gets CANCELLED, then the record closes.
    await CancellationScope.nonCancellable(async () => {
      for (const device of input.devices) {
        if (finished.has(device.deviceIdentification)) continue;
        progress.done += 1;
        progress.failed += 1;
        record(cancelledResult(device.deviceIdentification));
      }
      await recorder.drain();
      if (smallPath) await local.finishRequest({ correlationUid, results: held.splice(0), state: 'CANCELLED' });
      else await core.completeRequest({ correlationUid, state: 'CANCELLED' });
      // The organisation hears of a cancelled request as of any other finished one.
      await notifyRequestFinished({ correlationUid, state: 'CANCELLED', ...progress }, input.options, smallPath);
    });
    throw error;
  }
  // Workflows that finished before notifications existed replay without this step.
  if (smallPath || patched('request-finished-notification')) {
    await notifyRequestFinished({ correlationUid, state, ...progress }, input.options, smallPath);
  }
  return { correlationUid, state, ...progress };
}

/**
 * Tells the organisation, when it has a webhook, that its request finished. The request record is closed
 * already; a notification that cannot be delivered is recorded as FAILED and never fails the request.
 * The notification is queued for the organisation's delivery workflow, so this workflow does not wait for
 * the webhook; when the start found no webhook (`options.notify === false`) nothing is scheduled at all.
 */
export async function notifyRequestFinished(
  summary: RequestSummary,
  options: Pick<DeviceRequestOptions, 'notificationRetryPeriodMs' | 'notify'> = {},
  /** The caller knows already that its workflow queues notifications (its own patch), so no marker is needed. */
  queued = false,
): Promise<void> {
  const { correlationUid, state, total, ok, failed } = summary;
  const retryPeriodMs = options.notificationRetryPeriodMs ?? defaultNotificationRetryPeriodMs;
  try {
    // Workflows started before the queue existed replay their own delivery.
    if (queued || patched('notification-queue')) {
      if (options.notify === false) return;
      await notificationBookkeeping.queueRequestNotification({ correlationUid, state, total, ok, failed, retryPeriodMs });
      return;
    }
    const notificationId = await notificationBookkeeping.prepareRequestNotification({ correlationUid, state, total, ok, failed });
    if (notificationId) await deliverWithRetries(notificationId, retryPeriodMs);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
  }
}

export function cancelledResult(deviceIdentification: string): DeviceResultRecord {
  return {
    deviceIdentification,
    result: 'NOT_OK',
    attempts: 0,
    errorCode: 'CANCELLED',
    message: 'The request was cancelled before this device answered',
  };
}

function maxScheduleTimeExceeded(deviceIdentification: string, attempts: number): DeviceResultRecord {
  return {
    deviceIdentification,
    result: 'NOT_OK',
    attempts,
    errorCode: 'MAX_SCHEDULE_TIME_EXCEEDED',
    message: 'The device was not reached before the maximum schedule time',
  };
}

async function executeOnDevice(
  adapter: AdapterActivities,
  request: DeviceCommandRequest,
  maxAttempts: number,
  hasMaxScheduleTime: boolean,
): Promise<DeviceResultRecord> {
  try {
    const outcome = await adapter.executeDeviceCommand(request);
    return {
      deviceIdentification: request.deviceIdentification,
      result: 'OK',
      attempts: outcome.attempt,
      data: outcome.response,
    };
  } catch (error) {
    if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
    const failure = describeFailure(error, maxAttempts);
    // The retries ran into the maximum schedule time (the last attempt's error is the cause).
    const deadlineReached =
      error.retryState === 'TIMEOUT' || (error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_CLOSE');
    if (hasMaxScheduleTime && deadlineReached) {
      return {
        ...maxScheduleTimeExceeded(request.deviceIdentification, failure.attempts),
        message: `Not reached before the maximum schedule time; last error: ${failure.message}`,
      };
    }
    return { deviceIdentification: request.deviceIdentification, result: 'NOT_OK', ...failure };
  }
}

function describeFailure(
  failure: ActivityFailure,
  maxAttempts: number,
): { attempts: number; errorCode: string; message: string } {
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as DeviceFailureDetails | undefined;
    return {
      attempts: details?.attempt ?? maxAttempts,
      errorCode: cause.type ?? 'DEVICE_ERROR',
      message: cause.message,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return { attempts: maxAttempts, errorCode: 'TIMEOUT', message: `No answer within the attempt timeout (${cause.timeoutType})` };
  }
  return { attempts: maxAttempts, errorCode: 'DEVICE_ERROR', message: cause?.message ?? failure.message };
}

/** Writes results in batches as they come, one write at a time, so a large request makes few activities. */
function createResultRecorder(correlationUid: string, writer: Pick<RequestActivities, 'recordDeviceResults'>) {
  let buffer: DeviceResultRecord[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    while (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      await writer.recordDeviceResults({ correlationUid, results: batch });
    }
    flushing = undefined;
  };
  return {
    add(result: DeviceResultRecord): void {
      buffer.push(result);
      // Never cut off by a cancellation: what the devices answered is kept.
      flushing ??= CancellationScope.nonCancellable(flush);
    },
    async drain(): Promise<void> {
      while (flushing) await flushing;
    },
  };
}
