// Public Lighting SetTransition: tells devices that day turned to night (or back), so their LIGHT_TRIGGER
// schedule entries switch; what a light sensor would tell them.
import type { TransitionType } from '../../common/device-commands';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export interface SetTransitionInput extends DeviceRequestInput {
  transitionType: TransitionType;
  /** HH:MM (UTC) of the transition; absent = now. */
  time?: string;
}

export async function setTransitionWorkflow(input: SetTransitionInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({
    kind: 'setTransition',
    transitionType: input.transitionType,
    ...(input.time !== undefined ? { time: input.time } : {}),
  }));
}
