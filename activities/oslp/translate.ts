// Generic device commands <-> OSLP messages. Pure functions: the one place that knows both vocabularies.
import type { DeviceCommand, DeviceResponse, LightValue } from '../../common/device-commands';
import type { LightValue as OslpLightValue, OslpMessage, OslpStatus } from '../../adapters/oslp/messages';

export function toOslpRequest(command: DeviceCommand): OslpMessage {
  switch (command.kind) {
    case 'setLight':
      return { setLightRequest: { values: command.lightValues.map(toOslpLightValue) } };
    case 'getStatus':
      return { getStatusRequest: {} };
  }
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
  switch (command.kind) {
    case 'setLight': {
      const answer = message.setLightResponse;
      if (!answer) throw new Error('setLight answered without a setLightResponse');
      return { status: answer.status, response: { kind: 'setLight' } };
    }
    case 'getStatus': {
      const answer = message.getStatusResponse;
      if (!answer) throw new Error('getStatus answered without a getStatusResponse');
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
          },
        },
      };
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
  const [kind] = Object.keys(message);
  const status = (Object.values(message)[0] as { status?: string } | undefined)?.status;
  return status ? `${kind} ${status}` : `${kind ?? 'empty'}`;
}
