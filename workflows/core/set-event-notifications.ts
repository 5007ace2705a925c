// Core SetEventNotifications: each device is told which groups of events to report from now on.
import type { EventNotificationType } from '../../common/device-commands';
import { runDeviceRequest, type DeviceRequestInput, type RequestSummary } from '../common/device-request';

export interface SetEventNotificationsInput extends DeviceRequestInput {
  /** The complete set; an empty list switches every notification off. */
  eventNotificationTypes: EventNotificationType[];
}

export async function setEventNotificationsWorkflow(input: SetEventNotificationsInput): Promise<RequestSummary> {
  return runDeviceRequest(input, () => ({ kind: 'setEventNotifications', eventNotificationTypes: input.eventNotificationTypes }));
}
