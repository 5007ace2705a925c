// Tariff Switching SetSchedule: the same tariff schedule for every device, as each device's relay schedule
// (scheduleType TARIFF), with the values of its TARIFF_REVERSED relays inverted.
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';
import { toDeviceTariffSchedule, type TariffScheduleEntry } from './tariff';

export interface TariffSetScheduleInput extends DeviceRequestInput {
  entries: TariffScheduleEntry[];
}

export async function tariffSetScheduleWorkflow(input: TariffSetScheduleInput): Promise<RequestSummary> {
  return runDeviceRequest(input, (device) => ({
    kind: 'setSchedule',
    scheduleType: 'TARIFF',
    entries: toDeviceTariffSchedule(input.entries, device.relays),
  }));
}
