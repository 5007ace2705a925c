import { createPublicKey } from 'node:crypto';
import { initServer } from '@ts-rest/express';
import { Prisma } from '../../generated/prisma/client';
import { coreContract, type DeviceView } from '../contracts/core';
import { requireEnabled } from '../authorization';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';

const s = initServer();

type DeviceRow = Prisma.DeviceGetPayload<{ include: { owner: { select: { identification: true } } } }>;

export function toDeviceView(device: DeviceRow): DeviceView {
  return {
    deviceIdentification: device.identification,
    alias: device.alias,
    protocol: device.protocol,
    networkAddress: device.networkAddress,
    port: device.port,
    deviceUid: device.oslpDeviceUid,
    latitude: device.latitude,
    longitude: device.longitude,
    ownerIdentification: device.owner?.identification ?? null,
    activated: device.activated,
    inMaintenance: device.inMaintenance,
    lifecycleStatus: device.lifecycleStatus,
    registeredAt: device.registeredAt?.toISOString() ?? null,
  };
}

export function coreHandlers({ prisma, logger }: ApiDeps) {
  return s.router(coreContract, {
    addDevice: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      assertEcPublicKey(body.publicKey);
      try {
        const device = await prisma.device.create({
          data: {
            identification: body.deviceIdentification,
            alias: body.alias,
            protocol: body.protocol,
            networkAddress: body.networkAddress,
            port: body.port,
            oslpDeviceUid: body.deviceUid,
            publicKey: body.publicKey,
            latitude: body.latitude,
            longitude: body.longitude,
            activated: body.activated,
            owner: { connect: { id: caller.id } },
            authorizations: { create: { organisationId: caller.id, functionGroup: 'OWNER' } },
          },
          include: { owner: { select: { identification: true } } },
        });
        logger.info('device added', { device: device.identification, owner: caller.identification });
        return { status: 201, body: toDeviceView(device) };
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new ApiError(409, 'DEVICE_EXISTS', 'A device with this deviceIdentification or deviceUid already exists');
        }
        throw error;
      }
    },
  });
}

/** OSLP signatures are ECDSA: refuse a key the adapter could never verify with, at the door. */
function assertEcPublicKey(pem: string): void {
  let keyType: string | undefined;
  let curve: string | undefined;
  try {
    const key = createPublicKey(pem);
    keyType = key.asymmetricKeyType;
    curve = key.asymmetricKeyDetails?.namedCurve;
  } catch {
    throw new ApiError(400, 'VALIDATION_FAILED', 'body.publicKey: not a readable PEM public key', 'body.publicKey');
  }
  if (keyType !== 'ec' || curve !== 'prime256v1') {
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      'body.publicKey: must be an EC P-256 (prime256v1) public key, as OSLP signs with',
      'body.publicKey',
    );
  }
}
