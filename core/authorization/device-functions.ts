// OSGP's authorization policy in one place: which device function group allows which device function, and
// why an organisation may not perform a function on a device. Pure (no I/O): the gate that reads the
// database is ./device-gate.ts, and workflows may use the types.
import type { AuthenticatedOrganisation } from '../organisations';

export type DeviceFunctionGroup =
  | 'OWNER'
  | 'INSTALLATION'
  | 'AD_HOC'
  | 'MANAGEMENT'
  | 'FIRMWARE'
  | 'SCHEDULING'
  | 'TARIFF_SCHEDULING'
  | 'CONFIGURATION'
  | 'MONITORING'
  | 'METADATA_MANAGEMENT';

/** What an organisation may do to a device; each device operation of the API needs one of these. */
export const deviceFunctions = [
  'SET_LIGHT',
  'GET_STATUS',
  'RESUME_SCHEDULE',
  'SET_TRANSITION',
  'SET_LIGHT_SCHEDULE',
  'SET_TARIFF_SCHEDULE',
  'START_SELF_TEST',
  'STOP_SELF_TEST',
  'SET_REBOOT',
  'SET_EVENT_NOTIFICATIONS',
  'FIND_EVENTS',
  'UPDATE_DEVICE',
  'SET_DEVICE_ALIAS',
  'SET_MAINTENANCE_STATUS',
  'SET_DEVICE_LIFECYCLE_STATUS',
  'GET_FIRMWARE_VERSION',
  'UPDATE_FIRMWARE',
  'SWITCH_FIRMWARE',
  'GET_CONFIGURATION',
  'SET_CONFIGURATION',
  'SWITCH_CONFIGURATION_BANK',
  'SET_DEVICE_VERIFICATION_KEY',
  'UPDATE_DEVICE_SSL_CERTIFICATION',
  // OSGP gives these to OWNER alone.
  'UPDATE_DEVICE_CDMA_SETTINGS',
  'SET_COMMUNICATION_NETWORK_INFORMATION',
  'FIND_SCHEDULED_TASKS',
  'GET_ACTUAL_POWER_USAGE',
  'GET_POWER_USAGE_HISTORY',
  'FIND_MESSAGE_LOGS',
  'UPDATE_KEY',
  'UPDATE_AUTHORISATIONS',
  // Smart metering (OSGP's names)
  'REQUEST_ACTUAL_METER_DATA',
  'REQUEST_PERIODIC_METER_DATA',
  'READ_ALARM_REGISTER',
  'CLEAR_ALARM_REGISTER',
  'SYNCHRONIZE_TIME',
  'GET_ASSOCIATION_LN_OBJECTS',
  'GET_SPECIFIC_ATTRIBUTE_VALUE',
  'HANDLE_BUNDLED_ACTIONS',
  'REPLACE_KEYS',
  // Tariff switching and light measurement devices (OSGP's names)
  'GET_TARIFF_STATUS',
  'SET_LIGHT_MEASUREMENT_DEVICE',
] as const;
export type DeviceFunction = (typeof deviceFunctions)[number];

/**
 * OWNER may do everything; every other group allows the functions listed. Changing a device's owner,
 * keys and authorisations is the owner's alone (or an ADMIN organisation's).
 */
export const deviceFunctionsByGroup: Record<Exclude<DeviceFunctionGroup, 'OWNER'>, readonly DeviceFunction[]> = {
  INSTALLATION: ['START_SELF_TEST', 'STOP_SELF_TEST', 'UPDATE_DEVICE'],
  AD_HOC: ['SET_LIGHT', 'GET_STATUS', 'RESUME_SCHEDULE', 'SET_TRANSITION', 'SET_REBOOT', 'START_SELF_TEST', 'STOP_SELF_TEST',
    'REQUEST_ACTUAL_METER_DATA', 'READ_ALARM_REGISTER', 'SYNCHRONIZE_TIME', 'GET_TARIFF_STATUS'],
  MANAGEMENT: [
    'SET_EVENT_NOTIFICATIONS',
    'FIND_EVENTS',
    'UPDATE_DEVICE',
    'SET_MAINTENANCE_STATUS',
    'SET_DEVICE_LIFECYCLE_STATUS',
    'FIND_MESSAGE_LOGS',
    'CLEAR_ALARM_REGISTER',
    'SYNCHRONIZE_TIME',
    'GET_ASSOCIATION_LN_OBJECTS',
    'GET_SPECIFIC_ATTRIBUTE_VALUE',
    'HANDLE_BUNDLED_ACTIONS',
    'SET_LIGHT_MEASUREMENT_DEVICE',
    'SET_DEVICE_VERIFICATION_KEY',
    'UPDATE_DEVICE_SSL_CERTIFICATION',
  ],
  FIRMWARE: ['GET_FIRMWARE_VERSION', 'UPDATE_FIRMWARE', 'SWITCH_FIRMWARE'],
  SCHEDULING: ['SET_LIGHT_SCHEDULE', 'RESUME_SCHEDULE'],
  TARIFF_SCHEDULING: ['SET_TARIFF_SCHEDULE'],
  CONFIGURATION: ['GET_CONFIGURATION', 'SET_CONFIGURATION', 'SWITCH_CONFIGURATION_BANK'],
  MONITORING: ['FIND_EVENTS', 'GET_ACTUAL_POWER_USAGE', 'GET_POWER_USAGE_HISTORY', 'REQUEST_ACTUAL_METER_DATA', 'REQUEST_PERIODIC_METER_DATA', 'READ_ALARM_REGISTER'],
  METADATA_MANAGEMENT: ['SET_DEVICE_ALIAS'],
};

export function groupAllows(group: DeviceFunctionGroup, fn: DeviceFunction): boolean {
  return group === 'OWNER' || deviceFunctionsByGroup[group].includes(fn);
}

export interface DeviceRefusal {
  code: 'UNAUTHORIZED' | 'DEVICE_NOT_ACTIVE' | 'DEVICE_IN_MAINTENANCE';
  message: string;
}

/**
 * Why the organisation may not perform `fn` on this device (null when it may): the per-device part of
 * authorizeDevices, for callers that refuse device by device instead of refusing the whole request (group
 * requests record a NOT_OK result with the code for each refused member).
 */
export function deviceRefusal(
  organisation: Pick<AuthenticatedOrganisation, 'identification' | 'platformFunctionGroup'>,
  device: { identification: string; activated: boolean; inMaintenance: boolean; functionGroups: DeviceFunctionGroup[] },
  fn: DeviceFunction,
  { operational = true }: { operational?: boolean } = {},
): DeviceRefusal | null {
  const allowed = organisation.platformFunctionGroup === 'ADMIN' || device.functionGroups.some((group) => groupAllows(group, fn));
  if (!allowed) {
    return {
      code: 'UNAUTHORIZED',
      message: `Organisation ${organisation.identification} may not ${fn} on device ${device.identification}: no function group allowing it`,
    };
  }
  if (!operational) return null;
  if (!device.activated) return { code: 'DEVICE_NOT_ACTIVE', message: `Device ${device.identification} is not activated` };
  if (device.inMaintenance) return { code: 'DEVICE_IN_MAINTENANCE', message: `Device ${device.identification} is in maintenance` };
  return null;
}
