// Generic device commands <-> OSLP messages. Pure functions: the one place that knows both vocabularies.
import {
  eventNotificationTypes,
  type DeviceCommand,
  type DeviceResponse,
  type EventNotificationType,
  type LightValue,
  type ScheduleEntry,
} from '../../common/device-commands';
import {
  OSLP_NOTIFICATION_BITS,
  OSLP_SCHEDULE_PAGE_SIZE,
  type LightValue as OslpLightValue,
  type OslpMessage,
  type OslpStatus,
  type Schedule,
  type SetScheduleRequest,
} from '../../adapters/oslp/messages';
import { fromOslpConfiguration, toOslpConfiguration } from './translate-configuration';

type SetScheduleCommand = Extract<DeviceCommand, { kind: 'setSchedule' }>;

/**
 * The OSLP requests one command takes, in order: one for most, several for a schedule (its astronomical
 * offsets first, when given, then its pages). Each is its own exchange with the next sequence number.
 */
export function toOslpExchanges(command: DeviceCommand): OslpMessage[] {
  if (command.kind === 'setSchedule') return setScheduleExchanges(command);
  return [toOslpRequest(command)];
}

/** The one OSLP request of a single-exchange command; throws for a command that takes several (setSchedule). */
export function toOslpRequest(command: DeviceCommand): OslpMessage {
  switch (command.kind) {
    case 'setSchedule': {
      const exchanges = setScheduleExchanges(command);
      if (exchanges.length !== 1) throw new Error(`setSchedule takes ${exchanges.length} exchanges here: use toOslpExchanges`);
      return exchanges[0];
    }
    case 'resumeSchedule':
      return {
        resumeScheduleRequest: {
          ...(command.index !== undefined && command.index !== 0 ? { index: command.index } : {}),
          immediate: command.immediate,
        },
      };
    case 'setTransition':
      return {
        setTransitionRequest: {
          transitionType: command.transitionType,
          ...(command.time !== undefined ? { time: toOslpTime(command.time) } : {}),
        },
      };
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
    case 'getFirmwareVersion':
      return { getFirmwareVersionRequest: {} };
    case 'updateFirmware':
      return { updateFirmwareRequest: { firmwareDomain: command.firmwareDomain, firmwareUrl: command.firmwareUrl } };
    case 'switchFirmware':
      return { switchFirmwareRequest: { newFirmwareVersion: command.newFirmwareVersion } };
    case 'getConfiguration':
      return { getConfigurationRequest: {} };
    case 'setConfiguration':
      return { setConfigurationRequest: toOslpConfiguration(command.configuration) };
    case 'switchConfiguration':
      return { switchConfigurationRequest: { newConfigurationSet: command.configurationBank } };
    case 'setDeviceVerificationKey':
      return { setDeviceVerificationKeyRequest: { certificateChunk: Buffer.from(command.verificationKey, 'base64') } };
    case 'updateDeviceSslCertification':
      return {
        updateDeviceSslCertificationRequest: { certificateDomain: command.certificateDomain, certificateUrl: command.certificateUrl },
      };
  }
}

/**
 * A schedule as OSLP carries it. The astronomical offsets are per device in OSLP (its configuration's
 * astroGateSunRiseOffset/astroGateSunSetOffset, seconds), so they go first, in a SetConfiguration. Then
 * the entries: up to a page (5, as OSGP's adapter) in one SetScheduleRequest without pageInfo; more in pages of
 * 5 with pageInfo (currentPage from 1, pageSize, totalPages), one exchange per page.
 */
export function setScheduleExchanges(command: SetScheduleCommand, pageSize: number = OSLP_SCHEDULE_PAGE_SIZE): OslpMessage[] {
  const exchanges: OslpMessage[] = [];
  const { astronomicalSunriseOffset: sunrise, astronomicalSunsetOffset: sunset } = command;
  if (sunrise !== undefined || sunset !== undefined) {
    exchanges.push({
      setConfigurationRequest: {
        ...(sunrise !== undefined ? { astroGateSunRiseOffset: sunrise * 60 } : {}),
        ...(sunset !== undefined ? { astroGateSunSetOffset: sunset * 60 } : {}),
      },
    });
  }
  const schedules = command.entries.map(toOslpSchedule);
  const totalPages = schedulePageCount(schedules.length, pageSize);
  if (totalPages === 1) {
    exchanges.push({ setScheduleRequest: { schedules, scheduleType: command.scheduleType } });
    return exchanges;
  }
  for (let page = 1; page <= totalPages; page++) {
    const request: SetScheduleRequest = {
      schedules: schedules.slice((page - 1) * pageSize, page * pageSize),
      pageInfo: { currentPage: page, pageSize, totalPages },
      scheduleType: command.scheduleType,
    };
    exchanges.push({ setScheduleRequest: request });
  }
  return exchanges;
}

/** SetSchedule exchanges a schedule of `entries` takes (an empty schedule is one message, clearing it). */
export function schedulePageCount(entries: number, pageSize: number = OSLP_SCHEDULE_PAGE_SIZE): number {
  return Math.max(1, Math.ceil(entries / pageSize));
}

function toOslpSchedule(entry: ScheduleEntry): Schedule {
  return {
    weekday: entry.weekDay,
    ...(entry.startDay !== undefined ? { startDay: toOslpDate(entry.startDay) } : {}),
    ...(entry.endDay !== undefined ? { endDay: toOslpDate(entry.endDay) } : {}),
    actionTime: entry.actionTime,
    ...(entry.time !== undefined ? { time: toOslpTime(entry.time) } : {}),
    ...(entry.window !== undefined ? { window: { ...entry.window } } : {}),
    value: entry.lightValues.map(toOslpLightValue),
    ...(entry.triggerType !== undefined ? { triggerType: entry.triggerType } : {}),
    ...(entry.minimumLightsOn !== undefined ? { minimumLightsOn: entry.minimumLightsOn } : {}),
    ...(entry.index !== undefined ? { index: entry.index } : {}),
    ...(entry.isEnabled !== undefined ? { isEnabled: entry.isEnabled } : {}),
  };
}

/** HH:MM -> OSLP's hhmmss. */
function toOslpTime(time: string): string {
  return `${time.replace(':', '')}00`;
}

/** YYYY-MM-DD -> OSLP's YYYYMMDD. */
function toOslpDate(date: string): string {
  return date.replaceAll('-', '');
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
      return { status: answer.status, response: { kind: 'setLight', lightValues: command.lightValues } };
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
    case 'setSchedule': {
      // Each exchange of a schedule answers with a status: its configuration first, then its pages.
      const answer = message.setScheduleResponse ?? message.setConfigurationResponse;
      if (!answer) throw missing('setScheduleResponse');
      return { status: answer.status, response: { kind: 'setSchedule', pages: schedulePageCount(command.entries.length) } };
    }
    case 'resumeSchedule': {
      const answer = message.resumeScheduleResponse;
      if (!answer) throw missing('resumeScheduleResponse');
      return { status: answer.status, response: { kind: 'resumeSchedule' } };
    }
    case 'setTransition': {
      const answer = message.setTransitionResponse;
      if (!answer) throw missing('setTransitionResponse');
      return { status: answer.status, response: { kind: 'setTransition' } };
    }
    case 'getFirmwareVersion': {
      const answer = message.getFirmwareVersionResponse;
      if (!answer) throw missing('getFirmwareVersionResponse');
      // OSLP's answer has no status word: an answer is a success.
      return { status: 'OK', response: { kind: 'getFirmwareVersion', firmwareVersion: answer.firmwareVersion } };
    }
    case 'updateFirmware': {
      const answer = message.updateFirmwareResponse;
      if (!answer) throw missing('updateFirmwareResponse');
      return { status: answer.status, response: { kind: 'updateFirmware' } };
    }
    case 'switchFirmware': {
      const answer = message.switchFirmwareResponse;
      if (!answer) throw missing('switchFirmwareResponse');
      return { status: answer.status, response: { kind: 'switchFirmware' } };
    }
    case 'getConfiguration': {
      const answer = message.getConfigurationResponse;
      if (!answer) throw missing('getConfigurationResponse');
      const { status, ...configuration } = answer;
      return { status, response: { kind: 'getConfiguration', configuration: fromOslpConfiguration(configuration) } };
    }
    case 'setConfiguration': {
      const answer = message.setConfigurationResponse;
      if (!answer) throw missing('setConfigurationResponse');
      return { status: answer.status, response: { kind: 'setConfiguration' } };
    }
    case 'switchConfiguration': {
      const answer = message.switchConfigurationResponse;
      if (!answer) throw missing('switchConfigurationResponse');
      return { status: answer.status, response: { kind: 'switchConfiguration' } };
    }
    case 'setDeviceVerificationKey': {
      const answer = message.setDeviceVerificationKeyResponse;
      if (!answer) throw missing('setDeviceVerificationKeyResponse');
      return { status: answer.status, response: { kind: 'setDeviceVerificationKey' } };
    }
    case 'updateDeviceSslCertification': {
      const answer = message.updateDeviceSslCertificationResponse;
      if (!answer) throw missing('updateDeviceSslCertificationResponse');
      return { status: answer.status, response: { kind: 'updateDeviceSslCertification' } };
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
  if (message.setScheduleRequest) {
    const r = message.setScheduleRequest;
    const page = r.pageInfo ? ` page ${r.pageInfo.currentPage}/${r.pageInfo.totalPages}` : '';
    return `setSchedule ${r.scheduleType}${page}: ${r.schedules.length} entries`;
  }
  if (message.setConfigurationRequest) {
    const r = message.setConfigurationRequest;
    const fields = Object.keys(r).filter((key) => r[key as keyof typeof r] !== undefined);
    const offsets = `astronomical offsets sunrise ${r.astroGateSunRiseOffset ?? '-'} s, sunset ${r.astroGateSunSetOffset ?? '-'} s`;
    const others = fields.filter((f) => f !== 'astroGateSunRiseOffset' && f !== 'astroGateSunSetOffset');
    return others.length === 0 ? `setConfiguration ${offsets}` : `setConfiguration ${fields.join(', ')}`;
  }
  if (message.switchConfigurationRequest) return `switchConfiguration to bank ${message.switchConfigurationRequest.newConfigurationSet}`;
  if (message.setDeviceVerificationKeyRequest) {
    // Never the key itself in the log: its length says enough.
    return `setDeviceVerificationKey (${message.setDeviceVerificationKeyRequest.certificateChunk.length} octets)`;
  }
  if (message.updateDeviceSslCertificationRequest) {
    const r = message.updateDeviceSslCertificationRequest;
    return `updateDeviceSslCertification ${r.certificateDomain}${r.certificateUrl.startsWith('/') ? '' : '/'}${r.certificateUrl}`;
  }
  if (message.setTransitionRequest) {
    const r = message.setTransitionRequest;
    return `setTransition ${r.transitionType}${r.time ? ` at ${r.time}` : ''}`;
  }
  if (message.resumeScheduleRequest) {
    const r = message.resumeScheduleRequest;
    return `resumeSchedule index ${r.index ?? 'all'}${r.immediate ? ' immediately' : ' at the next entry'}`;
  }
  if (message.updateFirmwareRequest) {
    // The URL's last segment is the device's download token: it stays out of the log.
    const url = message.updateFirmwareRequest.firmwareUrl.replace(/[^/]*$/, '…');
    return `updateFirmware ${message.updateFirmwareRequest.firmwareDomain}${url}`;
  }
  if (message.getFirmwareVersionResponse) return `getFirmwareVersion ${message.getFirmwareVersionResponse.firmwareVersion}`;
  if (message.switchFirmwareRequest) return `switchFirmware ${message.switchFirmwareRequest.newFirmwareVersion}`;
  if (message.stopSelfTestResponse) {
    const r = message.stopSelfTestResponse;
    return `stopSelfTest ${r.status} result ${r.selfTestResult.toString('hex') || 'empty'}`;
  }
  const [kind] = Object.keys(message);
  const status = (Object.values(message)[0] as { status?: string } | undefined)?.status;
  return status ? `${kind} ${status}` : `${kind ?? 'empty'}`;
}
