// Core StopDeviceTest: each device ends its self test; its result carries the device's self test result.
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export async function stopDeviceTestWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'stopSelfTest' }));
}
