// Platform-side scheduled lighting: what each run of a lighting schedule's Temporal Schedule does.
// Every switching is an ordinary request: a request record (created by an activity, correlation uid
// derived from the run so a repeated run finds it and never switches twice) and a child workflow with that
// correlation uid as its id: setLightWorkflow for device lists (at most 1,000 devices per request) or
// groupRequestWorkflow for a group. Children outlive the run (ABANDON), like requests started by the API.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { type LightValue } from '../../common/device-commands';
import { coreTaskQueue } from '../../core/protocols';
import { type LightingRunInput, scheduledLightingFunction, scheduledSetLightDomain, scheduledSetLightOperation } from '../../core/lighting-schedules/model';
import {
  devicesAttribute,
  devicesForSearchAttribute,
  operationAttribute,
  organisationAttribute,
} from '../../common/search-attributes';
import type { DeviceLocation, LightingRunActivities, LightingRunContext, UnswitchedDevice } from '../../activities/lighting-runs';
import type { DeviceRequestOptions, DeviceTarget } from '../../core/requests/request-types';
import { groupRequestWorkflow, type GroupRequestInput } from '../common/group-request';
import { setLightWorkflow, type SetLightInput } from './set-light';

export const lightingRuns = proxyActivities<LightingRunActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Devices per setLight request (the API's limit for one request too). */
export const maxDevicesPerScheduledRequest = 1000;
/** Target devices read per activity. */
export const targetPageSize = 1000;

export interface ScheduledRunSummary {
  /** The requests this run made (switching requests, and one for devices it could not switch). */
  correlationUids: string[];
  /** Why nothing ran, when nothing did. */
  skipped?: 'SCHEDULE_GONE' | 'NOT_ASTRONOMICAL';
}

function searchAttributes(context: LightingRunContext, deviceIdentifications: string[]) {
  return [
    { key: organisationAttribute, value: context.organisationIdentification },
    { key: operationAttribute, value: `${scheduledSetLightDomain}.${scheduledSetLightOperation}` },
    { key: devicesAttribute, value: devicesForSearchAttribute(deviceIdentifications) },
  ];
}

/** The requests this run started, so it can wait for them to finish before it completes itself. */
const started: Array<Promise<unknown>> = [];

async function startChildOnce(start: () => Promise<{ result(): Promise<unknown> }>): Promise<void> {
  try {
    const child = await start();
    // A failed request is recorded by the request itself; the run only waits for it.
    started.push(child.result().catch(() => undefined));
  } catch (error) {
    // This run was repeated (a new run of the same workflow id): the request was started before.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Waits until every request this run started has finished (they are ABANDONed: they outlive a cancelled run). */
export async function requestsFinished(): Promise<void> {
  await Promise.all(started);
}

/**
 * Switches `devices` to `lightValues` now: one request per 1,000 devices. `runKey` identifies this
 * switching; the same key always gives the same requests.
 */
export async function switchDevices(
  context: LightingRunContext,
  runKey: string,
  devices: DeviceTarget[],
  lightValues: LightValue[],
  options: DeviceRequestOptions,
): Promise<string[]> {
  const correlationUids: string[] = [];
  const chunks = Math.ceil(devices.length / maxDevicesPerScheduledRequest);
  for (let i = 0; i < chunks; i++) {
    const chunk = devices.slice(i * maxDevicesPerScheduledRequest, (i + 1) * maxDevicesPerScheduledRequest);
    const correlationUid = await lightingRuns.recordScheduledRequest({
      organisationId: context.organisationId,
      organisationIdentification: context.organisationIdentification,
      runKey: chunks === 1 ? runKey : `${runKey}#${i + 1}`,
      deviceCount: chunk.length,
    });
    const input: SetLightInput = { devices: chunk, lightValues, options };
    await startChildOnce(() =>
      startChild(setLightWorkflow, {
        workflowId: correlationUid,
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: searchAttributes(
          context,
          chunk.map((d) => d.deviceIdentification),
        ),
      }),
    );
    correlationUids.push(correlationUid);
  }
  return correlationUids;
}

/** Switches a group's members (resolved and authorized per page by the group request workflow). */
export async function switchGroup(
  context: LightingRunContext & { groupId: string },
  runKey: string,
  lightValues: LightValue[],
  options: DeviceRequestOptions,
): Promise<string> {
  const correlationUid = await lightingRuns.recordScheduledRequest({
    organisationId: context.organisationId,
    organisationIdentification: context.organisationIdentification,
    runKey,
    deviceCount: context.deviceCount,
  });
  const input: GroupRequestInput = {
    organisationId: context.organisationId,
    deviceFunction: scheduledLightingFunction,
    command: { kind: 'setLight', lightValues },
    target: { groupId: context.groupId },
    options,
  };
  await startChildOnce(() =>
    startChild(groupRequestWorkflow, {
      workflowId: correlationUid,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: searchAttributes(context, []),
    }),
  );
  return correlationUid;
}

/** One finished NOT_OK request for the devices a run could not switch, a result each naming why. */
export function recordUnswitched(context: LightingRunContext, runKey: string, devices: UnswitchedDevice[]): Promise<string> {
  return lightingRuns.recordUnswitchedDevices({
    organisationId: context.organisationId,
    organisationIdentification: context.organisationIdentification,
    runKey: `${runKey}#unswitched`,
    devices,
  });
}

/** Every target device with its location, page by page; those the run may not switch apart. */
export async function forEachTargetPage(
  lightingScheduleId: string,
  onPage: (devices: DeviceLocation[], unswitched: UnswitchedDevice[]) => void,
): Promise<void> {
  let after: string | undefined;
  do {
    const page = await lightingRuns.findLightingTargets({ lightingScheduleId, after, limit: targetPageSize });
    onPage(page.devices, page.unswitched);
    after = page.next;
  } while (after !== undefined);
}

/**
 * A calendar entry's run (Temporal's calendar spec decided the time, the time zone and the exception
 * dates), or any entry run now (triggerLightingSchedule): the entry's light values on every target.
 */
export async function scheduledLightingWorkflow(input: LightingRunInput): Promise<ScheduledRunSummary> {
  const context = await lightingRuns.loadLightingRun({ lightingScheduleId: input.lightingScheduleId, entryIndex: input.entryIndex });
  if (!context) return { correlationUids: [], skipped: 'SCHEDULE_GONE' };
  const runKey = workflowInfo().workflowId;
  const { lightValues } = context.entry;
  const { groupId } = context;
  if (groupId !== undefined) {
    const correlationUid = await switchGroup({ ...context, groupId }, runKey, lightValues, input.options);
    await requestsFinished();
    return { correlationUids: [correlationUid] };
  }
  const devices: DeviceTarget[] = [];
  const unswitched: UnswitchedDevice[] = [];
  await forEachTargetPage(input.lightingScheduleId, (page, refused) => {
    devices.push(...page.map(({ deviceIdentification, protocol }) => ({ deviceIdentification, protocol })));
    unswitched.push(...refused);
  });
  const correlationUids = await switchDevices(context, runKey, devices, lightValues, input.options);
  if (unswitched.length > 0) correlationUids.push(await recordUnswitched(context, runKey, unswitched));
  await requestsFinished();
  return { correlationUids };
}
