// A request to a device group (or a long list of devices), at city scale: tens of thousands of devices stay
// inside Temporal's limits. The parent reads its target a page at a time (keyset by device id; each page
// authorised device by device, refused devices recorded NOT_OK), starts one child workflow per page and
// protocol with a bounded number of children in flight, and continues as new when its history grows,
// carrying the cursor and the totals. Each child sends with its adapter's batch activity and tells the
// parent its counts, so the progress query is live. Cancelled, it stops sending, records CANCELLED for
// every device without a result and closes the request as CANCELLED.
import {
  CancellationScope,
  ParentClosePolicy,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { type DeviceCommand } from '../../common/device-commands';
import { coreTaskQueue, type Protocol } from '../../core/protocols';
import type { DeviceFunction } from '../../core/authorization/device-functions';
import type { GroupActivities, GroupTarget } from '../../activities/groups';
import type { RequestActivities } from '../../activities/requests';
import type { DeviceResultRecord } from '../../core/requests/records';
import { batchProgressSignal, deviceBatchWorkflow, type BatchCounts } from './device-batch';
import { notifyRequestFinished, progressQuery, type RequestProgress, type RequestSummary } from './device-request';
import { type DeviceRequestOptions } from '../../core/requests/request-types';

export interface GroupRequestTuning {
  /** Devices per page and per child workflow (default 1,000). */
  batchSize?: number;
  /** Child workflows running at once (default 4); the request's maxConcurrency is split over them. */
  maxChildrenInFlight?: number;
  /** Children one run starts before it continues as new (default 200), unless Temporal suggests it sooner. */
  maxBatchesPerRun?: number;
}

/** What a run hands to the next one when it continues as new. */
export interface GroupRequestCarryOver {
  /** The last device id read; the next page starts after it. */
  after: string;
  /** Number of the next batch (child workflow ids stay unique across runs). */
  nextBatch: number;
  /** Totals of everything settled so far (total = the target's size at the start). */
  progress: RequestProgress;
}

export interface GroupRequestInput {
  organisationId: string;
  deviceFunction: DeviceFunction;
  command: DeviceCommand;
  target: GroupTarget;
  options: DeviceRequestOptions;
  tuning?: GroupRequestTuning;
  /** Set by the workflow itself when it continues as new. */
  carryOver?: GroupRequestCarryOver;
}

const core = proxyActivities<RequestActivities & GroupActivities>({
  taskQueue: coreTaskQueue,
  // A page read authorises and records up to a page of devices.
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Closing the record is one quick update: done by this worker (a local activity), no task queue round trip. */
const local = proxyLocalActivities<RequestActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function groupRequestWorkflow(input: GroupRequestInput): Promise<RequestSummary> {
  const correlationUid = workflowInfo().workflowId;
  const batchSize = input.tuning?.batchSize ?? 1_000;
  const maxChildren = input.tuning?.maxChildrenInFlight ?? 4;
  const maxBatchesPerRun = input.tuning?.maxBatchesPerRun ?? 200;
  const carried = input.carryOver;

  // Settled: refused devices and finished batches. Live: the latest counts of the batches in flight.
  const settled: RequestProgress = carried ? { ...carried.progress } : { total: 0, done: 0, ok: 0, failed: 0 };
  const live = new Map<number, BatchCounts>();
  const current = (): RequestProgress => {
    const progress = { ...settled };
    for (const counts of live.values()) {
      progress.done += counts.done;
      progress.ok += counts.ok;
      progress.failed += counts.failed;
    }
    return progress;
  };
  setHandler(progressQuery, current);
  setHandler(batchProgressSignal, (counts) => {
    const known = live.get(counts.batch);
    if (known && counts.done >= known.done) live.set(counts.batch, counts);
  });

  const running = new Map<number, Promise<void>>();
  const settle = (batch: number, counts: BatchCounts): void => {
    live.delete(batch);
    running.delete(batch);
    settled.done += counts.done;
    settled.ok += counts.ok;
    settled.failed += counts.failed;
    upsertMemo({ progress: current() });
  };

  let after = carried?.after;
  let nextBatch = carried?.nextBatch ?? 0;
  try {
    if (!carried && input.options.scheduleTimeMs !== undefined && input.options.scheduleTimeMs > Date.now()) {
      await sleep(input.options.scheduleTimeMs - Date.now());
    }
    let childConcurrency = 1;
    let startedThisRun = 0;
    let exhausted = false;
    while (!exhausted) {
      if (startedThisRun >= maxBatchesPerRun || workflowInfo().continueAsNewSuggested) break;
      const page = await core.readTargetPage({
        correlationUid,
        organisationId: input.organisationId,
        deviceFunction: input.deviceFunction,
        target: input.target,
        after,
        limit: batchSize,
        countTotal: !carried && after === undefined,
      });
      if (page.total !== undefined) settled.total = page.total;
      const childrenInFlight = Math.max(1, Math.min(maxChildren, Math.ceil(settled.total / batchSize)));
      childConcurrency = Math.max(1, Math.floor(input.options.maxConcurrency / childrenInFlight));
      settled.done += page.refused;
      settled.failed += page.refused;
      exhausted = page.nextCursor === null;
      if (page.nextCursor !== null) after = page.nextCursor;

      const byProtocol = new Map<Protocol, string[]>();
      for (const device of page.devices) {
        const ids = byProtocol.get(device.protocol) ?? [];
        ids.push(device.deviceIdentification);
        byProtocol.set(device.protocol, ids);
      }
      for (const [protocol, deviceIdentifications] of byProtocol) {
        await condition(() => running.size < maxChildren);
        const batch = nextBatch++;
        startedThisRun += 1;
        const child = await startChild(deviceBatchWorkflow, {
          workflowId: `${correlationUid}-batch-${batch}`,
          taskQueue: coreTaskQueue,
          parentClosePolicy: ParentClosePolicy.TERMINATE,
          args: [
            {
              correlationUid,
              parentWorkflowId: correlationUid,
              batch,
              protocol,
              deviceIdentifications,
              command: input.command,
              options: input.options,
              concurrency: childConcurrency,
            },
          ],
        });
        live.set(batch, { batch, done: 0, ok: 0, failed: 0 });
        running.set(
          batch,
          child.result().then(
            (counts) => settle(batch, counts),
            (error: unknown) => batchFailed(batch, deviceIdentifications, error),
          ),
        );
      }
    }
    // Children never outlive the run that started them: drain, then continue as new or finish.
    while (running.size > 0) await Promise.all([...running.values()]);
    if (!exhausted && after !== undefined) {
      await continueAsNew<typeof groupRequestWorkflow>({ ...input, carryOver: { after, nextBatch, progress: { ...settled } } });
    }

    const progress = current();
    const state = progress.failed === 0 ? 'OK' : 'NOT_OK';
    await local.completeRequest({ correlationUid, state });
    await notifyRequestFinished({ correlationUid, state, ...progress }, input.options);
    return { correlationUid, state, ...progress };
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(async () => {
      // Children stop sending and record CANCELLED for their own devices; then every device of the target
      // not started yet (or without a result for any other reason) gets CANCELLED too.
      while (running.size > 0) await Promise.allSettled([...running.values()]);
      const rest = await core.recordCancelledDevices({ correlationUid, organisationId: input.organisationId, target: input.target });
      settled.done += rest;
      settled.failed += rest;
      await local.completeRequest({ correlationUid, state: 'CANCELLED' });
      upsertMemo({ progress: current() });
      await notifyRequestFinished({ correlationUid, state: 'CANCELLED', ...current() }, input.options);
    });
    throw error;
  }

  /** A child that ended without its counts: cancelled (it recorded its devices), or failed (a bug). */
  async function batchFailed(batch: number, deviceIdentifications: string[], error: unknown): Promise<void> {
    const counts = live.get(batch) ?? { batch, done: 0, ok: 0, failed: 0 };
    try {
      if (isCancellation(error)) return;
      // Its devices without a result end NOT_OK; those it recorded keep their result (the first write wins).
      const message = `The batch workflow failed: ${(error as Error).message}`;
      const results: DeviceResultRecord[] = deviceIdentifications.map((deviceIdentification) => ({
        deviceIdentification,
        result: 'NOT_OK',
        attempts: 0,
        errorCode: 'BATCH_FAILED',
        message,
      }));
      await CancellationScope.nonCancellable(() => core.recordDeviceResults({ correlationUid, results }));
      const unrecorded = deviceIdentifications.length - counts.done;
      counts.done += unrecorded;
      counts.failed += unrecorded;
    } finally {
      settle(batch, counts);
    }
  }
}
