// Core SetReboot: each device is told to restart.
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export async function setRebootWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'setReboot' }));
}
