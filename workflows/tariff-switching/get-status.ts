// Tariff Switching GetStatus: reads each device's relays; each device's result carries its tariff values
// (a TARIFF_REVERSED relay reported inverted back), not the raw relay states.
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';
import { toTariffStatus } from './tariff';

export async function tariffGetStatusWorkflow(input: DeviceRequestInput): Promise<RequestSummary> {
  return runDeviceRequest(
    input,
    () => ({ kind: 'getStatus' }),
    (device, response) => toTariffStatus(response, device.relays),
  );
}
