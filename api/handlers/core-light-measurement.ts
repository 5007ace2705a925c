import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../generated/prisma/client';
import { requireEnabled } from '../../core/organisations';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { callerOf, type ApiDeps } from '../context';
import { coreLightMeasurementContract, type LightMeasurementDeviceView } from '../contracts/core-light-measurement';
import { ApiError } from '../errors';
import { assertP256PublicKey } from '../public-keys';
import { insertNewDevice, ownedDeviceData } from '../../core/devices/new-devices';
import { toDeviceView } from './core';

const s = initServer();

const lmdInclude = { owner: { select: { identification: true } }, lightMeasurement: true } as const satisfies Prisma.DeviceInclude;
type LmdRow = Prisma.DeviceGetPayload<{ include: typeof lmdInclude }>;

function toLmdView(device: LmdRow): LightMeasurementDeviceView {
  return {
    ...toDeviceView(device),
    code: device.lightMeasurement?.code ?? null,
    color: device.lightMeasurement?.color ?? null,
    digitalInput: device.lightMeasurement?.digitalInput ?? null,
    lastCommunicationTime: device.lightMeasurement?.lastCommunicationTime?.toISOString() ?? null,
  };
}

export function coreLightMeasurementHandlers({ prisma, logger }: ApiDeps) {
  return s.router(coreLightMeasurementContract, {
    addLightMeasurementDevice: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      assertP256PublicKey(body.publicKey, 'body.publicKey');
      const device = await insertNewDevice(() =>
        prisma.device.create({
          data: {
            ...ownedDeviceData(caller, body.protocol, body),
            deviceType: 'LMD',
            oslpDeviceUid: body.deviceUid,
            publicKey: body.publicKey,
            lightMeasurement: { create: { code: body.code, color: body.color, digitalInput: body.digitalInput } },
          },
          include: lmdInclude,
        }),
      );
      logger.info('light measurement device added', { device: device.identification, owner: caller.identification });
      return { status: 201, body: toLmdView(device) };
    },

    updateLightMeasurementDevice: async ({ params, body, res }) => {
      const caller = callerOf(res);
      await authorizeDevices(prisma, caller, [params.deviceIdentification], 'UPDATE_DEVICE', { operational: false });
      const existing = await prisma.device.findUniqueOrThrow({ where: { identification: params.deviceIdentification } });
      if (existing.deviceType !== 'LMD') {
        throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${params.deviceIdentification} is no light measurement device`);
      }
      const lmdData = { code: body.code, color: body.color, digitalInput: body.digitalInput };
      const device = await prisma.device.update({
        where: { id: existing.id },
        data: {
          alias: body.alias,
          latitude: body.latitude,
          longitude: body.longitude,
          lightMeasurement: { upsert: { create: lmdData, update: lmdData } },
        },
        include: lmdInclude,
      });
      logger.info('light measurement device changed', { device: device.identification, by: caller.identification });
      return { status: 200, body: toLmdView(device) };
    },
  });
}
