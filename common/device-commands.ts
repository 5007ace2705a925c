// The generic intermediate format of device commands and responses: domains produce it, protocol adapters
// translate it. Shared by workflows, activities and adapters, so it must stay free of I/O and Node APIs.
// Which protocols exist and where their commands go is the protocol registry's (core/protocols.ts).
import type { DeviceConfiguration } from './device-configuration';

/** index 0 means every light of the device; dimValue 1-100 applies when on. */
export interface LightValue {
  index: number;
  on: boolean;
  dimValue?: number;
}

/**
 * Groups of device events a device can be told to report (OSGP's EventNotificationType); a device reports
 * the groups it was last set to, and GetStatus shows them.
 */
export const eventNotificationTypes = [
  'DIAG_EVENTS',
  'HARDWARE_FAILURE',
  'LIGHT_EVENTS',
  'TARIFF_EVENTS',
  'MONITOR_EVENTS',
  'FIRMWARE_EVENTS',
  'COMM_EVENTS',
  'SECURITY_EVENTS',
] as const;
export type EventNotificationType = (typeof eventNotificationTypes)[number];

/** OSLP's week days of a schedule entry; WEEKDAY = Monday-Friday, ABSOLUTEDAY = the dates startDay..endDay. */
export const scheduleWeekDays = [
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
  'SUNDAY',
  'WEEKDAY',
  'WEEKEND',
  'ABSOLUTEDAY',
  'ALL',
] as const;
export type ScheduleWeekDay = (typeof scheduleWeekDays)[number];

/** ABSOLUTETIME at `time`; SUNRISE/SUNSET at the device's astronomical time, moved by the schedule's offsets. */
export const scheduleActionTimes = ['ABSOLUTETIME', 'SUNRISE', 'SUNSET'] as const;
export type ScheduleActionTime = (typeof scheduleActionTimes)[number];

/** LIGHT_TRIGGER: the entry waits for a setTransition (a light sensor) inside its window; ASTRONOMICAL: it does not. */
export const scheduleTriggerTypes = ['LIGHT_TRIGGER', 'ASTRONOMICAL'] as const;
export type ScheduleTriggerType = (typeof scheduleTriggerTypes)[number];

export interface ScheduleEntry {
  weekDay: ScheduleWeekDay;
  /** YYYY-MM-DD: the first day the entry applies (required with ABSOLUTEDAY). */
  startDay?: string;
  /** YYYY-MM-DD, inclusive. */
  endDay?: string;
  actionTime: ScheduleActionTime;
  /** HH:MM (device local time), with ABSOLUTETIME. */
  time?: string;
  /** Minutes before and after the astronomical time in which a light trigger is awaited. */
  window?: { minutesBefore: number; minutesAfter: number };
  /** What the entry switches; for tariff schedules the device relay states (already inverted for reversed relays). */
  lightValues: LightValue[];
  triggerType?: ScheduleTriggerType;
  /** Seconds the lights must burn at least before the device decides to switch them on. */
  minimumLightsOn?: number;
  /** The entry's place in the device's schedule list. */
  index?: number;
  isEnabled?: boolean;
}

export const scheduleTypes = ['LIGHT', 'TARIFF'] as const;
export type ScheduleType = (typeof scheduleTypes)[number];

export const transitionTypes = ['NIGHT_DAY', 'DAY_NIGHT'] as const;
export type TransitionType = (typeof transitionTypes)[number];

/** A relay (output) of a switching device as the platform knows it; TARIFF_REVERSED switches the other way. */
export const relayTypes = ['LIGHT', 'TARIFF', 'TARIFF_REVERSED'] as const;
export type RelayType = (typeof relayTypes)[number];

export interface RelayConfiguration {
  /** 1..6, the device's output index. */
  index: number;
  relayType: RelayType;
}

export type DeviceCommand =
  | { kind: 'setLight'; lightValues: LightValue[] }
  | { kind: 'getStatus' }
  /** Core StartDeviceTest: the device switches its lights on for the test. */
  | { kind: 'startSelfTest' }
  /** Core StopDeviceTest: the device ends the test, restores its lights and reports the test result. */
  | { kind: 'stopSelfTest' }
  | { kind: 'setReboot' }
  /** The complete set of event groups the device is to report from now on; empty switches them all off. */
  | { kind: 'setEventNotifications'; eventNotificationTypes: EventNotificationType[] }
  /**
   * The device's own schedule, replaced as a whole. OSLP sends a long schedule in pages, one exchange each;
   * astronomical offsets (minutes; negative = earlier) are per device in OSLP, sent with its configuration.
   */
  | {
      kind: 'setSchedule';
      scheduleType: ScheduleType;
      entries: ScheduleEntry[];
      astronomicalSunriseOffset?: number;
      astronomicalSunsetOffset?: number;
    }
  /** Back to the schedule after a setLight; index 0 or absent = all lights; immediate = now, else at the next entry. */
  | { kind: 'resumeSchedule'; index?: number; immediate: boolean }
  /** A light sensor's verdict: the device's LIGHT_TRIGGER entries act on it; time HH:MM (UTC) when it happened. */
  | { kind: 'setTransition'; transitionType: TransitionType; time?: string }
  /** The device's active firmware version. */
  | { kind: 'getFirmwareVersion' }
  /**
   * Download and activate a firmware image from http://<firmwareDomain><firmwareUrl>. The URL carries a token
   * for this device that expires; the device reports its new version after its restart.
   */
  | { kind: 'updateFirmware'; firmwareDomain: string; firmwareUrl: string }
  /** Activate a firmware version the device already holds (e.g. its previous one). */
  | { kind: 'switchFirmware'; newFirmwareVersion: string }
  /** Core configuration: read the device's configuration. */
  | { kind: 'getConfiguration' }
  /** Core configuration: the fields given change; the device keeps the others. */
  | { kind: 'setConfiguration'; configuration: DeviceConfiguration }
  /** Core configuration: the device switches to its other configuration bank (0 or 1). */
  | { kind: 'switchConfiguration'; configurationBank: number }
  /** The platform's public key (Base64 of its DER SPKI) the device is to verify the platform's messages with. */
  | { kind: 'setDeviceVerificationKey'; verificationKey: string }
  /** The device fetches a new TLS certificate from certificateDomain at certificateUrl. */
  | { kind: 'updateDeviceSslCertification'; certificateDomain: string; certificateUrl: string };
export type DeviceCommandKind = DeviceCommand['kind'];

export interface DeviceStatus {
  lightValues: LightValue[];
  preferredLinkType?: string;
  actualLinkType?: string;
  lightType?: string;
  eventNotificationMask?: number;
  /** The event groups the device reports (eventNotificationMask decoded). */
  eventNotificationTypes?: EventNotificationType[];
}

export type DeviceResponse =
  /** lightValues: what the device accepted to switch to (its state now, until something else switches it). */
  | { kind: 'setLight'; lightValues?: LightValue[] }
  | { kind: 'getStatus'; status: DeviceStatus }
  | { kind: 'startSelfTest' }
  /** selfTestResult: the device's result bytes as hex; what they mean is up to the device maker. */
  | { kind: 'stopSelfTest'; selfTestResult: string }
  | { kind: 'setReboot' }
  | { kind: 'setEventNotifications' }
  /** pages: the SetSchedule exchanges it took (1 for a schedule that fits one message). */
  | { kind: 'setSchedule'; pages: number }
  | { kind: 'resumeSchedule' }
  | { kind: 'setTransition' }
  | { kind: 'getFirmwareVersion'; firmwareVersion: string }
  /** The device accepted the image URL; it downloads, verifies and activates the image on its own. */
  | { kind: 'updateFirmware' }
  | { kind: 'switchFirmware' }
  | { kind: 'getConfiguration'; configuration: DeviceConfiguration }
  | { kind: 'setConfiguration' }
  | { kind: 'switchConfiguration' }
  | { kind: 'setDeviceVerificationKey' }
  | { kind: 'updateDeviceSslCertification' }
  /**
   * Not a device answer: what tariff switching records for a getStatus, each tariff relay's functional value
   * (high = the high tariff is on; for a TARIFF_REVERSED relay that is the relay off).
   */
  | { kind: 'getTariffStatus'; tariffValues: TariffValue[] }
  /** The DLMS adapter's answer to a DlmsCommand: a result per action, in the order asked. */
  | { kind: 'dlms'; actions: DlmsActionResult[] }
  /** Smart metering: the functional result of each action of a request (one, or a bundle's). */
  | { kind: 'smartMetering'; actions: MeterActionResult[] };

export interface TariffValue {
  /** 1..6, the relay's index. */
  index: number;
  high: boolean;
}

export interface DeviceCommandRequest {
  correlationUid: string;
  deviceIdentification: string;
  command: DeviceCommand;
}

export interface DeviceCommandOutcome {
  response: DeviceResponse;
  /** The attempt (1-based) that reached the device and got its answer. */
  attempt: number;
}

// ---- Smart metering (DLMS/COSEM): generic COSEM operations ----
// The smart metering domain turns functional actions (getActualMeterReads, findEvents, ...) into these; the DLMS
// adapter executes them over one association without knowing what an OBIS code means. Kept apart from
// DeviceCommand (which the OSLP adapter translates exhaustively): the DLMS adapter's executeDeviceCommand takes
// both and refuses every DeviceCommand as UNSUPPORTED_COMMAND. Everything here is JSON (workflow payloads).

/** An attribute of a COSEM object; obis as six dotted decimals, e.g. "1.0.1.8.0.255". */
export interface CosemAttributeRef {
  classId: number;
  obis: string;
  attribute: number;
}

export interface CosemMethodRef {
  classId: number;
  obis: string;
  method: number;
}

/** Selective access by range (profile generic buffers): the rows whose restricting value is within from..to. */
export interface CosemRangeAccess {
  kind: 'range';
  /** ISO 8601 instants. */
  from: string;
  to: string;
  /** Default: the clock 0.0.1.0.0.255 attribute 2. */
  restrictingObject?: CosemAttributeRef;
  /** Default: all columns. */
  columns?: CosemAttributeRef[];
}

/** A COSEM (A-XDR) value as JSON: 64-bit integers as decimal text, octet strings as hex. */
export type CosemValue =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  | { type: 'bit-string'; value: string }
  | { type: 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'enum' | 'float32' | 'float64' | 'bcd'; value: number }
  | { type: 'int64' | 'uint64'; value: string }
  | { type: 'octet-string'; hex: string }
  | { type: 'visible-string' | 'utf8-string'; value: string }
  | { type: 'array' | 'structure'; value: CosemValue[] }
  /** instant: ISO 8601 when the meter's date-time names one; hex: the 12 bytes as sent. */
  | { type: 'date-time'; instant: string | null; hex: string; deviation: number | null; clockStatus: number | null }
  | { type: 'date' | 'time'; hex: string }
  /** Only in a set or action: the adapter's UTC time at the moment it sends the request, as a date-time. */
  | { type: 'date-time-now' };

export interface CosemObjectInfo {
  classId: number;
  version: number;
  obis: string;
  attributes: Array<{ id: number; access: number }>;
  methods: Array<{ id: number; access: number }>;
}

/** optional: a data access error of this operation does not fail its action (objects a meter may lack). */
export type CosemOperation =
  | { op: 'get'; attribute: CosemAttributeRef; access?: CosemRangeAccess; optional?: boolean }
  | { op: 'set'; attribute: CosemAttributeRef; value: CosemValue; optional?: boolean }
  | { op: 'action'; method: CosemMethodRef; parameter?: CosemValue; optional?: boolean }
  /** The association's object list (attribute 2 of 0.0.40.0.0.255). */
  | { op: 'objectList'; optional?: boolean }
  /**
   * global_key_transfer (method 2) of the security setup object (class 64) `securitySetup`: the adapter opens
   * the keys (sealed by the platform's DLMS key store for this meter and purpose; never plain in a payload),
   * wraps them under the meter's stored master key (RFC 3394) and, once the meter accepted them, stores them
   * as the meter's keys. The meter uses them from the next association on: nothing after it in the command
   * runs over this association.
   */
  | { op: 'globalKeyTransfer'; securitySetup: string; keys: SealedGlobalKey[]; optional?: boolean };

/** A new global key for a key transfer, sealed (core/keys/dlms-key-store.ts) with the purpose it will be stored under. */
export interface SealedGlobalKey {
  keyType: 'AUTHENTICATION' | 'UNICAST_ENCRYPTION';
  sealed: string;
}

export type CosemOperationResult =
  /** value: what a get read, an action returned, or a set wrote (date-time-now resolved); objects: objectList. */
  | { ok: true; value?: CosemValue; objects?: CosemObjectInfo[] }
  /** dataAccessResult: the meter's Data-Access-Result (e.g. object-undefined) for DATA_ACCESS errors. */
  | { ok: false; errorCode: string; message: string; dataAccessResult?: string };

/** A group of operations that succeed or fail together: one functional action of a request or bundle. */
export interface DlmsAction {
  id: string;
  operations: CosemOperation[];
}

export interface DlmsCommand {
  kind: 'dlms';
  /** Executed in order over one association. */
  actions: DlmsAction[];
  /** The request's attempt at these actions (1-based; the workflow retries, not the activity), for the log. */
  attempt?: number;
}

export interface DlmsCommandRequest {
  correlationUid: string;
  deviceIdentification: string;
  command: DlmsCommand;
}

/**
 * OK: every operation answered (optional ones may carry a data access error). PERMANENT_FAILURE: the meter
 * refused an operation in a way a retry cannot fix. TRANSIENT_FAILURE: the link dropped or timed out during
 * the action, or before it was reached; retrying it (alone) can help.
 */
export interface DlmsActionResult {
  id: string;
  outcome: 'OK' | 'PERMANENT_FAILURE' | 'TRANSIENT_FAILURE';
  /** One per operation, for OK actions. */
  results?: CosemOperationResult[];
  errorCode?: string;
  message?: string;
}

/** One functional action's result as the request record keeps it (per device, per action for bundles). */
export interface MeterActionResult {
  /** The action's position in the request and its name, e.g. getActualMeterReads. */
  index: number;
  action: string;
  result: 'OK' | 'NOT_OK';
  /** Associations this action was part of (only failed actions are tried again). */
  attempts: number;
  errorCode?: string;
  message?: string;
  /** What the action read, decoded: meter reads with units applied, events with names, ... (JSON). */
  data?: unknown;
}

/**
 * Failure types an adapter raises. The permanent ones are non-retryable: retrying cannot fix them.
 * Anything else (connection refused, timeouts, a dropped connection) is transient and retried.
 */
export const permanentFailureTypes = [
  'DEVICE_UNKNOWN',
  'DEVICE_NOT_REACHABLE_CONFIG',
  'BAD_SIGNATURE',
  'DEVICE_REJECTED',
  'DEVICE_FAILURE',
  'UNSUPPORTED_COMMAND',
  // DLMS: wrong keys or password, a refused association, APDUs that do not decrypt (retrying only locks meters out).
  'AUTHENTICATION_FAILED',
  'ASSOCIATION_REJECTED',
  'DECRYPTION_FAILED',
  // OSLP: a verification key the platform holds no private key for (the device would refuse all it sends).
  'PLATFORM_KEY_UNKNOWN',
] as const;
export type PermanentFailureType = (typeof permanentFailureTypes)[number];

/** Details attached to an adapter failure so the workflow can record how many attempts were made. */
export interface DeviceFailureDetails {
  attempt: number;
}

/**
 * One attempt at the same command on many devices, in one activity: what mass switching (groups of tens of
 * thousands) runs on, since one activity per device would cost Temporal three history events per device.
 * The adapter tries every device once, concurrently, and says per device whether a retry could help; the
 * workflow retries only the transient ones, in a later batch.
 */
export interface DeviceBatchRequest {
  correlationUid: string;
  deviceIdentifications: string[];
  command: DeviceCommand;
  /** The attempt (1-based) this batch is for each of its devices; recorded with the results. */
  attempt: number;
  /** Device exchanges in flight at once inside this activity. */
  concurrency: number;
}

export type DeviceBatchOutcome = 'OK' | 'PERMANENT_FAILURE' | 'TRANSIENT_FAILURE';

export interface DeviceBatchItemResult {
  deviceIdentification: string;
  outcome: DeviceBatchOutcome;
  response?: DeviceResponse;
  /** A permanentFailureTypes member, or the transport's code for a transient failure. */
  errorCode?: string;
  message?: string;
  /** When the device answered or the attempt failed (epoch ms): per-device latency is measured on it. */
  finishedAtMs: number;
}

export interface DeviceBatchResult {
  results: DeviceBatchItemResult[];
}

/** What a light measurement device reports (OSGP's event types): its lights follow with a setTransition. */
export const lightSensorVerdicts = ['LIGHT_SENSOR_REPORTS_DARK', 'LIGHT_SENSOR_REPORTS_LIGHT'] as const;
export type LightSensorVerdict = (typeof lightSensorVerdicts)[number];

export function isLightSensorVerdict(value: string): value is LightSensorVerdict {
  return (lightSensorVerdicts as readonly string[]).includes(value);
}
