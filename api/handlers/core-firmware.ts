import { initServer } from '@ts-rest/express';
import { coreFirmwareContract } from '../contracts/core-firmware';
import { callerOf, firmwareOf, type ApiDeps } from '../context';
import { decodeCursor, encodeCursor, invalidCursor } from '../cursors';
import { accepted, requestOptionsFrom } from '../device-requests';
import {
  addDeviceModel,
  addFirmware,
  addManufacturer,
  addOrChangeFirmware,
  changeDeviceModel,
  changeFirmware,
  changeManufacturer,
  findAllDeviceModels,
  findAllFirmwares,
  findAllManufacturers,
  findDeviceModel,
  findFirmware,
  findManufacturer,
  removeDeviceModel,
  removeFirmware,
  removeManufacturer,
} from '../../core/firmware/catalogue';
import { authorizeFirmwareUpdate, getDeviceFirmwareHistory, saveCurrentDeviceFirmware, setDeviceModel } from '../../core/firmware/device-firmware';
import { rolloutProgress, startFirmwareRollout, steerRollout } from '../../core/firmware/rollouts';
import { startDeviceOperation } from '../../core/requests/device-operations';

const s = initServer();
const firmwaresListing = 'core.findAllFirmwares';
const historyListing = 'core.getDeviceFirmwareHistory';

export function coreFirmwareHandlers(deps: ApiDeps) {
  const { prisma, requests, temporal, logger } = deps;
  return s.router(coreFirmwareContract, {
    addManufacturer: async ({ body, res }) => ({ status: 201, body: await addManufacturer(prisma, callerOf(res), body) }),
    findAllManufacturers: async ({ res }) => ({ status: 200, body: { manufacturers: await findAllManufacturers(prisma, callerOf(res)) } }),
    findManufacturer: async ({ params, res }) => ({ status: 200, body: await findManufacturer(prisma, callerOf(res), params.manufacturer) }),
    changeManufacturer: async ({ params, body, res }) => ({ status: 200, body: await changeManufacturer(prisma, callerOf(res), params.manufacturer, body) }),
    removeManufacturer: async ({ params, res }) => {
      await removeManufacturer(prisma, callerOf(res), params.manufacturer);
      return { status: 204, body: undefined };
    },

    addDeviceModel: async ({ body, res }) => ({ status: 201, body: await addDeviceModel(prisma, callerOf(res), body) }),
    findAllDeviceModels: async ({ query, res }) => ({ status: 200, body: { deviceModels: await findAllDeviceModels(prisma, callerOf(res), query.manufacturer) } }),
    findDeviceModel: async ({ params, res }) => ({ status: 200, body: await findDeviceModel(prisma, callerOf(res), params) }),
    changeDeviceModel: async ({ params, body, res }) => ({ status: 200, body: await changeDeviceModel(prisma, callerOf(res), params, body) }),
    removeDeviceModel: async ({ params, res }) => {
      await removeDeviceModel(prisma, callerOf(res), params);
      return { status: 204, body: undefined };
    },

    addFirmware: async ({ body, res }) => {
      const caller = callerOf(res);
      const firmware = await addFirmware(prisma, firmwareOf(deps), caller, body);
      logger.info('firmware added', { firmware: firmware.identification, sha256: firmware.sha256, sizeBytes: firmware.sizeBytes, by: caller.identification });
      return { status: 201, body: firmware };
    },
    addOrChangeFirmware: async ({ body, res }) => {
      const caller = callerOf(res);
      const { created, firmware } = await addOrChangeFirmware(prisma, firmwareOf(deps), caller, body);
      logger.info(created ? 'firmware added' : 'firmware replaced', { firmware: firmware.identification, sha256: firmware.sha256, by: caller.identification });
      return { status: created ? 201 : 200, body: firmware };
    },
    findAllFirmwares: async ({ query, res }) => {
      const after = query.after === undefined ? undefined : decodeCursor(firmwaresListing, query.after);
      const page = await findAllFirmwares(prisma, callerOf(res), { ...query, after });
      return { status: 200, body: { firmwares: page.firmwares, nextCursor: page.last ? encodeCursor(firmwaresListing, page.last) : null } };
    },
    findFirmware: async ({ params, res }) => ({ status: 200, body: await findFirmware(prisma, callerOf(res), params.firmwareIdentification) }),
    changeFirmware: async ({ params, body, res }) => ({ status: 200, body: await changeFirmware(prisma, callerOf(res), params.firmwareIdentification, body) }),
    removeFirmware: async ({ params, res }) => {
      await removeFirmware(prisma, firmwareOf(deps), callerOf(res), params.firmwareIdentification);
      return { status: 204, body: undefined };
    },

    setDeviceModel: async ({ params, body, res }) => {
      await setDeviceModel(prisma, callerOf(res), params.deviceIdentification, body.deviceModel);
      return { status: 204, body: undefined };
    },
    updateFirmware: async ({ body, headers, res }) => {
      const caller = callerOf(res);
      // The gate first (403 names the device and right), then the firmware and the device models.
      const { firmware } = await authorizeFirmwareUpdate(prisma, caller, body.deviceIdentifications, body.firmwareIdentification);
      return accepted(
        startDeviceOperation(
          { prisma, requests },
          { domain: 'core', operation: 'updateFirmware', functions: ['UPDATE_FIRMWARE'], workflow: 'updateFirmwareWorkflow' },
          caller,
          body.deviceIdentifications,
          { firmwareId: firmware.firmwareId, firmwareIdentification: firmware.firmwareIdentification },
          requestOptionsFrom(headers),
        ),
      );
    },
    switchFirmware: async ({ body, headers, res }) =>
      accepted(
        startDeviceOperation(
          { prisma, requests },
          { domain: 'core', operation: 'switchFirmware', functions: ['SWITCH_FIRMWARE'], workflow: 'switchFirmwareWorkflow' },
          callerOf(res),
          body.deviceIdentifications,
          { version: body.version },
          requestOptionsFrom(headers),
        ),
      ),
    getFirmwareVersion: async ({ body, headers, res }) =>
      accepted(
        startDeviceOperation(
          { prisma, requests },
          { domain: 'core', operation: 'getFirmwareVersion', functions: ['GET_FIRMWARE_VERSION'], workflow: 'getFirmwareVersionWorkflow' },
          callerOf(res),
          body.deviceIdentifications,
          {},
          requestOptionsFrom(headers),
        ),
      ),
    saveCurrentDeviceFirmware: async ({ params, body, res }) => {
      await saveCurrentDeviceFirmware(prisma, callerOf(res), { deviceIdentification: params.deviceIdentification, ...body });
      return { status: 204, body: undefined };
    },
    getDeviceFirmwareHistory: async ({ params, query, res }) => {
      const after = query.after === undefined ? undefined : decodeCursor(historyListing, query.after);
      if (after !== undefined && !/^\d{1,19}$/.test(after)) throw invalidCursor();
      const history = await getDeviceFirmwareHistory(prisma, callerOf(res), params.deviceIdentification, { limit: query.limit, after });
      return {
        status: 200,
        body: {
          deviceIdentification: params.deviceIdentification,
          deviceModel: history.deviceModel,
          entries: history.entries.map(({ id: _id, ...entry }) => entry),
          nextCursor: history.last ? encodeCursor(historyListing, history.last) : null,
        },
      };
    },

    startFirmwareRollout: async ({ body, headers, res }) =>
      accepted(startFirmwareRollout(prisma, requests, callerOf(res), body, requestOptionsFrom(headers))),
    getFirmwareRollout: async ({ params, res }) => ({ status: 200, body: await rolloutProgress(prisma, temporal, callerOf(res), params.correlationUid) }),
    pauseFirmwareRollout: async ({ params, res }) => ({
      status: 202,
      body: await steerRollout(prisma, temporal, callerOf(res), params.correlationUid, { kind: 'pause' }),
    }),
    resumeFirmwareRollout: async ({ params, res }) => ({
      status: 202,
      body: await steerRollout(prisma, temporal, callerOf(res), params.correlationUid, { kind: 'resume' }),
    }),
    abortFirmwareRollout: async ({ params, body, res }) => ({
      status: 202,
      body: await steerRollout(prisma, temporal, callerOf(res), params.correlationUid, { kind: 'abort', rollbackFailed: body.rollbackFailed }),
    }),
  });
}
