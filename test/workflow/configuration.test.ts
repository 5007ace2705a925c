/**
 * The configuration workflows on the time-skipping test server: what the devices that answered OK reported
 * (getConfiguration) or accepted (setConfiguration) is handed to the core to keep, and nothing for a device
 * that refused; the request record gets each device's result as every device request does. The adapter and
 * core activities are in-memory stand-ins; test/integration/configuration.test.ts runs the real ones.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords, notificationsWithoutWebhook } from '../support/workflow-fakes';
import type { DeviceCommand, DeviceCommandOutcome, DeviceCommandRequest } from '../../common/device-commands';
import type { DeviceConfiguration } from '../../common/device-configuration';
import type { ConfigurationActivities } from '../../activities/configuration';
import type { RequestSummary } from '../../workflows/common/device-request';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(workflowsPath);
const options: DeviceRequestOptions = { attemptTimeoutMs: 30_000, maxAttempts: 2, maxConcurrency: 10 };
const reported: DeviceConfiguration = { lightType: 'RELAY', timeSyncFrequency: 600 };

function refusal(attempt: number) {
  return ApplicationFailure.create({ type: 'DEVICE_REJECTED', message: 'rejected', nonRetryable: true, details: [{ attempt }] });
}

async function runWorkflow(workflow: string, args: Record<string, unknown>, refusing: readonly string[]) {
  const records = fakeRequestRecords();
  const kept: Array<Parameters<ConfigurationActivities[keyof ConfigurationActivities]>[0]> = [];
  const sent: DeviceCommand[] = [];
  const configuration: ConfigurationActivities = {
    async recordReportedConfigurations(input) {
      kept.push(input);
    },
    async recordAcceptedConfiguration(input) {
      kept.push(input);
    },
  };
  const adapter = {
    async executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      sent.push(request.command);
      const { attempt } = Context.current().info;
      if (refusing.includes(request.deviceIdentification)) throw refusal(attempt);
      return {
        response: request.command.kind === 'getConfiguration' ? { kind: 'getConfiguration', configuration: reported } : { kind: 'setConfiguration' },
        attempt,
      };
    },
  };
  const summary = await suite.runPlatformWorkers(
    { core: { ...records.activities, ...notificationsWithoutWebhook().activities, ...configuration }, adapter: { taskQueue: 'adapter-oslp', activities: adapter } },
    async () =>
      (await suite.env.client.workflow.execute(workflow, {
        taskQueue: 'core',
        workflowId: `test-${randomUUID()}`,
        args: [{ devices: ['A', 'B', 'C'].map((deviceIdentification) => ({ deviceIdentification, protocol: 'OSLP' })), options, ...args }],
      })) as RequestSummary,
  );
  return { summary, kept, sent, results: records.results };
}

test('getConfiguration keeps what each device that answered reported, and only theirs', async () => {
  const { summary, kept, results } = await runWorkflow('getConfigurationWorkflow', {}, ['B']);
  expect(summary).toMatchObject({ state: 'NOT_OK', ok: 2, failed: 1 });
  expect(kept).toEqual([
    {
      reports: expect.arrayContaining([
        { deviceIdentification: 'A', configuration: reported },
        { deviceIdentification: 'C', configuration: reported },
      ]),
    },
  ]);
  expect((kept[0] as { reports: unknown[] }).reports).toHaveLength(2);
  expect(results.get('A')).toMatchObject({ result: 'OK', data: { kind: 'getConfiguration', configuration: reported } });
  expect(results.get('B')).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_REJECTED' });
});

test('setConfiguration sends the change to every device and keeps it for those that accepted it', async () => {
  const change: DeviceConfiguration = { timeSyncFrequency: 60, testButtonEnabled: false };
  const { summary, kept, sent } = await runWorkflow('setConfigurationWorkflow', { configuration: change }, ['A']);
  expect(summary).toMatchObject({ state: 'NOT_OK', ok: 2, failed: 1 });
  expect(sent).toEqual(Array(3).fill({ kind: 'setConfiguration', configuration: change }));
  expect(kept).toEqual([{ deviceIdentifications: expect.arrayContaining(['B', 'C']), configuration: change }]);
});

test('when every device refuses, nothing is kept', async () => {
  const { summary, kept } = await runWorkflow('setConfigurationWorkflow', { configuration: { dhcpEnabled: true } }, ['A', 'B', 'C']);
  expect(summary).toMatchObject({ state: 'NOT_OK', ok: 0, failed: 3 });
  expect(kept).toEqual([]);
});
