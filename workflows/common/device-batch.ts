// One batch of a group request, as a child workflow: the same command to up to a page of devices of one
// protocol, sent with the adapter's batch activity (one attempt per device per call). Devices that failed
// transiently are tried again in a later call after a backoff, up to the request's maximum attempts; a
// permanent failure ends a device at once. Results are recorded call by call (a local activity: no task
// queue round trip, no copy of the results in the history) while the next call already sends, and the
// parent is told this batch's counts as they grow (the last counts travel as the batch's result instead).
// Cancelled, the batch waits for the running call to stop sending, then records CANCELLED for each device
// still without a result.
import {
  ActivityFailure,
  CancellationScope,
  CancelledFailure,
  TimeoutFailure,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import { type DeviceBatchItemResult, type DeviceCommand } from '../../common/device-commands';
import { adapterTaskQueue, type Protocol } from '../../core/protocols';
import type { RequestActivities } from '../../activities/requests';
import type { DeviceResultRecord } from '../../core/requests/records';
import { cancelledResult } from './device-request';
import { type DeviceRequestOptions } from '../../core/requests/request-types';
import { type BatchAdapterActivities } from '../../core/adapter-contract';

export interface DeviceBatchInput {
  correlationUid: string;
  /** The group request workflow (its id) that is told this batch's counts. */
  parentWorkflowId: string;
  /** This batch's number within the request. */
  batch: number;
  protocol: Protocol;
  deviceIdentifications: string[];
  command: DeviceCommand;
  options: DeviceRequestOptions;
  /** Device exchanges in flight at once for this batch (its share of the request's maxConcurrency). */
  concurrency: number;
}

export interface BatchCounts {
  batch: number;
  done: number;
  ok: number;
  failed: number;
}

/** A batch's counts so far; sent after every recorded round, so the last one received is the newest. */
export const batchProgressSignal = defineSignal<[BatchCounts]>('batchProgress');

/** How often the batch activity must heartbeat at least; cancellation reaches it with its next heartbeat. */
export const batchHeartbeatTimeoutMs = 10_000;

/**
 * Devices per batch activity call: `concurrency` times this, at least minChunk. Smaller calls report progress
 * sooner; larger ones lose less to the tail of each call (its slowest device holds the next call back).
 */
const chunkPerConcurrency = 20;
const minChunk = 200;

/** Results per recordDeviceResults call (one INSERT of column arrays: 1,000 rows take milliseconds). */
const recordChunk = 1_000;

/**
 * Results are written by a local activity on this (core) worker: the workflow task that received a call's
 * results writes them before it completes, instead of a scheduled activity's three events and two task
 * round trips, and the results are not copied into the history a second time as the activity's input.
 * A replay after a crash writes them again: recordDeviceResults keeps the first row of each device.
 */
const core = proxyLocalActivities<RequestActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Backoff before round `round` (2, 3, ...): 1 s, doubling, at most 30 s, as the per-device retry policy. */
function backoffMs(round: number): number {
  return Math.min(1_000 * 2 ** (round - 2), 30_000);
}

/** A device's outcome of one call as its result (attempts: the round it was reached in). */
function toRecord(result: DeviceBatchItemResult, round: number): DeviceResultRecord {
  if (result.outcome === 'OK') {
    return {
      deviceIdentification: result.deviceIdentification,
      result: 'OK',
      attempts: round,
      ...(result.response ? { data: result.response } : {}),
      finishedAtMs: result.finishedAtMs,
    };
  }
  return {
    deviceIdentification: result.deviceIdentification,
    result: 'NOT_OK',
    attempts: round,
    errorCode: result.errorCode ?? 'DEVICE_ERROR',
    message: result.message ?? 'The device command failed',
    finishedAtMs: result.finishedAtMs,
  };
}

function resultsOfCancelledCall(error: unknown): DeviceBatchItemResult[] {
  const cancelled = error instanceof CancelledFailure ? error : error instanceof ActivityFailure ? error.cause : undefined;
  const details: unknown = cancelled instanceof CancelledFailure ? cancelled.details?.[0] : undefined;
  if (!Array.isArray(details)) return [];
  return details.filter(
    (item: unknown): item is DeviceBatchItemResult =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as DeviceBatchItemResult).deviceIdentification === 'string' &&
      ['OK', 'PERMANENT_FAILURE', 'TRANSIENT_FAILURE'].includes((item as DeviceBatchItemResult).outcome) &&
      typeof (item as DeviceBatchItemResult).finishedAtMs === 'number',
  );
}

export async function deviceBatchWorkflow(input: DeviceBatchInput): Promise<BatchCounts> {
  const { correlationUid, options } = input;
  const counts: BatchCounts = { batch: input.batch, done: 0, ok: 0, failed: 0 };
  const recorded = new Set<string>();
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);

  /** Writes results and counts them; `tellParent` signals the new counts (not for the last write). */
  const write = async (results: DeviceResultRecord[], tellParent: boolean): Promise<void> => {
    const fresh = results.filter((r) => !recorded.has(r.deviceIdentification));
    if (fresh.length === 0) return;
    for (let i = 0; i < fresh.length; i += recordChunk) {
      await core.recordDeviceResults({ correlationUid, results: fresh.slice(i, i + recordChunk) });
    }
    for (const r of fresh) {
      recorded.add(r.deviceIdentification);
      counts.done += 1;
      if (r.result === 'OK') counts.ok += 1;
      else counts.failed += 1;
    }
    if (!tellParent) return;
    try {
      await parent.signal(batchProgressSignal, { ...counts });
    } catch {
      // The parent is gone (terminated): nobody to tell; the results are recorded.
    }
  };

  // Writes run one after the other, in the order they were asked for (so the parent's counts only grow),
  // while the next call already sends. Recording is never cut off by a cancellation: a device that
  // answered keeps its answer.
  let writing: Promise<void> = Promise.resolve();
  const record = (results: DeviceResultRecord[], tellParent = true): Promise<void> => {
    writing = writing.then(() => CancellationScope.nonCancellable(() => write(results, tellParent)));
    return writing;
  };

  /** A write not waited for here: a failure of it surfaces where `writing` is awaited (end of the round). */
  const queue = (results: DeviceResultRecord[], tellParent = true): void => {
    record(results, tellParent).catch(() => undefined);
  };

  const exceeded = (ids: string[], attempts: number, lastError?: string): DeviceResultRecord[] =>
    ids.map((deviceIdentification) => ({
      deviceIdentification,
      result: 'NOT_OK',
      attempts,
      errorCode: 'MAX_SCHEDULE_TIME_EXCEEDED',
      message: lastError
        ? `Not reached before the maximum schedule time; last error: ${lastError}`
        : 'The device was not reached before the maximum schedule time',
      finishedAtMs: Date.now(),
    }));

  /**
   * One call of the adapter's batch activity on `chunk`: the devices finished (to record), the devices to
   * try again, and whether the maximum schedule time was reached.
   */
  const sendChunk = async (
    chunk: string[],
    round: number,
  ): Promise<{ finished: DeviceResultRecord[]; again: string[]; deadlineReached: boolean }> => {
    const { maxScheduleTimeMs } = options;
    const adapter = proxyActivities<BatchAdapterActivities>({
      taskQueue: adapterTaskQueue(input.protocol),
      // Every device's attempt is bounded by attemptTimeoutMs; `concurrency` of them at a time.
      startToCloseTimeout: options.attemptTimeoutMs * (Math.ceil(chunk.length / input.concurrency) + 1),
      heartbeatTimeout: batchHeartbeatTimeoutMs,
      ...(maxScheduleTimeMs !== undefined ? { scheduleToCloseTimeout: Math.max(1, maxScheduleTimeMs - Date.now()) } : {}),
      // The call stops sending when cancelled, and the batch waits for that before it records CANCELLED.
      cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      // A lost worker (no heartbeat) is retried once; device-level retries are the rounds here.
      retry: { initialInterval: '1 second', maximumAttempts: 2 },
    });
    let results: DeviceBatchItemResult[];
    try {
      ({ results } = await adapter.executeDeviceCommandBatch({
        correlationUid,
        deviceIdentifications: chunk,
        command: input.command,
        attempt: round,
        concurrency: input.concurrency,
      }));
    } catch (error) {
      if (isCancellation(error)) {
        // A cancelled call may say what it did before it stopped (its CancelledFailure's first detail):
        // those devices keep their outcome; the others become CANCELLED.
        const inChunk = new Set(chunk);
        const done = resultsOfCancelledCall(error).filter((r) => inChunk.has(r.deviceIdentification) && r.outcome !== 'TRANSIENT_FAILURE');
        await record(done.map((r) => toRecord(r, round)));
        throw error;
      }
      if (!(error instanceof ActivityFailure)) throw error;
      const deadlineReached =
        maxScheduleTimeMs !== undefined &&
        (error.retryState === 'TIMEOUT' || (error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_CLOSE'));
      if (deadlineReached) {
        return { finished: chunk.flatMap((id) => exceeded([id], round, lastErrors.get(id))), again: [], deadlineReached: true };
      }
      const message = `The batch call failed: ${error.cause?.message ?? error.message}`;
      results = chunk.map((deviceIdentification) => ({
        deviceIdentification,
        outcome: 'TRANSIENT_FAILURE',
        errorCode: 'BATCH_FAILED',
        message,
        finishedAtMs: Date.now(),
      }));
    }

    const byDevice = new Map(results.map((r) => [r.deviceIdentification, r]));
    const finished: DeviceResultRecord[] = [];
    const again: string[] = [];
    for (const deviceIdentification of chunk) {
      const result = byDevice.get(deviceIdentification) ?? {
        deviceIdentification,
        outcome: 'TRANSIENT_FAILURE' as const,
        errorCode: 'NO_RESULT',
        message: 'The adapter returned no result for this device',
        finishedAtMs: Date.now(),
      };
      if (result.outcome !== 'TRANSIENT_FAILURE' || round >= options.maxAttempts) {
        finished.push(toRecord(result, round));
      } else {
        lastErrors.set(deviceIdentification, `${result.errorCode ?? 'TRANSIENT_FAILURE'}: ${result.message ?? ''}`);
        again.push(deviceIdentification);
      }
    }
    return { finished, again, deadlineReached: false };
  };

  // Each round sends to its devices in chunks, one call at a time; a chunk's results are recorded (and
  // progress reported) while the next chunk is sent, and a cancellation leaves the chunks not yet started
  // unsent. A round's writes are done before the backoff, so the progress shows them while it waits.
  const chunkSize = Math.max(minChunk, input.concurrency * chunkPerConcurrency);
  let pending = [...input.deviceIdentifications];
  const lastErrors = new Map<string, string>();
  try {
    for (let round = 1; pending.length > 0; round++) {
      if (round > 1) await sleep(backoffMs(round));
      if (options.maxScheduleTimeMs !== undefined && Date.now() >= options.maxScheduleTimeMs) {
        await record(pending.flatMap((id) => exceeded([id], round - 1, lastErrors.get(id))), false);
        break;
      }
      const again: string[] = [];
      for (let i = 0; i < pending.length; i += chunkSize) {
        const chunk = pending.slice(i, i + chunkSize);
        const sent = await sendChunk(chunk, round);
        again.push(...sent.again);
        if (sent.deadlineReached) {
          // The rest of this round is not sent; devices to try again meet the deadline at the next round.
          queue([...sent.finished, ...pending.slice(i + chunkSize).flatMap((id) => exceeded([id], round - 1, lastErrors.get(id)))]);
          break;
        }
        // The batch's last write needs no signal: its counts are the batch's result.
        const last = i + chunkSize >= pending.length && again.length === 0;
        queue(sent.finished, !last);
      }
      await writing;
      pending = again;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await writing;
    await record(
      input.deviceIdentifications
        .filter((id) => !recorded.has(id))
        .map((deviceIdentification) => ({ ...cancelledResult(deviceIdentification), finishedAtMs: Date.now() })),
    );
    throw error;
  }
  await writing;
  return counts;
}
