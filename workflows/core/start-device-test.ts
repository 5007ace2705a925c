// Core StartDeviceTest: each device starts its self test (an OSLP SSLD switches its lights on for it).
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export async function startDeviceTestWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'startSelfTest' }));
}
