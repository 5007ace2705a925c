/**
 * OSLP protobuf payloads: typed shapes and the codec between them and the wire.
 *
 * The shapes are hand-written to match oslp.proto. Enums are their names as strings, repeated fields
 * are always arrays, and the one-octet `bytes` fields (light index, dim value, event index) are plain
 * numbers; the codec converts them, and checks required fields and enum names before encoding,
 * because protobufjs would otherwise silently put default values on the wire for them.
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import { OslpProtocolError } from './errors';

// ---------------------------------------------------------------- enums

export type OslpStatus = 'OK' | 'FAILURE' | 'REJECTED';
export type OslpDeviceType = 'PSLD' | 'SSLD';
export type OslpLinkType = 'LINK_NOT_SET' | 'GPRS' | 'CDMA' | 'ETHERNET';
export type OslpLightType = 'LT_NOT_SET' | 'RELAY' | 'ONE_TO_TEN_VOLT' | 'ONE_TO_TEN_VOLT_REVERSE' | 'DALI';
export type OslpRelayType = 'RT_NOT_SET' | 'LIGHT' | 'TARIFF';
export type OslpTransitionType = 'NIGHT_DAY' | 'DAY_NIGHT';
export type OslpWeekday =
  | 'MONDAY'
  | 'TUESDAY'
  | 'WEDNESDAY'
  | 'THURSDAY'
  | 'FRIDAY'
  | 'SATURDAY'
  | 'SUNDAY'
  | 'WEEKDAY'
  | 'WEEKEND'
  | 'ABSOLUTEDAY'
  | 'ALL';
export type OslpActionTime = 'ABSOLUTETIME' | 'SUNRISE' | 'SUNSET';
export type OslpTriggerType = 'TT_NOT_SET' | 'LIGHT_TRIGGER' | 'ASTRONOMICAL';
export type OslpEvent =
  | 'DIAG_EVENTS_GENERAL'
  | 'DIAG_EVENTS_UNKNOWN_MESSAGE_TYPE'
  | 'HARDWARE_FAILURE_RELAY'
  | 'HARDWARE_FAILURE_FLASH_WRITE_ERROR'
  | 'HARDWARE_FAILURE_FLASH_MEMORY_CORRUPT'
  | 'HARDWARE_FAILURE_RTC_NOT_SET'
  | 'LIGHT_EVENTS_LIGHT_ON'
  | 'LIGHT_EVENTS_LIGHT_OFF'
  | 'LIGHT_FAILURE_DALI_COMMUNICATION'
  | 'LIGHT_FAILURE_BALLAST'
  | 'LIGHT_FAILURE_TARIFF_SWITCH_ATTEMPT'
  | 'TARIFF_EVENTS_TARIFF_ON'
  | 'TARIFF_EVENTS_TARIFF_OFF'
  | 'MONITOR_EVENTS_LONG_BUFFER_FULL'
  | 'MONITOR_FAILURE_P1_COMMUNICATION'
  | 'MONITOR_SHORT_DETECTED'
  | 'MONITOR_SHORT_RESOLVED'
  | 'MONITOR_DOOR_OPENED'
  | 'MONITOR_DOOR_CLOSED'
  | 'MONITOR_EVENTS_TEST_RELAY_ON'
  | 'MONITOR_EVENTS_TEST_RELAY_OFF'
  | 'MONITOR_EVENTS_LOSS_OF_POWER'
  | 'MONITOR_EVENTS_LOCAL_MODE'
  | 'MONITOR_EVENTS_REMOTE_MODE'
  | 'FIRMWARE_EVENTS_ACTIVATING'
  | 'FIRMWARE_EVENTS_DOWNLOAD_NOTFOUND'
  | 'FIRMWARE_EVENTS_DOWNLOAD_FAILED'
  | 'FIRMWARE_EVENTS_CONFIGURATION_CHANGED'
  | 'COMM_EVENTS_ALTERNATIVE_CHANNEL'
  | 'COMM_EVENTS_RECOVERED_CHANNEL'
  | 'SECURITY_EVENTS_OUT_OF_SEQUENCE'
  | 'SECURITY_EVENTS_OSLP_VERIFICATION_FAILED'
  | 'SECURITY_EVENTS_INVALID_CERTIFICATE';

/** Bits of the event notification mask (GetStatusResponse, SetEventNotificationsRequest). */
export const OSLP_NOTIFICATION_BITS = {
  DIAG_EVENTS: 1,
  HARDWARE_FAILURE: 2,
  LIGHT_EVENTS: 4,
  TARIFF_EVENTS: 8,
  MONITOR_EVENTS: 16,
  FIRMWARE_EVENTS: 32,
  COMM_EVENTS: 64,
  SECURITY_EVENTS: 128,
} as const;

/** Index 0 (or no index) addresses all lights of a device; 1..6 address one output. */
export const OSLP_ALL_LIGHTS_INDEX = 0;
export const OSLP_MAX_LIGHT_INDEX = 6;

// ---------------------------------------------------------------- shared types

export interface LightValue {
  /** 0 or absent: all lights. */
  index?: number;
  on: boolean;
  /** 1..100 percent. */
  dimValue?: number;
}

export interface LocationInfo {
  timeOffset?: number;
  latitude?: number;
  longitude?: number;
}

export interface EventNotification {
  event: OslpEvent;
  index?: number;
  description?: string;
  /** UTC, YYYYMMDDhhmmss. */
  timestamp?: string;
}

export interface ScheduleWindow {
  minutesBefore: number;
  minutesAfter: number;
}

export interface PageInfo {
  currentPage: number;
  pageSize: number;
  totalPages: number;
}

export interface Schedule {
  weekday: OslpWeekday;
  startDay?: string;
  endDay?: string;
  actionTime: OslpActionTime;
  time?: string;
  window?: ScheduleWindow;
  value: LightValue[];
  triggerType?: OslpTriggerType;
  minimumLightsOn?: number;
  index?: number;
  isEnabled?: boolean;
}

/** Body of the requests that carry no data ("present" defaults to true on the device). */
export interface PresenceRequest {
  present?: boolean;
}

export interface StatusResponse {
  status: OslpStatus;
}

// ---------------------------------------------------------------- messages

export interface RegisterDeviceRequest {
  deviceIdentification: string;
  /** IPv4 address, 4 octets. */
  ipAddress: Buffer;
  deviceType: OslpDeviceType;
  hasSchedule: boolean;
  randomDevice: number;
}

export interface RegisterDeviceResponse {
  status: OslpStatus;
  /** UTC, YYYYMMDDhhmmss. */
  currentTime: string;
  randomDevice: number;
  randomPlatform: number;
  locationInfo?: LocationInfo;
}

export interface ConfirmRegisterDeviceRequest {
  randomDevice: number;
  randomPlatform: number;
}

export interface ConfirmRegisterDeviceResponse {
  status: OslpStatus;
  randomDevice: number;
  randomPlatform: number;
  sequenceWindow: number;
}

export interface StopSelfTestResponse {
  status: OslpStatus;
  selfTestResult: Buffer;
}

export interface SetLightRequest {
  values: LightValue[];
}

export interface GetStatusResponse {
  status: OslpStatus;
  value: LightValue[];
  preferredLinktype: OslpLinkType;
  actualLinktype: OslpLinkType;
  lightType: OslpLightType;
  eventNotificationMask: number;
  numberOfOutputs?: number;
  dcOutputVoltageMaximum?: number;
  dcOutputVoltageCurrent?: number;
  maximumOutputPowerOnDcOutput?: number;
  serialNumber?: Buffer;
  macAddress?: Buffer;
  hardwareId?: string;
  internalFlashMemSize?: number;
  externalFlashMemSize?: number;
  lastInternalTestResultCode?: number;
  startupCounter?: number;
  bootLoaderVersion?: string;
  firmwareVersion?: string;
  currentConfigurationBackUsed?: Buffer;
  name?: string;
  currentTime?: string;
  currentIp?: string;
}

export interface ResumeScheduleRequest {
  index?: number;
  immediate: boolean;
}

export interface SetTransitionRequest {
  transitionType: OslpTransitionType;
  time?: string;
}

export interface GetFirmwareVersionResponse {
  firmwareVersion: string;
}

export interface UpdateFirmwareRequest {
  /** Host (and port) to download from, without a scheme. */
  firmwareDomain: string;
  /** Relative URL of the image on that host. */
  firmwareUrl: string;
}

export interface SwitchFirmwareRequest {
  newFirmwareVersion: string;
}

export interface SetEventNotificationsRequest {
  /** Field name as in the OSLP definition (capital N). */
  NotificationMask: number;
}

export interface EventNotificationRequest {
  notifications: EventNotification[];
}

export interface SetScheduleRequest {
  schedules: Schedule[];
  pageInfo?: PageInfo;
  scheduleType: OslpRelayType;
}

/** OSLP's IndexAddressMap: an external index (1..) mapped onto the internal address actually switched. */
export interface IndexAddressMap {
  index: number;
  address: number;
  relayType: OslpRelayType;
}

export interface DaliConfiguration {
  numberOfLights?: number;
  addressMap: IndexAddressMap[];
}

export interface RelayConfiguration {
  addressMap: IndexAddressMap[];
}

/** Relay linking: when the master relay switches to masterRelayOn, the listed relays follow (one octet per index). */
export interface RelayMatrix {
  masterRelayIndex: number;
  masterRelayOn: boolean;
  indicesOfControlledRelaysOn?: Buffer;
  indicesOfControlledRelaysOff?: Buffer;
}

export type OslpMeterType = 'MT_NOT_SET' | 'P1' | 'PULSE' | 'AUX';
export type OslpLongTermIntervalType = 'LT_INT_NOT_SET' | 'DAYS' | 'MONTHS';

/**
 * The fields SetConfigurationRequest and GetConfigurationResponse share (their numbers differ by one). Every
 * field is optional: a device keeps what a SetConfiguration leaves out. IPv4 addresses are 4 octets;
 * summer/winter time details are "MMWHHmi".
 */
export interface OslpConfiguration {
  lightType?: OslpLightType;
  daliConfiguration?: DaliConfiguration;
  relayConfiguration?: RelayConfiguration;
  /** Deprecated in OSLP. */
  shortTermHistoryIntervalMinutes?: number;
  preferredLinkType?: OslpLinkType;
  /** Deprecated in OSLP. */
  meterType?: OslpMeterType;
  /** Deprecated in OSLP. */
  longTermHistoryInterval?: number;
  /** Deprecated in OSLP. */
  longTermHistoryIntervalType?: OslpLongTermIntervalType;
  /** Seconds. */
  timeSyncFrequency?: number;
  deviceFixIpValue?: Buffer;
  netMask?: Buffer;
  gateWay?: Buffer;
  isDhcpEnabled?: boolean;
  communicationTimeout?: number;
  communicationNumberOfRetries?: number;
  communicationPauseTimeBetweenConnectionTrials?: number;
  /** The platform's IPv4 address (OSLP's spelling). */
  ospgIpAddress?: Buffer;
  osgpPortNumber?: number;
  isTestButtonEnabled?: boolean;
  isAutomaticSummerTimingEnabled?: boolean;
  /** Seconds; negative = earlier. */
  astroGateSunRiseOffset?: number;
  astroGateSunSetOffset?: number;
  /** Seconds, at most 4; an empty list on the wire is the same as none. */
  switchingDelay?: number[];
  relayLinking?: RelayMatrix[];
  relayRefreshing?: boolean;
  summerTimeDetails?: string;
  winterTimeDetails?: string;
}

export type SetConfigurationRequest = OslpConfiguration;

export interface GetConfigurationResponse extends OslpConfiguration {
  status: OslpStatus;
}

export interface SwitchConfigurationRequest {
  /** The configuration bank, 0 or 1 (one octet on the wire). */
  newConfigurationSet: number;
}

export interface UpdateDeviceSslCertificationRequest {
  certificateDomain: string;
  certificateUrl: string;
}

export interface SetDeviceVerificationKeyRequest {
  /** The platform's public key (DER), at most 138 octets. */
  certificateChunk: Buffer;
}

/** Schedule entries per SetScheduleRequest when a schedule is sent in pages (OSGP's OSLP adapter uses 5). */
export const OSLP_SCHEDULE_PAGE_SIZE = 5;
/** Schedule entries one SetScheduleRequest may carry at most (the device's buffer). */
export const OSLP_MAX_SCHEDULES_PER_MESSAGE = 50;

/** The OSLP `Message` wrapper: exactly one property is set per message on the wire. */
export interface OslpMessage {
  registerDeviceRequest?: RegisterDeviceRequest;
  registerDeviceResponse?: RegisterDeviceResponse;
  startSelfTestRequest?: PresenceRequest;
  startSelfTestResponse?: StatusResponse;
  stopSelfTestRequest?: PresenceRequest;
  stopSelfTestResponse?: StopSelfTestResponse;
  updateFirmwareRequest?: UpdateFirmwareRequest;
  updateFirmwareResponse?: StatusResponse;
  setLightRequest?: SetLightRequest;
  setLightResponse?: StatusResponse;
  getStatusRequest?: PresenceRequest;
  getStatusResponse?: GetStatusResponse;
  resumeScheduleRequest?: ResumeScheduleRequest;
  resumeScheduleResponse?: StatusResponse;
  setEventNotificationsRequest?: SetEventNotificationsRequest;
  setEventNotificationsResponse?: StatusResponse;
  eventNotificationRequest?: EventNotificationRequest;
  eventNotificationResponse?: StatusResponse;
  getFirmwareVersionRequest?: PresenceRequest;
  getFirmwareVersionResponse?: GetFirmwareVersionResponse;
  setScheduleRequest?: SetScheduleRequest;
  setScheduleResponse?: StatusResponse;
  setConfigurationRequest?: SetConfigurationRequest;
  setConfigurationResponse?: StatusResponse;
  setRebootRequest?: PresenceRequest;
  setRebootResponse?: StatusResponse;
  setTransitionRequest?: SetTransitionRequest;
  setTransitionResponse?: StatusResponse;
  confirmRegisterDeviceRequest?: ConfirmRegisterDeviceRequest;
  confirmRegisterDeviceResponse?: ConfirmRegisterDeviceResponse;
  switchFirmwareRequest?: SwitchFirmwareRequest;
  switchFirmwareResponse?: StatusResponse;
  getConfigurationRequest?: PresenceRequest;
  getConfigurationResponse?: GetConfigurationResponse;
  switchConfigurationRequest?: SwitchConfigurationRequest;
  switchConfigurationResponse?: StatusResponse;
  updateDeviceSslCertificationRequest?: UpdateDeviceSslCertificationRequest;
  updateDeviceSslCertificationResponse?: StatusResponse;
  setDeviceVerificationKeyRequest?: SetDeviceVerificationKeyRequest;
  setDeviceVerificationKeyResponse?: StatusResponse;
}

export type OslpMessageKind = keyof OslpMessage;
export type OslpRequestKind = Extract<OslpMessageKind, `${string}Request`>;
export type OslpResponseKind = Extract<OslpMessageKind, `${string}Response`>;

/** The response kind that answers each request kind. */
export const OSLP_RESPONSE_KIND: { readonly [K in OslpRequestKind]: OslpResponseKind } = {
  registerDeviceRequest: 'registerDeviceResponse',
  confirmRegisterDeviceRequest: 'confirmRegisterDeviceResponse',
  startSelfTestRequest: 'startSelfTestResponse',
  stopSelfTestRequest: 'stopSelfTestResponse',
  setLightRequest: 'setLightResponse',
  getStatusRequest: 'getStatusResponse',
  resumeScheduleRequest: 'resumeScheduleResponse',
  setEventNotificationsRequest: 'setEventNotificationsResponse',
  eventNotificationRequest: 'eventNotificationResponse',
  getFirmwareVersionRequest: 'getFirmwareVersionResponse',
  setScheduleRequest: 'setScheduleResponse',
  setConfigurationRequest: 'setConfigurationResponse',
  setRebootRequest: 'setRebootResponse',
  setTransitionRequest: 'setTransitionResponse',
  updateFirmwareRequest: 'updateFirmwareResponse',
  switchFirmwareRequest: 'switchFirmwareResponse',
  getConfigurationRequest: 'getConfigurationResponse',
  switchConfigurationRequest: 'switchConfigurationResponse',
  updateDeviceSslCertificationRequest: 'updateDeviceSslCertificationResponse',
  setDeviceVerificationKeyRequest: 'setDeviceVerificationKeyResponse',
};

export function isRequestKind(kind: OslpMessageKind): kind is OslpRequestKind {
  return hasOwn(OSLP_RESPONSE_KIND, kind);
}

function kindsSet(message: OslpMessage): OslpMessageKind[] {
  return (Object.keys(message) as OslpMessageKind[]).filter((kind) => message[kind] !== undefined);
}

/** The single message kind set in `message`; throws INVALID_ARGUMENT for none or several. */
export function messageKind(message: OslpMessage): OslpMessageKind {
  const kinds = kindsSet(message);
  if (kinds.length !== 1) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `an OSLP message holds exactly one kind, found ${kinds.length}`, {
      kinds: kinds.join(','),
    });
  }
  return kinds[0];
}

// ---------------------------------------------------------------- codec

/** Loaded once per process; resolved next to this file so it works from ts sources (tsx, jest). */
const PROTO_PATH = path.join(__dirname, 'oslp.proto');
let messageType: protobuf.Type | undefined;

function oslpMessageType(): protobuf.Type {
  messageType ??= protobuf.loadSync(PROTO_PATH).lookupType('oslp.Message');
  return messageType;
}

/** `bytes` fields that devices fill with exactly one octet and this module exposes as a number. */
const SINGLE_OCTET_FIELDS: ReadonlySet<string> = new Set([
  'oslp.LightValue.index',
  'oslp.LightValue.dimValue',
  'oslp.EventNotification.index',
  'oslp.ResumeScheduleRequest.index',
  'oslp.DaliConfiguration.numberOfLights',
  'oslp.IndexAddressMap.index',
  'oslp.IndexAddressMap.address',
  'oslp.RelayMatrix.masterRelayIndex',
  'oslp.SwitchConfigurationRequest.newConfigurationSet',
]);

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function isSingleOctetField(field: protobuf.Field): boolean {
  return field.parent !== null && SINGLE_OCTET_FIELDS.has(`${field.parent.fullName.slice(1)}.${field.name}`);
}

function invalid(location: string, problem: string): OslpProtocolError {
  return new OslpProtocolError('INVALID_ARGUMENT', `${location}: ${problem}`);
}

function malformed(location: string, problem: string): OslpProtocolError {
  return new OslpProtocolError('MALFORMED', `${location}: ${problem}`);
}

/** Plain TS shape -> object protobufjs encodes faithfully (enum numbers, octet buffers). */
function toWireObject(type: protobuf.Type, value: unknown, location: string): PlainObject {
  if (!isPlainObject(value)) throw invalid(location, 'object expected');
  for (const key of Object.keys(value)) {
    if (!hasOwn(type.fields, key) && value[key] !== undefined) throw invalid(location, `unknown field ${key}`);
  }
  const wire: PlainObject = {};
  for (const field of type.fieldsArray) {
    const fieldValue = value[field.name];
    const fieldLocation = `${location}.${field.name}`;
    if (fieldValue === undefined) {
      if (field.required) throw invalid(fieldLocation, 'required field missing');
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(fieldValue)) throw invalid(fieldLocation, 'array expected');
      wire[field.name] = fieldValue.map((item, i) => toWireValue(field, item, `${fieldLocation}[${i}]`));
    } else {
      wire[field.name] = toWireValue(field, fieldValue, fieldLocation);
    }
  }
  return wire;
}

function toWireValue(field: protobuf.Field, value: unknown, location: string): unknown {
  if (isSingleOctetField(field)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
      throw invalid(location, 'integer 0..255 expected');
    }
    return Buffer.from([value]);
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return toWireObject(resolved, value, location);
  if (resolved instanceof protobuf.Enum) {
    if (typeof value !== 'string' || !hasOwn(resolved.values, value)) throw invalid(location, 'unknown enum name');
    return resolved.values[value];
  }
  return value;
}

/** Decoded protobufjs object -> plain TS shape (octet buffers back to numbers). */
function fromWireObject(type: protobuf.Type, value: PlainObject, location: string): PlainObject {
  const plain: PlainObject = {};
  for (const field of type.fieldsArray) {
    const fieldValue = value[field.name];
    if (fieldValue === undefined || fieldValue === null) continue;
    const fieldLocation = `${location}.${field.name}`;
    if (Array.isArray(fieldValue)) {
      plain[field.name] = fieldValue.map((item, i) => fromWireValue(field, item, `${fieldLocation}[${i}]`));
    } else {
      const converted = fromWireValue(field, fieldValue, fieldLocation);
      if (converted !== undefined) plain[field.name] = converted;
    }
  }
  return plain;
}

function fromWireValue(field: protobuf.Field, value: unknown, location: string): unknown {
  if (isSingleOctetField(field)) {
    if (!(value instanceof Uint8Array)) throw malformed(location, 'bytes expected');
    if (value.length === 0) return undefined; // an empty index means "not given", as devices send it
    if (value.length > 1) throw malformed(location, 'one octet expected');
    return value[0];
  }
  if (field.resolvedType instanceof protobuf.Type) {
    if (!isPlainObject(value)) throw malformed(location, 'message expected');
    return fromWireObject(field.resolvedType, value, location);
  }
  if (field.type === 'bytes' && value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value);
  return value;
}

/** Serialises one OSLP message; throws INVALID_ARGUMENT when it cannot be put on the wire as given. */
export function encodeMessage(message: OslpMessage): Buffer {
  messageKind(message);
  const type = oslpMessageType();
  const wire = toWireObject(type, message, 'Message');
  const problem = type.verify(wire);
  if (problem) throw invalid('Message', problem);
  return Buffer.from(type.encode(type.fromObject(wire)).finish());
}

/** Parses one OSLP payload; throws MALFORMED on bytes that are no valid message, UNSUPPORTED_MESSAGE on an empty one. */
export function decodeMessage(payload: Buffer): OslpMessage {
  const type = oslpMessageType();
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(payload);
  } catch (error) {
    throw new OslpProtocolError('MALFORMED', `payload is no OSLP message: ${(error as Error).message}`, {}, { cause: error });
  }
  const problem = type.verify(decoded); // catches enum numbers this definition does not know
  if (problem) throw malformed('Message', problem);
  const wire: PlainObject = type.toObject(decoded, { enums: String, arrays: true, longs: Number });
  const message = fromWireObject(type, wire, 'Message') as OslpMessage;
  const kinds = kindsSet(message);
  if (kinds.length === 0) {
    throw new OslpProtocolError('UNSUPPORTED_MESSAGE', 'payload holds no message kind this adapter supports');
  }
  if (kinds.length > 1) throw malformed('Message', `holds ${kinds.length} kinds: ${kinds.join(', ')}`);
  return message;
}
