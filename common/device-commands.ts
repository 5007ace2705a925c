// The generic intermediate format of device commands and responses: domains produce it, protocol adapters
// translate it. Shared by workflows, activities and adapters, so it must stay free of I/O and Node APIs.

export const protocols = ['OSLP', 'DLMS'] as const;
export type Protocol = (typeof protocols)[number];

/** Routing a command to a protocol is choosing the activity task queue of that protocol's adapter. */
export function adapterTaskQueue(protocol: Protocol): string {
  return `adapter-${protocol.toLowerCase()}`;
}

/** The task queue of domain workflows and core activities (database records). */
export const coreTaskQueue = 'core';

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

export type DeviceCommand =
  | { kind: 'setLight'; lightValues: LightValue[] }
  | { kind: 'getStatus' }
  /** Core StartDeviceTest: the device switches its lights on for the test. */
  | { kind: 'startSelfTest' }
  /** Core StopDeviceTest: the device ends the test, restores its lights and reports the test result. */
  | { kind: 'stopSelfTest' }
  | { kind: 'setReboot' }
  /** The complete set of event groups the device is to report from now on; empty switches them all off. */
  | { kind: 'setEventNotifications'; eventNotificationTypes: EventNotificationType[] };
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
  | { kind: 'setLight' }
  | { kind: 'getStatus'; status: DeviceStatus }
  | { kind: 'startSelfTest' }
  /** selfTestResult: the device's result bytes as hex; what they mean is up to the device maker. */
  | { kind: 'stopSelfTest'; selfTestResult: string }
  | { kind: 'setReboot' }
  | { kind: 'setEventNotifications' };

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
] as const;
export type PermanentFailureType = (typeof permanentFailureTypes)[number];

/** Details attached to an adapter failure so the workflow can record how many attempts were made. */
export interface DeviceFailureDetails {
  attempt: number;
}
