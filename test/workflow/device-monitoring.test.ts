/**
 * The device monitoring run on the time-skipping test server, with in-memory stand-ins for the core's
 * monitoring activities and the OSLP and DLMS adapters: silent devices are asked per protocol (OSLP in batches
 * through the batch activity, DLMS meters by a clock read), every asked device is handed to the settling step
 * with the check's start, a failing batch does not fail the run, and drifting meters get the platform's time.
 * test/integration/device-monitoring.test.ts runs the real activities against simulators.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import type { DeviceBatchRequest, DeviceBatchResult, DeviceCommandOutcome, DlmsCommandRequest } from '../../common/device-commands';
import type { MonitoringActivities, MonitoringCheckStart } from '../../activities/monitoring';
import type { DeviceMonitoringInput, DeviceMonitoringSummary } from '../../workflows/core/device-monitoring';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(workflowsPath);

const input: DeviceMonitoringInput = { silentAfterMs: 60_000, maxClockDeviationMs: 30_000, attemptTimeoutMs: 20_000, batchSize: 2, concurrency: 5 };

interface Recorded {
  batches: DeviceBatchRequest[];
  meterCommands: DlmsCommandRequest[];
  settled: Array<Parameters<MonitoringActivities['settleCommunicationStates']>[0]>;
}

async function runMonitoring(
  check: MonitoringCheckStart,
  options: { failBatch?: (request: DeviceBatchRequest) => boolean; silentMeters?: Set<string>; drifting?: string[] } = {},
): Promise<{ summary: DeviceMonitoringSummary; recorded: Recorded }> {
  const recorded: Recorded = { batches: [], meterCommands: [], settled: [] };
  const core: MonitoringActivities = {
    startMonitoringCheck: async () => check,
    settleCommunicationStates: async (request) => {
      recorded.settled.push(request);
      return { lost: request.polled.filter((id) => id.startsWith('SILENT')), restored: [] };
    },
    findDriftingDevices: async ({ protocol }) => (protocol === 'DLMS' ? (options.drifting ?? []) : []),
  };
  const oslp = {
    async executeDeviceCommandBatch(request: DeviceBatchRequest): Promise<DeviceBatchResult> {
      recorded.batches.push(request);
      if (options.failBatch?.(request)) throw ApplicationFailure.nonRetryable('the adapter broke', 'BROKEN');
      return { results: request.deviceIdentifications.map((id) => ({ deviceIdentification: id, outcome: 'OK', finishedAtMs: 0 })) };
    },
  };
  const dlms = {
    async executeDeviceCommand(request: DlmsCommandRequest): Promise<DeviceCommandOutcome> {
      recorded.meterCommands.push(request);
      if (options.silentMeters?.has(request.deviceIdentification)) throw ApplicationFailure.create({ type: 'CONNECTION', message: 'no answer' });
      return { attempt: 1, response: { kind: 'dlms', actions: request.command.actions.map((a) => ({ id: a.id, outcome: 'OK', results: [] })) } };
    },
  };
  const summary = await suite.runWorkers(
    [
      { taskQueue: 'core', runsWorkflows: true, activities: core },
      { taskQueue: 'adapter-oslp', activities: oslp },
      { taskQueue: 'adapter-dlms', activities: dlms },
    ],
    () =>
      suite.env.client.workflow.execute('deviceMonitoringWorkflow', {
        taskQueue: 'core',
        workflowId: `monitoring-${randomUUID()}`,
        args: [input],
      }),
  );
  return { summary: summary as DeviceMonitoringSummary, recorded };
}

test('silent OSLP devices are asked for their status in batches, meters by a clock read, and all of them are settled', async () => {
  const check: MonitoringCheckStart = {
    checkStartedAtMs: 1_700_000_000_000,
    devices: [
      { deviceIdentification: 'SILENT-1', protocol: 'OSLP' },
      { deviceIdentification: 'L-2', protocol: 'OSLP' },
      { deviceIdentification: 'SILENT-3', protocol: 'OSLP' },
      { deviceIdentification: 'M-1', protocol: 'DLMS' },
    ],
  };
  const { summary, recorded } = await runMonitoring(check);
  // Batches of input.batchSize, each one attempt of getStatus under the run's id.
  expect(recorded.batches.map((b) => b.deviceIdentifications)).toEqual([['SILENT-1', 'L-2'], ['SILENT-3']]);
  expect(recorded.batches.every((b) => b.command.kind === 'getStatus' && b.attempt === 1 && b.concurrency === 5)).toBe(true);
  expect(recorded.meterCommands).toHaveLength(1);
  expect(recorded.meterCommands[0]!.command.actions[0]!.operations).toEqual([{ op: 'get', attribute: { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 } }]);
  // Every asked device is settled, against the moment the check started.
  expect(recorded.settled).toEqual([{ polled: ['SILENT-1', 'L-2', 'SILENT-3', 'M-1'], checkStartedAtMs: check.checkStartedAtMs }]);
  expect(summary).toEqual({ asked: 4, lost: ['SILENT-1', 'SILENT-3'], restored: [], clocksSynchronised: [] });
});

test('a failing batch or a silent meter does not fail the run: their devices are settled as not heard from', async () => {
  const check: MonitoringCheckStart = {
    checkStartedAtMs: 1_700_000_000_000,
    devices: [
      { deviceIdentification: 'SILENT-1', protocol: 'OSLP' },
      { deviceIdentification: 'SILENT-2', protocol: 'OSLP' },
      { deviceIdentification: 'SILENT-M', protocol: 'DLMS' },
    ],
  };
  const { summary, recorded } = await runMonitoring(check, { failBatch: () => true, silentMeters: new Set(['SILENT-M']) });
  expect(recorded.settled[0]!.polled).toEqual(['SILENT-1', 'SILENT-2', 'SILENT-M']);
  expect(summary.lost).toEqual(['SILENT-1', 'SILENT-2', 'SILENT-M']);
});

test('nothing silent: nothing is sent, and the settling step still restores devices heard from', async () => {
  const { summary, recorded } = await runMonitoring({ checkStartedAtMs: 1, devices: [] });
  expect(recorded.batches).toHaveLength(0);
  expect(recorded.meterCommands).toHaveLength(0);
  expect(recorded.settled).toEqual([{ polled: [], checkStartedAtMs: 1 }]);
  expect(summary.asked).toBe(0);
});

test('meters whose clock drifted beyond the maximum get the platform time; one that does not answer is not counted', async () => {
  const { summary, recorded } = await runMonitoring({ checkStartedAtMs: 1, devices: [] }, { drifting: ['M-1', 'M-2'], silentMeters: new Set(['M-2']) });
  expect(recorded.meterCommands.map((c) => c.deviceIdentification).sort()).toEqual(['M-1', 'M-2']);
  const operations = recorded.meterCommands[0]!.command.actions[0]!.operations;
  expect(operations[1]).toEqual({ op: 'set', attribute: { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 }, value: { type: 'date-time-now' } });
  expect(summary.clocksSynchronised).toEqual(['M-1']);
});
