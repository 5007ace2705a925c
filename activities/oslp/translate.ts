// Generic device commands <-> OSLP messages. Pure functions: the one place that knows both vocabularies.
import {
  eventNotificationTypes,
  type DeviceCommand,
  type DeviceResponse,
  type EventNotificationType,
  type LightValue,
} from '../../common/device-commands';
import {
  OSLP_NOTIFICATION_BITS,
  type LightValue as OslpLightValue,
  type OslpMessage,
  type OslpStatus,
} from '../../adapters/oslp/messages';

export function toOslpRequest(command: DeviceCommand): OslpMessage {
  switch (command.kind) {
    case 'setLight':
      return { setLightRequest: { values: command.lightValues.map(toOslpLightValue) } };
    case 'getStatus':
      return { getStatusRequest: {} };
    case 'startSelfTest':
      return { startSelfTestRequest: {} };
    case 'stopSelfTest':
      return { stopSelfTestRequest: {} };
    case 'setReboot':
      return { setRebootRequest: {} };
    case 'setEventNotifications':
      return { setEventNotificationsRequest: { NotificationMask: toNotificationMask(command.eventNotificationTypes) } };
  }
}

/** The OSLP NotificationMask of a set of event groups: one bit per group. */
export function toNotificationMask(types: readonly EventNotificationType[]): number {
  return types.reduce((mask, type) => mask | OSLP_NOTIFICATION_BITS[type], 0);
}

/** The event groups set in an OSLP NotificationMask, in a fixed order; bits without a group are ignored. */
export function fromNotificationMask(mask: number): EventNotificationType[] {
  return eventNotificationTypes.filter((type) => (mask & OSLP_NOTIFICATION_BITS[type]) !== 0);
}

function toOslpLightValue(value: LightValue): OslpLightValue {
  return { index: value.index, on: value.on, ...(value.on && value.dimValue !== undefined ? { dimValue: value.dimValue } : {}) };
}

function fromOslpLightValue(value: OslpLightValue): LightValue {
  return { index: value.index ?? 0, on: value.on, ...(value.dimValue !== undefined ? { dimValue: value.dimValue } : {}) };
}

/** The device's status word of an answer, and the generic response it carries when OK. */
export function fromOslpResponse(
  command: DeviceCommand,
  message: OslpMessage,
): { status: OslpStatus; response: DeviceResponse } {
  const missing = (expected: string): Error => new Error(`${command.kind} answered without a ${expected}`);
  switch (command.kind) {
    case 'setLight': {
      const answer = message.setLightResponse;
      if (!answer) throw missing('setLightResponse');
      return { status: answer.status, response: { kind: 'setLight' } };
    }
    case 'getStatus': {
      const answer = message.getStatusResponse;
      if (!answer) throw missing('getStatusResponse');
      return {
        status: answer.status,
        response: {
          kind: 'getStatus',
          status: {
            lightValues: answer.value.map(fromOslpLightValue),
            preferredLinkType: answer.preferredLinktype,
            actualLinkType: answer.actualLinktype,
            lightType: answer.lightType,
            eventNotificationMask: answer.eventNotificationMask,
            eventNotificationTypes: fromNotificationMask(answer.eventNotificationMask),
          },
        },
      };
    }
    case 'startSelfTest': {
      const answer = message.startSelfTestResponse;
      if (!answer) throw missing('startSelfTestResponse');
      return { status: answer.status, response: { kind: 'startSelfTest' } };
    }
    case 'stopSelfTest': {
      const answer = message.stopSelfTestResponse;
      if (!answer) throw missing('stopSelfTestResponse');
      return { status: answer.status, response: { kind: 'stopSelfTest', selfTestResult: answer.selfTestResult.toString('hex') } };
    }
    case 'setReboot': {
      const answer = message.setRebootResponse;
      if (!answer) throw missing('setRebootResponse');
      return { status: answer.status, response: { kind: 'setReboot' } };
    }
    case 'setEventNotifications': {
      const answer = message.setEventNotificationsResponse;
      if (!answer) throw missing('setEventNotificationsResponse');
      return { status: answer.status, response: { kind: 'setEventNotifications' } };
    }
  }
}

/** One line for the message log: what was asked or answered, without keys or payload bytes. */
export function summarize(message: OslpMessage): string {
  if (message.setLightRequest) {
    return `setLight ${message.setLightRequest.values
      .map((v) => `${v.index ?? 0}:${v.on ? `on${v.dimValue !== undefined ? `@${v.dimValue}` : ''}` : 'off'}`)
      .join(',')}`;
  }
  if (message.getStatusResponse) {
    const r = message.getStatusResponse;
    return `getStatus ${r.status} ${r.value.map((v) => `${v.index ?? 0}:${v.on ? 'on' : 'off'}`).join(',')}`;
  }
  if (message.setEventNotificationsRequest) {
    const mask = message.setEventNotificationsRequest.NotificationMask;
    return `setEventNotifications ${fromNotificationMask(mask).join(',') || 'none'} (mask ${mask})`;
  }
  if (message.stopSelfTestResponse) {
    const r = message.stopSelfTestResponse;
    return `stopSelfTest ${r.status} result ${r.selfTestResult.toString('hex') || 'empty'}`;
  }
  const [kind] = Object.keys(message);
  const status = (Object.values(message)[0] as { status?: string } | undefined)?.status;
  return status ? `${kind} ${status}` : `${kind ?? 'empty'}`;
}
