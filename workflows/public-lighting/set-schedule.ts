// Public Lighting SetSchedule: each device gets the same light schedule, pushed with its protocol (OSLP: in
// pages, one exchange each, astronomical offsets in the device configuration first).
import type { ScheduleEntry } from '../../common/device-commands';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export interface SetScheduleInput extends DeviceRequestInput {
  entries: ScheduleEntry[];
  /** Minutes (negative = earlier) by which SUNRISE and SUNSET entries are moved on every device. */
  astronomicalSunriseOffset?: number;
  astronomicalSunsetOffset?: number;
}

export async function setScheduleWorkflow(input: SetScheduleInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({
    kind: 'setSchedule',
    scheduleType: 'LIGHT',
    entries: input.entries,
    ...(input.astronomicalSunriseOffset !== undefined ? { astronomicalSunriseOffset: input.astronomicalSunriseOffset } : {}),
    ...(input.astronomicalSunsetOffset !== undefined ? { astronomicalSunsetOffset: input.astronomicalSunsetOffset } : {}),
  }));
}
