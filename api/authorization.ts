// OSGP's authorization model in one place: which device function group allows which device function, and
// the check every device operation passes before anything is started.
import type { PrismaClient } from '../db/client';
import type { Protocol } from '../common/device-commands';
import type { AuthenticatedOrganisation } from './api-keys';
import { ApiError } from './errors';

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
  'GET_CONFIGURATION',
  'SET_CONFIGURATION',
  'GET_ACTUAL_POWER_USAGE',
  'GET_POWER_USAGE_HISTORY',
  'FIND_MESSAGE_LOGS',
  'UPDATE_KEY',
  'UPDATE_AUTHORISATIONS',
] as const;
export type DeviceFunction = (typeof deviceFunctions)[number];

/**
 * OWNER may do everything; every other group allows the functions listed. Changing a device's owner,
 * keys and authorisations is the owner's alone (or an ADMIN organisation's).
 */
export const deviceFunctionsByGroup: Record<Exclude<DeviceFunctionGroup, 'OWNER'>, readonly DeviceFunction[]> = {
  INSTALLATION: ['START_SELF_TEST', 'STOP_SELF_TEST', 'UPDATE_DEVICE'],
  AD_HOC: ['SET_LIGHT', 'GET_STATUS', 'RESUME_SCHEDULE', 'SET_TRANSITION', 'SET_REBOOT', 'START_SELF_TEST', 'STOP_SELF_TEST'],
  MANAGEMENT: [
    'SET_EVENT_NOTIFICATIONS',
    'FIND_EVENTS',
    'UPDATE_DEVICE',
    'SET_MAINTENANCE_STATUS',
    'SET_DEVICE_LIFECYCLE_STATUS',
    'FIND_MESSAGE_LOGS',
  ],
  FIRMWARE: ['GET_FIRMWARE_VERSION', 'UPDATE_FIRMWARE'],
  SCHEDULING: ['SET_LIGHT_SCHEDULE', 'RESUME_SCHEDULE'],
  TARIFF_SCHEDULING: ['SET_TARIFF_SCHEDULE'],
  CONFIGURATION: ['GET_CONFIGURATION', 'SET_CONFIGURATION'],
  MONITORING: ['FIND_EVENTS', 'GET_ACTUAL_POWER_USAGE', 'GET_POWER_USAGE_HISTORY'],
  METADATA_MANAGEMENT: ['SET_DEVICE_ALIAS'],
};

export function groupAllows(group: DeviceFunctionGroup, fn: DeviceFunction): boolean {
  return group === 'OWNER' || deviceFunctionsByGroup[group].includes(fn);
}

export interface AuthorizedDevice {
  deviceIdentification: string;
  protocol: Protocol;
}

export function requireEnabled(organisation: AuthenticatedOrganisation): void {
  if (!organisation.enabled) {
    throw new ApiError(403, 'ORGANISATION_DISABLED', `Organisation ${organisation.identification} is disabled`);
  }
}

export function requireAdmin(organisation: AuthenticatedOrganisation): void {
  requireEnabled(organisation);
  if (organisation.platformFunctionGroup !== 'ADMIN') {
    throw new ApiError(403, 'UNAUTHORIZED', `Organisation ${organisation.identification} is not an ADMIN organisation`);
  }
}

/**
 * Checks that the organisation may perform `fn` on every device: enabled organisation, known devices, a
 * function group allowing the function and, for operations that reach the device (`operational`), devices
 * that are activated and not in maintenance. ADMIN organisations may act on every device. Refusals name
 * the device.
 */
export async function authorizeDevices(
  prisma: PrismaClient,
  organisation: AuthenticatedOrganisation,
  identifications: string[],
  fn: DeviceFunction,
  { operational = true }: { operational?: boolean } = {},
): Promise<AuthorizedDevice[]> {
  requireEnabled(organisation);
  const devices = await prisma.device.findMany({
    where: { identification: { in: identifications } },
    select: {
      identification: true,
      protocol: true,
      activated: true,
      inMaintenance: true,
      authorizations: { where: { organisationId: organisation.id }, select: { functionGroup: true } },
    },
  });
  const byIdentification = new Map(devices.map((device) => [device.identification, device]));
  const isAdmin = organisation.platformFunctionGroup === 'ADMIN';
  return identifications.map((identification) => {
    const device = byIdentification.get(identification);
    if (!device) throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${identification} does not exist`);
    const allowed = isAdmin || device.authorizations.some((a) => groupAllows(a.functionGroup, fn));
    if (!allowed) {
      throw new ApiError(
        403,
        'UNAUTHORIZED',
        `Organisation ${organisation.identification} may not ${fn} on device ${identification}: no function group allowing it`,
      );
    }
    if (!operational) return { deviceIdentification: identification, protocol: device.protocol };
    if (!device.activated) throw new ApiError(403, 'DEVICE_NOT_ACTIVE', `Device ${identification} is not activated`);
    if (device.inMaintenance) {
      throw new ApiError(403, 'DEVICE_IN_MAINTENANCE', `Device ${identification} is in maintenance`);
    }
    return { deviceIdentification: identification, protocol: device.protocol };
  });
}
