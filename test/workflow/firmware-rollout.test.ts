/**
 * The staged firmware rollout on the time-skipping test server: waves in order, each a child workflow; the
 * pause when a wave's failure rate passes the threshold (and nothing of the next wave sent meanwhile); resume;
 * a device that never reports the new version failing at the wave's timeout; abort with the failed devices
 * switched back. Devices and core activities are in-memory stand-ins; test/integration runs the real ones.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords, notificationsWithoutWebhook } from '../support/workflow-fakes';
import type { DeviceBatchRequest, DeviceBatchResult, DeviceCommandOutcome, DeviceCommandRequest } from '../../common/device-commands';
import type { FirmwareActivities } from '../../activities/firmware';
import type { RolloutPaused } from '../../core/firmware/rollout-notifications';
import type { RolloutProgress } from '../../core/firmware/rollout-model';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import type { FirmwareRolloutInput } from '../../workflows/core/firmware-rollout';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(180_000);

const suite = useTimeSkippingEnvironment(workflowsPath);
const options: DeviceRequestOptions = { attemptTimeoutMs: 10_000, maxAttempts: 2, maxConcurrency: 5, notify: true };

type Fault = 'none' | 'reject-update' | 'never-report';

interface FakeDevice {
  version: string;
  held: string[];
  fault: Fault;
  updates: number;
  switches: string[];
  /** Polls left before the device answers again after its restart. */
  restarting: number;
}

function fleet(count: number, faults: Record<number, Fault> = {}): Map<string, FakeDevice> {
  return new Map(
    Array.from({ length: count }, (_, i) => [
      `D${String(i).padStart(3, '0')}`,
      { version: 'R01', held: ['R01'], fault: faults[i] ?? 'none', updates: 0, switches: [], restarting: 0 },
    ]),
  );
}

async function runRollout(
  devices: Map<string, FakeDevice>,
  input: Pick<FirmwareRolloutInput, 'waves' | 'failureThresholdPercent'> & Partial<FirmwareRolloutInput>,
  steer: (handle: { query(): Promise<RolloutProgress>; signal(name: string, arg?: unknown): Promise<void> }, skip: (ms: number) => Promise<void>) => Promise<void>,
) {
  const records = fakeRequestRecords();
  const paused: RolloutPaused[] = [];
  const firmware: FirmwareActivities = {
    async firmwareDownloads({ deviceIdentifications }) {
      return deviceIdentifications.map((deviceIdentification) => ({ deviceIdentification, firmwareDomain: 'platform:3000', firmwareUrl: `/firmware/f/${deviceIdentification}` }));
    },
    async recordFirmwareReports({ reports }) {
      return reports.length;
    },
    async latestFirmwareVersions() {
      return {};
    },
    async resolveRolloutDevices() {
      return {
        devices: [...devices.keys()].map((deviceIdentification) => ({ deviceIdentification, protocol: 'OSLP' as const, previousVersion: 'R01' })),
        refused: 0,
      };
    },
    async notifyRolloutPaused(input) {
      paused.push(input);
    },
  };
  const adapter = {
    // Polls go as one batch per round, one attempt per device.
    async executeDeviceCommandBatch({ deviceIdentifications, command }: DeviceBatchRequest): Promise<DeviceBatchResult> {
      const results = await Promise.all(
        deviceIdentifications.map(async (deviceIdentification) => {
          try {
            const outcome = await adapter.executeDeviceCommand({ correlationUid: 'batch', deviceIdentification, command });
            return { deviceIdentification, outcome: 'OK' as const, response: outcome.response, finishedAtMs: Date.now() };
          } catch (error) {
            return { deviceIdentification, outcome: 'TRANSIENT_FAILURE' as const, errorCode: 'ECONNREFUSED', message: String(error), finishedAtMs: Date.now() };
          }
        }),
      );
      return { results };
    },
    async executeDeviceCommand({ deviceIdentification, command }: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      const device = devices.get(deviceIdentification)!;
      switch (command.kind) {
        case 'updateFirmware':
          device.updates += 1;
          if (device.fault === 'reject-update') throw ApplicationFailure.nonRetryable('device refused the update', 'DEVICE_REJECTED', { attempt: 1 });
          if (device.fault === 'none') {
            device.version = 'R02';
            device.held.push('R02');
            device.restarting = 1;
          }
          return { response: { kind: 'updateFirmware' }, attempt: 1 };
        case 'getFirmwareVersion':
          if (device.restarting > 0) {
            device.restarting -= 1;
            throw ApplicationFailure.retryable('connection refused', 'ECONNREFUSED');
          }
          return { response: { kind: 'getFirmwareVersion', firmwareVersion: device.version }, attempt: 1 };
        case 'switchFirmware':
          device.switches.push(command.newFirmwareVersion);
          device.version = command.newFirmwareVersion;
          return { response: { kind: 'switchFirmware' }, attempt: 1 };
        default:
          throw ApplicationFailure.nonRetryable(`unexpected ${command.kind}`, 'UNSUPPORTED_COMMAND');
      }
    },
  };
  const workflowId = `rollout-${randomUUID()}`;
  const result = await suite.runPlatformWorkers(
    {
      core: { ...records.activities, ...notificationsWithoutWebhook().activities, ...firmware },
      adapter: { taskQueue: 'adapter-oslp', activities: adapter },
    },
    async () => {
      const handle = await suite.env.client.workflow.start('firmwareRolloutWorkflow', {
        taskQueue: 'core',
        workflowId,
        args: [
          {
            organisationId: 'org',
            firmwareId: 'fw',
            firmwareIdentification: 'FW-R02',
            version: 'R02',
            target: { deviceIdentifications: [...devices.keys()] },
            waveTimeoutMs: 60_000,
            pollIntervalMs: 5_000,
            rollbackFailed: false,
            options,
            ...input,
          } satisfies FirmwareRolloutInput,
        ],
      });
      await steer(
        { query: () => handle.query<RolloutProgress>('rolloutProgress'), signal: (name, arg) => (arg === undefined ? handle.signal(name) : handle.signal(name, arg)) },
        (ms) => suite.env.sleep(ms),
      );
      return (await handle.result()) as RolloutProgress;
    },
  );
  return { result, records, paused };
}

/** Lets server time pass until the rollout is in `state`. */
async function until(handle: { query(): Promise<RolloutProgress> }, skip: (ms: number) => Promise<void>, check: (p: RolloutProgress) => boolean): Promise<RolloutProgress> {
  for (let i = 0; i < 200; i++) {
    const progress = await handle.query();
    if (check(progress)) return progress;
    await skip(2_000);
  }
  throw new Error('the rollout never got there');
}

test('waves run in order, each device is updated once and counted OK once it reports the new version', async () => {
  const devices = fleet(10);
  const { result, records } = await runRollout(devices, { waves: [10, 30, 60], failureThresholdPercent: 0 }, async () => {});
  expect(result.state).toBe('COMPLETED');
  expect(result.waves.map((w) => [w.size, w.ok, w.failed, w.state])).toEqual([
    [1, 1, 0, 'DONE'],
    [3, 3, 0, 'DONE'],
    [6, 6, 0, 'DONE'],
  ]);
  expect([...devices.values()].every((d) => d.updates === 1 && d.version === 'R02')).toBe(true);
  expect(records.completed).toBe('OK');
  expect([...records.results.values()].every((r) => r.result === 'OK')).toBe(true);
});

test('a wave above the threshold pauses the rollout, sends nothing of the next wave, notifies, and resumes on request', async () => {
  const devices = fleet(10, { 1: 'reject-update' });
  const ids = [...devices.keys()];
  const { result, records, paused } = await runRollout(devices, { waves: [20, 80], failureThresholdPercent: 25 }, async (handle, skip) => {
    const progress = await until(handle, skip, (p) => p.state === 'PAUSED');
    expect(progress.pauseReason).toContain('wave 1');
    expect(progress.waves[0]).toMatchObject({ size: 2, ok: 1, failed: 1, failureRate: 0.5 });
    expect(progress.waves[1].state).toBe('WAITING');
    await skip(60_000);
    // Still paused after a minute: the second wave was sent nothing.
    expect((await handle.query()).state).toBe('PAUSED');
    expect(ids.slice(2).every((id) => devices.get(id)!.updates === 0)).toBe(true);
    await handle.signal('resumeRollout');
  });
  expect(paused).toHaveLength(1);
  expect(paused[0]).toMatchObject({ wave: 1, failed: 1 });
  expect(result).toMatchObject({ state: 'COMPLETED', total: 10, ok: 9, failed: 1 });
  expect(records.completed).toBe('NOT_OK');
  expect(records.results.get(ids[1])).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_REJECTED' });
});

test('a device that takes the update but never reports the new version fails at the wave timeout', async () => {
  const devices = fleet(4, { 2: 'never-report' });
  const { result, records } = await runRollout(devices, { waves: [100], failureThresholdPercent: 50, waveTimeoutMs: 30_000 }, async () => {});
  expect(result).toMatchObject({ state: 'COMPLETED', ok: 3, failed: 1 });
  expect(records.results.get('D002')).toMatchObject({ result: 'NOT_OK', errorCode: 'FIRMWARE_VERSION_NOT_REPORTED' });
});

test('abort ends a paused rollout: devices not reached are ROLLOUT_ABORTED, failed ones switched back to their previous version', async () => {
  const devices = fleet(10, { 0: 'never-report' });
  const { result, records } = await runRollout(devices, { waves: [20, 80], failureThresholdPercent: 10, waveTimeoutMs: 20_000 }, async (handle, skip) => {
    await until(handle, skip, (p) => p.state === 'PAUSED');
    await handle.signal('abortRollout', { rollbackFailed: true });
  });
  expect(result).toMatchObject({ state: 'ABORTED', total: 10, ok: 1, failed: 9, rolledBack: 1 });
  expect(records.completed).toBe('CANCELLED');
  expect(devices.get('D000')!.switches).toEqual(['R01']);
  const aborted = [...records.results.values()].filter((r) => r.errorCode === 'ROLLOUT_ABORTED');
  expect(aborted).toHaveLength(8);
  expect([...devices.values()].slice(2).every((d) => d.updates === 0)).toBe(true);
});

test('pause by signal holds the next wave until resumed', async () => {
  const devices = fleet(4);
  const { result } = await runRollout(devices, { waves: [50, 50], failureThresholdPercent: 100 }, async (handle, skip) => {
    await handle.signal('pauseRollout');
    const progress = await until(handle, skip, (p) => p.state === 'PAUSED');
    expect(progress.pauseReason).toBe('paused on request');
    await skip(60_000);
    const later = await handle.query();
    expect(later.state).toBe('PAUSED');
    expect(later.waves.every((w) => w.state === 'WAITING')).toBe(true);
    expect([...devices.values()].every((d) => d.updates === 0)).toBe(true);
    await handle.signal('resumeRollout');
  });
  expect(result).toMatchObject({ state: 'COMPLETED', ok: 4, failed: 0 });
});
