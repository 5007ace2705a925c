// The daily run of an astronomical entry (on at sunset + 15 min, off at sunrise - 15 min, ...). Its Temporal
// Schedule fires at local noon; the run covers local noon of its date to local noon of the next date,
// computed in UTC from those local dates, so daylight-saving changes neither skip nor double a switching.
// For each target device (its own location, else the schedule's default location) it computes the
// instant, groups devices by minute, sleeps until each minute (Temporal's timer) and starts one ordinary
// request per minute. Devices without any location get a recorded NOT_OK NO_LOCATION.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { sleep, workflowInfo } from '@temporalio/workflow';
import { astronomicalInstants, astronomicalWindow, compactUtcMinute, type LightingRunInput, temporalScheduleId } from '../../core/lighting-schedules/model';
import { formatLocalDate, localDateAt, parseLocalDate, type LocalDate } from '../../common/time-zones';
import type { UnswitchedDevice } from '../../activities/lighting-runs';
import type { DeviceTarget } from '../../core/requests/request-types';
import {
  forEachTargetPage,
  lightingRuns,
  recordUnswitched,
  requestsFinished,
  scheduledLightingWorkflow,
  switchDevices,
  type ScheduledRunSummary,
} from './scheduled-lighting';

/** Set by Temporal on every workflow a Schedule starts: the time the action was scheduled for. */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export interface AstronomicalRunSummary extends ScheduledRunSummary {
  runDate?: string;
  /** Each switching instant (UTC minute) with the number of devices switched then. */
  switchings?: Array<{ at: string; devices: number; correlationUids: string[] }>;
}

function runDateOf(input: LightingRunInput, timeZone: string): LocalDate {
  const given = input.runDate !== undefined ? parseLocalDate(input.runDate) : undefined;
  if (given) return given;
  // The scheduled time, not the start time: a run started late after an outage still covers its own date.
  const scheduled = workflowInfo().typedSearchAttributes.get(scheduledStartTime);
  return localDateAt(scheduled ? scheduled.getTime() : Date.now(), timeZone);
}

export async function astronomicalLightingWorkflow(input: LightingRunInput): Promise<AstronomicalRunSummary> {
  // Run now (triggerLightingSchedule): the entry's light values at once, like a calendar run.
  if (input.manual) return scheduledLightingWorkflow(input);
  const context = await lightingRuns.loadLightingRun({ lightingScheduleId: input.lightingScheduleId, entryIndex: input.entryIndex });
  if (!context) return { correlationUids: [], skipped: 'SCHEDULE_GONE' };
  const { entry, timeZone } = context;
  if (entry.kind !== 'astronomical') return { correlationUids: [], skipped: 'NOT_ASTRONOMICAL' };

  const runDate = runDateOf(input, timeZone);
  const window = astronomicalWindow(runDate, timeZone);
  // One key per entry and date, whichever run computes it: a second run for the same date switches nothing twice.
  const runKey = `${temporalScheduleId(context.organisationIdentification, context.scheduleIdentification, input.entryIndex)}@${formatLocalDate(runDate)}`;

  const byMinute = new Map<number, DeviceTarget[]>();
  const unswitched: UnswitchedDevice[] = [];
  await forEachTargetPage(input.lightingScheduleId, (devices, refused) => {
    unswitched.push(...refused);
    for (const device of devices) {
      const place =
        device.latitude !== null && device.longitude !== null
          ? { latitude: device.latitude, longitude: device.longitude }
          : context.defaultPlace;
      if (!place) {
        unswitched.push({
          deviceIdentification: device.deviceIdentification,
          errorCode: 'NO_LOCATION',
          message: `Device ${device.deviceIdentification} has no location and the schedule no default location: no ${entry.event} to switch at`,
        });
        continue;
      }
      for (const instant of astronomicalInstants(entry, window, timeZone, place, context.exceptionDates)) {
        const minute = Math.floor(instant.atMs / 60_000) * 60_000;
        const group = byMinute.get(minute) ?? [];
        group.push({ deviceIdentification: device.deviceIdentification, protocol: device.protocol });
        byMinute.set(minute, group);
      }
    }
  });

  const correlationUids: string[] = [];
  if (unswitched.length > 0) correlationUids.push(await recordUnswitched(context, runKey, unswitched));

  const switchings: NonNullable<AstronomicalRunSummary['switchings']> = [];
  for (const minute of [...byMinute.keys()].sort((a, b) => a - b)) {
    const wait = minute - Date.now();
    if (wait > 0) await sleep(wait);
    const devices = byMinute.get(minute) ?? [];
    const started = await switchDevices(context, `${runKey}#${compactUtcMinute(minute)}`, devices, entry.lightValues, input.options);
    correlationUids.push(...started);
    switchings.push({ at: new Date(minute).toISOString(), devices: devices.length, correlationUids: started });
  }
  await requestsFinished();
  return { correlationUids, runDate: formatLocalDate(runDate), switchings };
}
