/**
 * The smart metering request workflow on the time-skipping test server: only the actions that failed
 * transiently are sent again (after a backoff), an action that keeps failing ends NOT_OK after the maximum
 * attempts while the others are done after one, a permanent association failure (wrong keys) ends every action
 * at once without retry, and decoding happens in the workflow. The DLMS adapter and the core activities are
 * in-memory stand-ins here; test/integration/smart-metering.test.ts runs the real ones against a Gurux meter.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords, notificationsWithoutWebhook } from '../support/workflow-fakes';
import type { DeviceCommandOutcome, DlmsActionResult, DlmsCommandRequest, MeterActionResult } from '../../common/device-commands';
import type { DeviceResultRecord } from '../../core/requests/records';
import type { RequestSummary } from '../../workflows/common/device-request';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import type { SmartMeteringAction } from '../../workflows/smart-metering/domain/actions';
import { workflowsPath } from '../../worker/core-worker';

jest.setTimeout(120_000);

const suite = useTimeSkippingEnvironment(workflowsPath);

const options: DeviceRequestOptions = { attemptTimeoutMs: 30_000, maxAttempts: 3, maxConcurrency: 10 };

/** Runs bundleWorkflow for one meter; `behaviour` answers each action of each adapter call (1-based). */
async function runBundle(
  actions: SmartMeteringAction[],
  behaviour: (action: SmartMeteringAction, call: number) => Omit<DlmsActionResult, 'id'>,
  associationFailure?: (call: number) => ApplicationFailure | undefined,
): Promise<{ summary: RequestSummary; result: DeviceResultRecord; calls: string[][]; callTimes: number[] }> {
  const calls: string[][] = [];
  const callTimes: number[] = [];
  const records = fakeRequestRecords();
  const adapter = {
    async executeDeviceCommand(request: DlmsCommandRequest): Promise<DeviceCommandOutcome> {
      calls.push(request.command.actions.map((a) => a.id));
      // Server time (skipped ahead over timers), not the wall clock.
      callTimes.push(Context.current().info.currentAttemptScheduledTimestampMs);
      const call = calls.length;
      const failure = associationFailure?.(call);
      if (failure) throw failure;
      return {
        attempt: request.command.attempt ?? 1,
        response: { kind: 'dlms', actions: request.command.actions.map((a) => ({ id: a.id, ...behaviour(actions[Number(a.id)]!, call) })) },
      };
    },
  };
  const summary = await suite.runPlatformWorkers(
    {
      core: { ...records.activities, ...notificationsWithoutWebhook().activities },
      adapter: { taskQueue: 'adapter-dlms', activities: adapter },
    },
    async () =>
      suite.env.client.workflow.execute('bundleWorkflow', {
        taskQueue: 'core',
        workflowId: `test-${randomUUID()}`,
        args: [{ devices: [{ deviceIdentification: 'E-1', protocol: 'DLMS' }], options, actions }],
      }),
  );
  return { summary: summary as RequestSummary, result: records.results.get('E-1')!, calls, callTimes };
}

const alarmRegister = (value: number): Omit<DlmsActionResult, 'id'> => ({ outcome: 'OK', results: [{ ok: true, value: { type: 'uint32', value } }] });
const droppedLink: Omit<DlmsActionResult, 'id'> = { outcome: 'TRANSIENT_FAILURE', errorCode: 'CONNECTION', message: 'meter closed the connection' };
const actionsOf = (result: DeviceResultRecord) => (result.data as { kind: 'smartMetering'; actions: MeterActionResult[] }).actions;

test('an action that keeps failing transiently is retried alone until the maximum attempts, then NOT_OK; the others are done once', async () => {
  const actions: SmartMeteringAction[] = [{ action: 'readAlarmRegister' }, { action: 'clearAlarmRegister' }, { action: 'readAlarmRegister' }];
  const { summary, result, calls, callTimes } = await runBundle(actions, (action, call) =>
    action.action === 'clearAlarmRegister' ? droppedLink : alarmRegister(call),
  );
  expect(calls).toEqual([['0', '1', '2'], ['1'], ['1']]);
  // A backoff (Temporal timer) before each retry: 1 s, then 2 s.
  expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(1000);
  expect(callTimes[2]! - callTimes[1]!).toBeGreaterThanOrEqual(2000);
  expect(summary).toMatchObject({ state: 'NOT_OK', total: 1, failed: 1 });
  expect(result).toMatchObject({ result: 'NOT_OK', attempts: 3, errorCode: 'CONNECTION' });
  expect(actionsOf(result)).toEqual([
    { index: 0, action: 'readAlarmRegister', result: 'OK', attempts: 1, data: { alarmRegister: 1, alarmTypes: ['CLOCK_INVALID'] } },
    { index: 1, action: 'clearAlarmRegister', result: 'NOT_OK', attempts: 3, errorCode: 'CONNECTION', message: 'meter closed the connection' },
    { index: 2, action: 'readAlarmRegister', result: 'OK', attempts: 1, data: { alarmRegister: 1, alarmTypes: ['CLOCK_INVALID'] } },
  ]);
});

test('an action that succeeds on its second try ends OK; a refused one is not tried again', async () => {
  const actions: SmartMeteringAction[] = [{ action: 'readAlarmRegister' }, { action: 'getFirmwareVersion' }, { action: 'readAlarmRegister' }];
  const { summary, result, calls } = await runBundle(actions, (action, call) => {
    if (action.action === 'getFirmwareVersion') return { outcome: 'PERMANENT_FAILURE', errorCode: 'DATA_ACCESS', message: 'object-undefined' };
    return call === 1 && actions.indexOf(action) === 0 ? droppedLink : alarmRegister(4);
  });
  // The first read was cut off; the refused firmware read is final; only the first read goes again.
  expect(calls).toEqual([['0', '1', '2'], ['0']]);
  expect(summary.state).toBe('NOT_OK');
  expect(actionsOf(result).map((a) => [a.action, a.result, a.attempts, a.errorCode])).toEqual([
    ['readAlarmRegister', 'OK', 2, undefined],
    ['getFirmwareVersion', 'NOT_OK', 1, 'DATA_ACCESS'],
    ['readAlarmRegister', 'OK', 1, undefined],
  ]);
  expect(result.message).toBe('1 of 3 actions failed: 1:getFirmwareVersion DATA_ACCESS');
});

test('wrong keys: the association fails permanently, every action ends NOT_OK after one call', async () => {
  const actions: SmartMeteringAction[] = [{ action: 'readAlarmRegister' }, { action: 'getActualMeterReads' }];
  const { result, calls } = await runBundle(
    actions,
    () => alarmRegister(0),
    () => ApplicationFailure.create({ type: 'AUTHENTICATION_FAILED', message: 'E-1: HLS pass 4 did not verify', nonRetryable: true, details: [{ attempt: 1 }] }),
  );
  expect(calls).toHaveLength(1);
  expect(result).toMatchObject({ result: 'NOT_OK', attempts: 1, errorCode: 'AUTHENTICATION_FAILED' });
  expect(actionsOf(result).every((a) => a.result === 'NOT_OK' && a.attempts === 1 && a.errorCode === 'AUTHENTICATION_FAILED')).toBe(true);
});

test('a meter that cannot be reached at all: the whole bundle is tried again, then NOT_OK with the transport reason', async () => {
  const { result, calls } = await runBundle(
    [{ action: 'readAlarmRegister' }],
    () => alarmRegister(0),
    () => ApplicationFailure.create({ type: 'CONNECTION', message: 'E-1: connection refused', details: [{ attempt: 1 }] }),
  );
  expect(calls).toEqual([['0'], ['0'], ['0']]);
  expect(result).toMatchObject({ result: 'NOT_OK', attempts: 3, errorCode: 'CONNECTION', message: 'E-1: connection refused' });
});

test('data the domain cannot read is NOT_OK as unexpected meter data, not retried', async () => {
  const { result, calls } = await runBundle([{ action: 'readAlarmRegister' }], () => ({
    outcome: 'OK',
    results: [{ ok: true, value: { type: 'visible-string', value: 'not a number' } }],
  }));
  expect(calls).toHaveLength(1);
  expect(result).toMatchObject({ result: 'NOT_OK', errorCode: 'UNEXPECTED_METER_DATA' });
});
