// Public Lighting SetLight: one functional command becomes one OSLP-level setLight per device.
import type { LightValue } from '../../common/device-commands';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export interface SetLightInput extends DeviceRequestInput {
  lightValues: LightValue[];
}

export async function setLightWorkflow(input: SetLightInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'setLight', lightValues: input.lightValues }));
}
