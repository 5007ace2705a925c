// Adding a device, the same for every kind (street lights, light measurement devices, smart meters): the
// caller becomes its owner (an OWNER authorisation), and an identification or device uid already taken is
// a 409, never a stack trace.
import type { Prisma } from '../../db/client';
import { isPrismaError } from '../../db/errors';
import { DomainError } from '../errors';
import type { AuthenticatedOrganisation } from '../organisations';
import type { Protocol } from '../protocols';

/** What every kind of device is added with (the contracts' common body fields). */
export interface NewDeviceFields {
  deviceIdentification: string;
  alias?: string;
  networkAddress?: string;
  port?: number;
  latitude?: number;
  longitude?: number;
  activated?: boolean;
}

/** The common part of a new device's row, owned by the caller; each kind adds its own fields to it. */
export function ownedDeviceData(
  caller: Pick<AuthenticatedOrganisation, 'id'>,
  protocol: Protocol,
  fields: NewDeviceFields,
): Prisma.DeviceCreateInput {
  return {
    identification: fields.deviceIdentification,
    alias: fields.alias,
    protocol,
    networkAddress: fields.networkAddress,
    port: fields.port,
    latitude: fields.latitude,
    longitude: fields.longitude,
    activated: fields.activated,
    owner: { connect: { id: caller.id } },
    authorizations: { create: { organisationId: caller.id, functionGroup: 'OWNER' } },
  };
}

/** Runs a device insert; a unique value already taken (identification, device uid) becomes 409 DEVICE_EXISTS. */
export async function insertNewDevice<T>(insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isPrismaError(error, 'P2002')) {
      throw new DomainError('CONFLICT', 'DEVICE_EXISTS', 'A device with this deviceIdentification or deviceUid already exists');
    }
    throw error;
  }
}
