// The shape every smart metering request shares, like runDeviceRequest for lighting: per meter (bounded
// concurrency), the domain turns the functional actions into generic COSEM operations, the DLMS adapter runs
// them over one association on the `adapter-dlms` task queue, and the domain decodes each action's results.
// Retries are per action: after a backoff (a Temporal timer) only the actions that failed transiently are
// sent again; permanent failures (wrong keys, refused access) end at once. Results per meter (and per action)
// go to the request record, the progress query answers, and the organisation is notified at the end.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { permanentFailureTypes, type MeterActionResult } from '../../common/device-commands';
import { adapterTaskQueue, coreTaskQueue } from '../../core/protocols';
import type { RequestActivities } from '../../activities/requests';
import type { DeviceResultRecord } from '../../core/requests/records';
import type { DlmsAdapterActivities } from '../../core/adapter-contract';
import { notifyRequestFinished, progressQuery, type DeviceRequestInput, type RequestProgress, type RequestSummary } from '../common/device-request';
import { type DeviceTarget } from '../../core/requests/request-types';
import { CosemDecodeError } from './domain/cosem';
import { planAction, type ActionPlan, type SmartMeteringAction } from './domain/actions';

export interface MeterRequestInput extends DeviceRequestInput {
  actions: SmartMeteringAction[];
}

const core = proxyActivities<RequestActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Backoff before the n-th attempt (n >= 2): 1 s, 2 s, 4 s, ... at most 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 2));
}

export async function runMeterRequest(input: MeterRequestInput): Promise<RequestSummary> {
  const correlationUid = workflowInfo().workflowId;
  const progress: RequestProgress = { total: input.devices.length, done: 0, ok: 0, failed: 0 };
  setHandler(progressQuery, () => progress);
  const { options } = input;

  // One attempt per activity: this workflow decides what is tried again (the failed actions only).
  const adapter = proxyActivities<DlmsAdapterActivities>({
    taskQueue: adapterTaskQueue('DLMS'),
    startToCloseTimeout: options.attemptTimeoutMs,
    // An adapter that is not running (or too busy to start the attempt) counts as a transient failure too.
    scheduleToCloseTimeout: options.attemptTimeoutMs * 2,
    retry: { maximumAttempts: 1 },
  });

  if (options.scheduleTimeMs !== undefined && options.scheduleTimeMs > Date.now()) {
    await sleep(options.scheduleTimeMs - Date.now());
  }

  const plans = input.actions.map(planAction);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < input.devices.length) {
      const device = input.devices[next++];
      const result = await runOnMeter(adapter, correlationUid, device, input.actions, plans, input);
      progress.done += 1;
      if (result.result === 'OK') progress.ok += 1;
      else progress.failed += 1;
      await core.recordDeviceResults({ correlationUid, results: [result] });
    }
  };
  const laneCount = Math.max(1, Math.min(options.maxConcurrency, input.devices.length));
  await Promise.all(Array.from({ length: laneCount }, lane));

  const state = progress.failed === 0 ? 'OK' : 'NOT_OK';
  await core.completeRequest({ correlationUid, state });
  const summary: RequestSummary = { correlationUid, state, ...progress };
  await notifyRequestFinished(summary, options);
  return summary;
}

interface Failure {
  errorCode: string;
  message: string;
}

async function runOnMeter(
  adapter: DlmsAdapterActivities,
  correlationUid: string,
  device: DeviceTarget,
  actions: SmartMeteringAction[],
  plans: ActionPlan[],
  input: MeterRequestInput,
): Promise<DeviceResultRecord> {
  const { maxAttempts, maxScheduleTimeMs } = input.options;
  const results: Array<MeterActionResult | undefined> = actions.map(() => undefined);
  const attempts = actions.map(() => 0);
  const lastFailure: Failure[] = actions.map(() => ({ errorCode: 'NOT_ATTEMPTED', message: 'Not attempted' }));
  const finish = (index: number, outcome: Omit<MeterActionResult, 'index' | 'action' | 'attempts'>): void => {
    results[index] = { index, action: actions[index].action, attempts: attempts[index], ...outcome };
  };
  let pending = actions.map((_, i) => i);

  if (device.protocol !== 'DLMS') {
    for (const i of pending) finish(i, { result: 'NOT_OK', errorCode: 'UNSUPPORTED_COMMAND', message: `${device.protocol} devices are not smart meters` });
    pending = [];
  }

  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(backoffMs(attempt));
    if (maxScheduleTimeMs !== undefined && Date.now() >= maxScheduleTimeMs) {
      for (const i of pending) lastFailure[i] = { errorCode: 'MAX_SCHEDULE_TIME_EXCEEDED', message: `Not done before the maximum schedule time; last error: ${lastFailure[i].message}` };
      break;
    }
    for (const i of pending) attempts[i] += 1;
    try {
      const outcome = await adapter.executeDeviceCommand({
        correlationUid,
        deviceIdentification: device.deviceIdentification,
        command: { kind: 'dlms', attempt, actions: pending.map((i) => ({ id: String(i), operations: plans[i].operations })) },
      });
      if (outcome.response.kind !== 'dlms') throw ApplicationFailure.nonRetryable(`unexpected ${outcome.response.kind} answer`, 'DEVICE_FAILURE');
      const stillPending: number[] = [];
      const answered = new Map(outcome.response.actions.map((r) => [Number(r.id), r]));
      for (const i of pending) {
        const answer = answered.get(i);
        if (!answer || answer.outcome === 'TRANSIENT_FAILURE') {
          lastFailure[i] = { errorCode: answer?.errorCode ?? 'NOT_ANSWERED', message: answer?.message ?? 'The adapter gave no result for this action' };
          stillPending.push(i);
        } else if (answer.outcome === 'PERMANENT_FAILURE') {
          finish(i, { result: 'NOT_OK', errorCode: answer.errorCode ?? 'DEVICE_FAILURE', message: answer.message ?? 'Refused by the meter' });
        } else {
          try {
            finish(i, { result: 'OK', data: plans[i].decode(answer.results ?? []) });
          } catch (error) {
            if (!(error instanceof CosemDecodeError)) throw error;
            finish(i, { result: 'NOT_OK', errorCode: 'UNEXPECTED_METER_DATA', message: error.message });
          }
        }
      }
      pending = stillPending;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const failure = describeFailure(error);
      for (const i of pending) {
        if (failure.permanent) finish(i, { result: 'NOT_OK', errorCode: failure.errorCode, message: failure.message });
        else lastFailure[i] = failure;
      }
      if (failure.permanent) pending = [];
    }
  }
  for (const i of pending) finish(i, { result: 'NOT_OK', ...lastFailure[i] });

  const actionResults = results.filter((r): r is MeterActionResult => r !== undefined);
  const failed = actionResults.filter((r) => r.result === 'NOT_OK');
  const record: DeviceResultRecord = {
    deviceIdentification: device.deviceIdentification,
    result: failed.length === 0 ? 'OK' : 'NOT_OK',
    attempts: Math.max(1, ...attempts),
    data: { kind: 'smartMetering', actions: actionResults },
  };
  if (failed.length > 0) {
    record.errorCode = failed[0].errorCode;
    record.message =
      actions.length === 1
        ? failed[0].message
        : `${failed.length} of ${actions.length} actions failed: ${failed.map((f) => `${f.index}:${f.action} ${f.errorCode}`).join(', ')}`;
  }
  return record;
}

function describeFailure(failure: ActivityFailure): Failure & { permanent: boolean } {
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) {
    const errorCode = cause.type ?? 'DEVICE_ERROR';
    const permanent = cause.nonRetryable || (permanentFailureTypes as readonly string[]).includes(errorCode);
    return { errorCode, message: cause.message, permanent };
  }
  if (cause instanceof TimeoutFailure) {
    return { errorCode: 'TIMEOUT', message: `No answer within the attempt timeout (${cause.timeoutType})`, permanent: false };
  }
  return { errorCode: 'DEVICE_ERROR', message: cause?.message ?? failure.message, permanent: false };
}
