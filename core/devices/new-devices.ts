// Adding a device, the same for every kind (street lights, light measurement devices, smart meters): the
// caller becomes its owner (an OWNER authorisation), and an identification or device uid already taken is
// a 409, never a stack trace.
import type { Prisma, PrismaClient } from '../../db/client';
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

function deviceColumns(protocol: Protocol, fields: NewDeviceFields) {
  return {
    identification: fields.deviceIdentification,
    alias: fields.alias,
    protocol,
    networkAddress: fields.networkAddress,
    port: fields.port,
    latitude: fields.latitude,
    longitude: fields.longitude,
    activated: fields.activated,
  };
}

/** The common part of a new device's row, owned by the caller; each kind adds its own fields to it. */
export function ownedDeviceData(
  caller: Pick<AuthenticatedOrganisation, 'id'>,
  protocol: Protocol,
  fields: NewDeviceFields,
): Prisma.DeviceCreateInput {
  return {
    ...deviceColumns(protocol, fields),
    owner: { connect: { id: caller.id } },
    authorizations: { create: { organisationId: caller.id, functionGroup: 'OWNER' } },
  };
}

/** A device with its own uid and public key (OSLP), as addDevice and addDevices take it. */
export interface NewKeyedDevice extends NewDeviceFields {
  protocol: Protocol;
  deviceUid: string;
  publicKey: string;
  deviceType?: 'SSLD' | 'PSLD';
}

/**
 * ADDED; EXISTS when the identification is already there with the same uid and public key (a re-run of an
 * import: reported, not failed); REFUSED with a code otherwise.
 */
export type AddDeviceResult =
  | { deviceIdentification: string; result: 'ADDED' | 'EXISTS' }
  | { deviceIdentification: string; result: 'REFUSED'; code: string; message: string };

/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement. */
const insertChunk = 1_000;

/**
 * Adds many devices at once, each owned by the caller as with ownedDeviceData (one OWNER authorisation),
 * and answers a result per row in the order given. Rows never fail each other: a taken identification or uid
 * is that row's result.
 */
export async function addDevices(
  prisma: PrismaClient,
  caller: Pick<AuthenticatedOrganisation, 'id'>,
  rows: readonly NewKeyedDevice[],
): Promise<AddDeviceResult[]> {
  const existing = await prisma.device.findMany({
    where: {
      OR: [{ identification: { in: rows.map((r) => r.deviceIdentification) } }, { oslpDeviceUid: { in: rows.map((r) => r.deviceUid) } }],
    },
    select: { identification: true, oslpDeviceUid: true, publicKey: true },
  });
  const byIdentification = new Map(existing.map((d) => [d.identification, d]));
  const uidOwner = new Map(existing.map((d) => [d.oslpDeviceUid, d.identification]));
  const results: AddDeviceResult[] = [];
  const toInsert: NewKeyedDevice[] = [];
  for (const row of rows) {
    const id = row.deviceIdentification;
    const refuse = (code: string, message: string) => results.push({ deviceIdentification: id, result: 'REFUSED', code, message });
    const present = byIdentification.get(id);
    if (present) {
      if (present.oslpDeviceUid === row.deviceUid && present.publicKey === row.publicKey) results.push({ deviceIdentification: id, result: 'EXISTS' });
      else refuse('DEVICE_EXISTS', `Device ${id} already exists with another deviceUid or publicKey`);
    } else if (uidOwner.has(row.deviceUid)) {
      refuse('DEVICE_UID_TAKEN', `deviceUid ${row.deviceUid} belongs to device ${uidOwner.get(row.deviceUid)}`);
    } else {
      // Later rows of the same call see this one as taken.
      byIdentification.set(id, { identification: id, oslpDeviceUid: row.deviceUid, publicKey: row.publicKey });
      uidOwner.set(row.deviceUid, id);
      results.push({ deviceIdentification: id, result: 'ADDED' });
      toInsert.push(row);
    }
  }
  const inserted = new Set<string>();
  await prisma.$transaction(async (tx) => {
    for (let start = 0; start < toInsert.length; start += insertChunk) {
      const chunk = toInsert.slice(start, start + insertChunk);
      const created = await tx.device.createManyAndReturn({
        data: chunk.map((row) => ({
          ...deviceColumns(row.protocol, row),
          ownerId: caller.id,
          oslpDeviceUid: row.deviceUid,
          publicKey: row.publicKey,
          deviceType: row.deviceType,
        })),
        // Added meanwhile by another call: that row is refused below, the others still go in.
        skipDuplicates: true,
        select: { id: true, identification: true },
      });
      await tx.deviceAuthorization.createMany({
        data: created.map((device) => ({ deviceId: device.id, organisationId: caller.id, functionGroup: 'OWNER' as const })),
      });
      for (const device of created) inserted.add(device.identification);
    }
  }, { timeout: 120_000 }); // 10,000 rows on a busy machine take far longer than the 5 s default
  return results.map((result) =>
    result.result === 'ADDED' && !inserted.has(result.deviceIdentification)
      ? { ...result, result: 'REFUSED', code: 'DEVICE_EXISTS', message: `Device ${result.deviceIdentification} was added at the same time by another call` }
      : result,
  );
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
