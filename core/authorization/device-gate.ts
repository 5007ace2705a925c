// The gate every device operation passes before anything is started, whoever starts it (the API, a
// schedule, a light measurement device): the organisation enabled, the devices known, a function group
// allowing the function on each, and, for operations that reach the device, devices that are activated and
// not in maintenance. Refusals are domain errors that name the device.
import type { PrismaClient } from '../../db/client';
import { DomainError } from '../errors';
import { requireEnabled, type AuthenticatedOrganisation } from '../organisations';
import { asProtocol } from '../protocols';
import type { DeviceTarget } from '../requests/request-types';
import { deviceRefusal, type DeviceFunction, type DeviceFunctionGroup } from './device-functions';

interface GateRow {
  identification: string;
  protocol: string;
  activated: boolean;
  inMaintenance: boolean;
  functionGroups: DeviceFunctionGroup[];
}

/**
 * Checks that the organisation may perform `fn` on every device and returns them as request targets, in the
 * order asked. ADMIN organisations may act on every device.
 */
export async function authorizeDevices(
  prisma: PrismaClient,
  organisation: AuthenticatedOrganisation,
  identifications: string[],
  fn: DeviceFunction,
  options: { operational?: boolean } = {},
): Promise<DeviceTarget[]> {
  return (await checkEachDevice(prisma, organisation, identifications, fn, options)).map((checked) => {
    if ('refusal' in checked) throw checked.refusal;
    return checked;
  });
}

/**
 * The same checks per device, without stopping at the first refusal: bulk operations answer a result per
 * device. Each entry is the device's request target or the DomainError that refuses it, in the order asked.
 */
export async function checkEachDevice(
  prisma: PrismaClient,
  organisation: AuthenticatedOrganisation,
  identifications: string[],
  fn: DeviceFunction,
  { operational = true }: { operational?: boolean } = {},
): Promise<Array<DeviceTarget | { deviceIdentification: string; refusal: DomainError }>> {
  requireEnabled(organisation);
  // One statement for the devices and the organisation's function groups on each (every device request reads it).
  const devices = await prisma.$queryRaw<GateRow[]>`
    SELECT d."identification", d."protocol", d."activated", d."inMaintenance",
           COALESCE(array_agg(a."functionGroup"::text) FILTER (WHERE a."functionGroup" IS NOT NULL), ARRAY[]::text[]) AS "functionGroups"
    FROM "Device" d
    LEFT JOIN "DeviceAuthorization" a ON a."deviceId" = d."id" AND a."organisationId" = ${organisation.id}
    WHERE d."identification" = ANY(${identifications}::text[])
    GROUP BY d."id"`;
  const byIdentification = new Map(devices.map((device) => [device.identification, device]));
  return identifications.map((identification) => {
    const device = byIdentification.get(identification);
    if (!device) {
      return { deviceIdentification: identification, refusal: new DomainError('NOT_FOUND', 'DEVICE_NOT_FOUND', `Device ${identification} does not exist`) };
    }
    const refusal = deviceRefusal(organisation, device, fn, { operational });
    if (refusal) return { deviceIdentification: identification, refusal: new DomainError('FORBIDDEN', refusal.code, refusal.message) };
    return { deviceIdentification: identification, protocol: asProtocol(device.protocol) };
  });
}
