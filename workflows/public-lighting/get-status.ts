// Public Lighting GetStatus: reads each device's light state; the per-device results carry it.
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export async function getStatusWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'getStatus' }));
}
