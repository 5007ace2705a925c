// Public Lighting ResumeSchedule: after an ad hoc setLight, the devices follow their schedule again, now or
// from its next entry.
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export interface ResumeScheduleInput extends DeviceRequestInput {
  /** 0 or absent: every light of the device. */
  index?: number;
  isImmediate: boolean;
}

export async function resumeScheduleWorkflow(input: ResumeScheduleInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({
    kind: 'resumeSchedule',
    immediate: input.isImmediate,
    ...(input.index !== undefined ? { index: input.index } : {}),
  }));
}
