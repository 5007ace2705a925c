/**
 * Group requests on the time-skipping test server: the parent pages its target, starts a child per batch
 * with a bounded number in flight and continues as new; children retry only transient devices, end
 * permanent ones at once, and report live progress; a cancelled request stops sending and records CANCELLED
 * for every device without a result; the per-device path for named devices (runDeviceRequest) is cancelled
 * the same way. The core and adapter activities are in-memory stand-ins with the real
 * signatures (the real ones are proven in test/integration).
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords, notificationsWithoutWebhook } from '../support/workflow-fakes';
import type { DeviceBatchItemResult, DeviceBatchRequest, DeviceBatchResult, DeviceCommandOutcome, DeviceCommandRequest } from '../../common/device-commands';
import type { Protocol } from '../../core/protocols';
import type { DeviceResultRecord, FinalRequestState } from '../../core/requests/records';
import type { GroupActivities, TargetPage, TargetPageInput } from '../../activities/groups';
import type { RequestProgress, RequestSummary } from '../../workflows/common/device-request';
import type { GroupRequestInput, GroupRequestTuning } from '../../workflows/common/group-request';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(workflowsPath);

interface FakeDevice {
  id: string;
  identification: string;
  protocol: Protocol;
  /** Refused by the per-device authorization with this code. */
  refusal?: string;
}

type Behaviour = (attempt: number) => Promise<Omit<DeviceBatchItemResult, 'deviceIdentification' | 'finishedAtMs'>>;

const ok: Behaviour = async () => ({ outcome: 'OK', response: { kind: 'setLight' } });
const transient: Behaviour = async () => ({ outcome: 'TRANSIENT_FAILURE', errorCode: 'CONNECT_FAILED', message: 'refused' });
const permanent: Behaviour = async () => ({ outcome: 'PERMANENT_FAILURE', errorCode: 'DEVICE_REJECTED', message: 'rejected' });

function fleet(count: number, prefix = 'D'): FakeDevice[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return { id: `id-${n}`, identification: `${prefix}${n}`, protocol: 'OSLP' };
  });
}

interface Run {
  workflowId: string;
  results: Map<string, DeviceResultRecord>;
  readonly completed: FinalRequestState | undefined;
  /** The state each finished-request notification was prepared with. */
  readonly notified: string[];
  /** Every batch call: its workflow (the child), attempt, devices and concurrency. */
  batchCalls: Array<DeviceBatchRequest & { workflowId: string }>;
  /** Run ids of the parent that read pages: more than one means it continued as new. */
  pageRuns: Set<string>;
  pageReads: TargetPageInput[];
}

async function runGroupRequest(
  devices: FakeDevice[],
  {
    behaviours = {},
    tuning,
    maxAttempts = 3,
    maxConcurrency = 10,
    during,
  }: {
    behaviours?: Record<string, Behaviour>;
    tuning?: GroupRequestTuning;
    maxAttempts?: number;
    maxConcurrency?: number;
    during?: (workflowId: string, run: Run) => Promise<void>;
  } = {},
): Promise<Run & { outcome: RequestSummary | Error }> {
  const records = fakeRequestRecords();
  const notifications = notificationsWithoutWebhook();
  const run: Run = {
    workflowId: `group-${randomUUID()}`,
    results: records.results,
    get completed() {
      return records.completed;
    },
    get notified() {
      return notifications.prepared.map((p) => p.state);
    },
    batchCalls: [],
    pageRuns: new Set(),
    pageReads: [],
  };
  const sorted = [...devices].sort((a, b) => a.id.localeCompare(b.id));
  // The group activities write results into the same record: refused devices, and cancelled ones.
  const { record } = records;
  const group: GroupActivities = {
    async readTargetPage(input): Promise<TargetPage> {
      run.pageReads.push(input);
      run.pageRuns.add(Context.current().info.workflowExecution?.runId ?? '');
      const rest = sorted.filter((d) => input.after === undefined || d.id > input.after);
      const page = rest.slice(0, input.limit);
      const refused = page.filter((d) => d.refusal);
      record(refused.map((d) => ({ deviceIdentification: d.identification, result: 'NOT_OK', attempts: 0, errorCode: d.refusal })));
      return {
        devices: page.filter((d) => !d.refusal).map((d) => ({ deviceIdentification: d.identification, protocol: d.protocol })),
        refused: refused.length,
        nextCursor: page.length === input.limit ? page[page.length - 1].id : null,
        ...(input.countTotal ? { total: sorted.length } : {}),
      };
    },
    async recordCancelledDevices() {
      return record(
        sorted.map((d) => ({ deviceIdentification: d.identification, result: 'NOT_OK', attempts: 0, errorCode: 'CANCELLED' })),
      );
    },
  };
  const adapter = {
    async executeDeviceCommandBatch(request: DeviceBatchRequest): Promise<DeviceBatchResult> {
      run.batchCalls.push({ ...request, workflowId: Context.current().info.workflowExecution?.workflowId ?? '' });
      const settled = await Promise.allSettled(
        request.deviceIdentifications.map(async (deviceIdentification) => ({
          deviceIdentification,
          finishedAtMs: Date.now(),
          ...(await (behaviours[deviceIdentification] ?? ok)(request.attempt)),
        })),
      );
      const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      // Cancelled (as the OSLP adapter does): stop, and say what was done before.
      if (results.length < settled.length) throw new CancelledFailure('device batch cancelled', [results]);
      return { results };
    },
  };
  const input: GroupRequestInput = {
    organisationId: 'org-1',
    deviceFunction: 'SET_LIGHT',
    command: { kind: 'setLight', lightValues: [{ index: 0, on: true }] },
    target: { groupId: 'group-1' },
    options: { attemptTimeoutMs: 30_000, maxAttempts, maxConcurrency },
    ...(tuning ? { tuning } : {}),
  };
  const outcome = await suite.runPlatformWorkers(
    {
      core: { ...records.activities, ...group, ...notifications.activities },
      adapter: {
        taskQueue: 'adapter-oslp',
        activities: adapter,
        // Heartbeats reach Temporal within a second, as in the OSLP adapter (worker/oslp-adapter.ts): otherwise a
        // cancellation waits for the default throttle (80 % of the 10 s heartbeat timeout).
        maxHeartbeatThrottleInterval: '1 second',
        defaultHeartbeatThrottleInterval: '1 second',
      },
    },
    async () => {
      const handle = await suite.env.client.workflow.start('groupRequestWorkflow', {
        taskQueue: 'core',
        workflowId: run.workflowId,
        args: [input],
      });
      if (during) await during(run.workflowId, run);
      return (handle.result() as Promise<RequestSummary>).catch((error: Error) => error);
    },
  );
  return { ...run, outcome };
}

test('pages through the group in batches, continues as new, and ends with a result for every device', async () => {
  const devices = fleet(23);
  devices[4].refusal = 'DEVICE_IN_MAINTENANCE';
  devices[17].refusal = 'UNAUTHORIZED';
  const run = await runGroupRequest(devices, {
    tuning: { batchSize: 4, maxChildrenInFlight: 2, maxBatchesPerRun: 2 },
    maxConcurrency: 10,
  });
  expect(run.outcome).toMatchObject({ state: 'NOT_OK', total: 23, done: 23, ok: 21, failed: 2 });
  expect(run.completed).toBe('NOT_OK');
  expect(run.results.size).toBe(23);
  expect(run.results.get('D005')).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_IN_MAINTENANCE' });
  expect(run.results.get('D018')).toMatchObject({ result: 'NOT_OK', errorCode: 'UNAUTHORIZED' });
  expect(run.results.get('D001')).toMatchObject({ result: 'OK', attempts: 1 });
  // 6 pages of at most 4 devices, read in order; the total is counted once; 2 batches per run: 3 runs.
  expect(run.pageReads.map((p) => p.after)).toEqual([undefined, 'id-004', 'id-008', 'id-012', 'id-016', 'id-020']);
  expect(run.pageReads.filter((p) => p.countTotal)).toHaveLength(1);
  expect(run.pageRuns.size).toBe(3);
  // One child per batch, ids numbered across runs; refused devices are never sent to.
  expect(new Set(run.batchCalls.map((c) => c.workflowId))).toEqual(new Set([0, 1, 2, 3, 4, 5].map((n) => `${run.workflowId}-batch-${n}`)));
  expect(run.batchCalls.flatMap((c) => c.deviceIdentifications)).not.toContain('D005');
  // maxConcurrency 10 over 2 children in flight: 5 exchanges each.
  expect(run.batchCalls.every((c) => c.concurrency === 5)).toBe(true);
});

test('retries transient devices only, in later calls, up to maxAttempts; permanent failures end at once', async () => {
  const run = await runGroupRequest(fleet(5), {
    maxAttempts: 3,
    behaviours: {
      D001: async (attempt) => (attempt < 3 ? transient(attempt) : ok(attempt)),
      D002: permanent,
      D003: transient,
    },
  });
  expect(run.outcome).toMatchObject({ state: 'NOT_OK', total: 5, ok: 3, failed: 2 });
  expect(run.results.get('D001')).toMatchObject({ result: 'OK', attempts: 3 });
  expect(run.results.get('D002')).toMatchObject({ result: 'NOT_OK', attempts: 1, errorCode: 'DEVICE_REJECTED' });
  expect(run.results.get('D003')).toMatchObject({ result: 'NOT_OK', attempts: 3, errorCode: 'CONNECT_FAILED' });
  expect(run.results.get('D004')).toMatchObject({ result: 'OK', attempts: 1 });
  // Round 1 has every device; later rounds only the transient ones.
  expect(run.batchCalls.map((c) => [c.attempt, [...c.deviceIdentifications].sort()])).toEqual([
    [1, ['D001', 'D002', 'D003', 'D004', 'D005']],
    [2, ['D001', 'D003']],
    [3, ['D001', 'D003']],
  ]);
});

test('the progress query reports live totals, with the devices a running batch has recorded so far', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const seen: RequestProgress[] = [];
  const run = await runGroupRequest(fleet(6), {
    tuning: { batchSize: 3, maxChildrenInFlight: 2 },
    behaviours: {
      D002: permanent,
      // Batch 1 (D004-D006): D005 and D006 are recorded in its first round; D004 is retried and held.
      D004: async (attempt) => {
        if (attempt === 1) return transient(attempt);
        await held;
        return ok(attempt);
      },
    },
    during: async (workflowId) => {
      const handle = suite.env.client.workflow.getHandle(workflowId);
      for (let i = 0; i < 200 && seen.length === 0; i++) {
        const progress = await handle.query<RequestProgress>('progress');
        if (progress.done === 5) seen.push(progress);
        else await new Promise((r) => setTimeout(r, 100));
      }
      release();
    },
  });
  expect(seen).toEqual([{ total: 6, done: 5, ok: 4, failed: 1 }]);
  expect(run.outcome).toMatchObject({ state: 'NOT_OK', total: 6, done: 6, ok: 5, failed: 1 });
});

test('cancelled, it stops sending, records CANCELLED for every device without a result and ends CANCELLED', async () => {
  let sendingToHeld!: () => void;
  const heldStarted = new Promise<void>((resolve) => (sendingToHeld = resolve));
  let cancelSeen!: () => void;
  const cancelReached = new Promise<void>((resolve) => (cancelSeen = resolve));
  const hang: Behaviour = async () => {
    sendingToHeld();
    const context = Context.current();
    for (;;) {
      context.heartbeat();
      try {
        await context.sleep(100);
      } catch (error) {
        cancelSeen();
        throw error;
      }
    }
  };
  const run = await runGroupRequest(fleet(8), {
    tuning: { batchSize: 2, maxChildrenInFlight: 1 },
    // D004 answers at once, D003 holds its call until the cancellation reaches it.
    behaviours: { D003: hang },
    during: async (workflowId) => {
      await heldStarted;
      await suite.env.client.workflow.getHandle(workflowId).cancel();
      // The running batch call learns of the cancellation through its heartbeat.
      await cancelReached;
    },
  });
  expect(run.outcome).toBeInstanceOf(WorkflowFailedError);
  expect((run.outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(run.completed).toBe('CANCELLED');
  // The organisation hears of a cancelled request as of any finished one.
  expect(run.notified).toEqual(['CANCELLED']);
  expect(run.results.get('D001')).toMatchObject({ result: 'OK' });
  expect(run.results.get('D002')).toMatchObject({ result: 'OK' });
  // The cancelled call said D004 had answered: it keeps its OK.
  expect(run.results.get('D004')).toMatchObject({ result: 'OK', attempts: 1 });
  for (const id of ['D003', 'D005', 'D006', 'D007', 'D008']) {
    expect(run.results.get(id)).toMatchObject({ result: 'NOT_OK', errorCode: 'CANCELLED' });
  }
  // Nothing was sent to the devices after the cancelled batch.
  expect(run.batchCalls.flatMap((c) => c.deviceIdentifications)).toEqual(['D001', 'D002', 'D003', 'D004']);
});

test('a cancelled request on named devices (runDeviceRequest) starts no more devices and records CANCELLED for the rest', async () => {
  const records = fakeRequestRecords();
  const notifications = notificationsWithoutWebhook();
  const calls: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let heldCount = 0;
  let bothHeld!: () => void;
  const held = new Promise<void>((resolve) => (bothHeld = resolve));
  const adapter = {
    async executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      calls.push(request.deviceIdentification);
      if (request.deviceIdentification !== 'L001') {
        if (++heldCount === 2) bothHeld();
        await released;
      }
      return { response: { kind: 'setLight' }, attempt: 1 };
    },
  };
  const devices = ['L001', 'L002', 'L003', 'L004', 'L005', 'L006'];
  const outcome = await suite.runPlatformWorkers(
    {
      core: { ...records.activities, ...notifications.activities },
      adapter: { taskQueue: 'adapter-oslp', activities: adapter },
    },
    async () => {
      const handle = await suite.env.client.workflow.start('setLightWorkflow', {
        taskQueue: 'core',
        workflowId: `list-${randomUUID()}`,
        args: [
          {
            devices: devices.map((deviceIdentification) => ({ deviceIdentification, protocol: 'OSLP' })),
            options: { attemptTimeoutMs: 30_000, maxAttempts: 3, maxConcurrency: 2 },
            lightValues: [{ index: 0, on: true }],
          },
        ],
      });
      await held;
      await handle.cancel();
      const result = await handle.result().catch((error: Error) => error);
      release();
      return result;
    },
  );
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(records.completed).toBe('CANCELLED');
  expect(notifications.prepared.map((p) => p.state)).toEqual(['CANCELLED']);
  expect([...calls].sort()).toEqual(['L001', 'L002', 'L003']);
  expect(records.results.get('L001')).toMatchObject({ result: 'OK' });
  for (const id of devices.slice(1)) expect(records.results.get(id)).toMatchObject({ result: 'NOT_OK', errorCode: 'CANCELLED' });
});
