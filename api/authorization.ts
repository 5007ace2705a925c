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

export type DeviceFunction = 'SET_LIGHT' | 'GET_STATUS' | 'UPDATE_AUTHORISATIONS';

/** OWNER may do everything; every other group allows the functions listed. */
export const deviceFunctionsByGroup: Record<Exclude<DeviceFunctionGroup, 'OWNER'>, readonly DeviceFunction[]> = {
  INSTALLATION: [],
  AD_HOC: ['SET_LIGHT', 'GET_STATUS'],
  MANAGEMENT: [],
  FIRMWARE: [],
  SCHEDULING: [],
  TARIFF_SCHEDULING: [],
  CONFIGURATION: [],
  MONITORING: [],
  METADATA_MANAGEMENT: [],
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
