// A light measurement device reported dark or light: every light it governs gets setTransition (DAY_NIGHT on
// dark, NIGHT_DAY on light), as an ordinary request of the LMD's owner with a result per light. Started by the
// platform once per reported event (core/devices/light-measurement.ts; the workflow id is derived from the event).
import type { LightSensorVerdict, TransitionType } from '../../common/device-commands';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export interface LightMeasurementTransitionInput extends DeviceRequestInput {
  lightMeasurementDeviceIdentification: string;
  verdict: LightSensorVerdict;
  /** HH:MM (UTC) the sensor saw the change, when it said. */
  time?: string;
}

export function transitionFor(verdict: LightSensorVerdict): TransitionType {
  return verdict === 'LIGHT_SENSOR_REPORTS_DARK' ? 'DAY_NIGHT' : 'NIGHT_DAY';
}

export async function lightMeasurementTransitionWorkflow(input: LightMeasurementTransitionInput): Promise<RequestSummary> {
  const transitionType = transitionFor(input.verdict);
  return runDeviceRequest(input, () => ({
    kind: 'setTransition',
    transitionType,
    ...(input.time !== undefined ? { time: input.time } : {}),
  }));
}
