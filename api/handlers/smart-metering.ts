import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../generated/prisma/client';
import { smartMeteringContract, type BundleAction, type MeterView } from '../contracts/smart-metering';
import type { DeviceRequestHeaders } from '../contracts/common';
import { type DeviceFunction } from '../../core/authorization/device-functions';
import { type AuthenticatedOrganisation, requireEnabled } from '../../core/organisations';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { startDeviceOperation } from '../../core/requests/device-operations';
import type { RequestArgs } from '../../core/requests/start-request';
import type { WorkflowName } from '../../core/requests/workflow-types';
import { accepted, requestOptionsFrom } from '../device-requests';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';
import { toDeviceView } from './core';
import { insertNewDevice, ownedDeviceData } from '../../core/devices/new-devices';
import type { DlmsSecretPurpose } from '../../core/keys/dlms-key-store';

const s = initServer();

const withMeter = { owner: { select: { identification: true } }, dlmsMeter: true } as const;
type MeterRow = Prisma.DeviceGetPayload<{ include: typeof withMeter }>;

function toMeterView(row: MeterRow): MeterView {
  const meter = row.dlmsMeter;
  if (!meter) throw new Error(`device ${row.identification} has no DLMS settings`);
  return {
    ...toDeviceView(row),
    dlms: {
      transport: meter.transport,
      clientAddress: meter.clientAddress,
      serverAddress: meter.serverAddress,
      hdlcLowerServerAddress: meter.hdlcLowerServerAddress,
      authentication: meter.authentication,
      clientSystemTitle: meter.clientSystemTitle,
      hasPassword: meter.passwordSealed !== null,
      hasKeys: meter.authenticationKeySealed !== null && meter.blockCipherKeySealed !== null,
      hasMasterKey: meter.masterKeySealed !== null,
    },
  };
}

/** The device function each action needs (a bundle needs HANDLE_BUNDLED_ACTIONS and those of its actions). */
const actionFunctions: Record<BundleAction['action'], DeviceFunction> = {
  getActualMeterReads: 'REQUEST_ACTUAL_METER_DATA',
  getPeriodicMeterReads: 'REQUEST_PERIODIC_METER_DATA',
  readAlarmRegister: 'READ_ALARM_REGISTER',
  clearAlarmRegister: 'CLEAR_ALARM_REGISTER',
  synchronizeTime: 'SYNCHRONIZE_TIME',
  getFirmwareVersion: 'GET_FIRMWARE_VERSION',
  findEvents: 'FIND_EVENTS',
  getAssociationLnObjects: 'GET_ASSOCIATION_LN_OBJECTS',
  getSpecificAttributeValue: 'GET_SPECIFIC_ATTRIBUTE_VALUE',
};

/** The workflow of each operation (workflows/smart-metering/operations.ts). */
const workflows = {
  getActualMeterReads: 'getActualMeterReadsWorkflow',
  getPeriodicMeterReads: 'getPeriodicMeterReadsWorkflow',
  readAlarmRegister: 'readAlarmRegisterWorkflow',
  clearAlarmRegister: 'clearAlarmRegisterWorkflow',
  synchronizeTime: 'synchronizeTimeWorkflow',
  getFirmwareVersion: 'getMeterFirmwareVersionWorkflow',
  findEvents: 'findMeterEventsWorkflow',
  getAssociationLnObjects: 'getAssociationLnObjectsWorkflow',
  getSpecificAttributeValue: 'getSpecificAttributeValueWorkflow',
  bundle: 'bundleWorkflow',
  replaceKeys: 'replaceKeysWorkflow',
} as const satisfies Record<BundleAction['action'] | 'bundle' | 'replaceKeys', WorkflowName>;
type MeterOperation = keyof typeof workflows;

/** Smart metering operations reach smart meters only: any other device named is refused. */
const metersOnly = { only: ['DLMS'], refusalCode: 'NOT_A_SMART_METER', kindOfDevice: 'smart meters (DLMS)' } as const;

export function smartMeteringHandlers(deps: ApiDeps) {
  const { prisma, logger, dlmsKeys } = deps;
  /** The gate every meter operation passes (every device a smart meter), then the request: 202. */
  const start = async <K extends MeterOperation>(
    operation: K,
    functions: readonly [DeviceFunction, ...DeviceFunction[]],
    caller: AuthenticatedOrganisation,
    deviceIdentifications: string[],
    args: RequestArgs<(typeof workflows)[K]>,
    headers: DeviceRequestHeaders,
  ) =>
    accepted(
      startDeviceOperation(
        deps,
        { domain: 'smartMetering', operation, functions, workflow: workflows[operation], protocols: metersOnly },
        caller,
        deviceIdentifications,
        args,
        requestOptionsFrom(headers),
      ),
    );

  const one = (action: BundleAction['action']) => [actionFunctions[action]] as const;

  return s.router(smartMeteringContract, {
    addDevice: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      if (!dlmsKeys) throw new ApiError(503, 'KEY_STORE_UNAVAILABLE', 'This API process has no DLMS key store to seal meter keys with');
      const id = body.deviceIdentification;
      const seal = (value: string | undefined, encoding: 'utf8' | 'hex', purpose: DlmsSecretPurpose) =>
        value === undefined ? null : dlmsKeys.seal(Buffer.from(value, encoding), id, purpose);
      const row = await insertNewDevice(() =>
        prisma.device.create({
          data: {
            ...ownedDeviceData(caller, 'DLMS', body),
            dlmsMeter: {
              create: {
                transport: body.transport,
                clientAddress: body.clientAddress ?? (body.authentication === 'NONE' ? 16 : 1),
                serverAddress: body.serverAddress,
                hdlcLowerServerAddress: body.hdlcLowerServerAddress ?? null,
                authentication: body.authentication,
                passwordSealed: seal(body.password, 'utf8', 'password'),
                authenticationKeySealed: seal(body.authenticationKey, 'hex', 'authenticationKey'),
                blockCipherKeySealed: seal(body.blockCipherKey, 'hex', 'blockCipherKey'),
                masterKeySealed: seal(body.masterKey, 'hex', 'masterKey'),
                clientSystemTitle: body.clientSystemTitle?.toUpperCase() ?? null,
              },
            },
          },
          include: withMeter,
        }),
      );
      // Never the keys: the meter, who added it and how it authenticates.
      logger.info('smart meter added', { device: id, owner: caller.identification, authentication: body.authentication });
      return { status: 201, body: toMeterView(row) };
    },

    getActualMeterReads: async ({ body, headers, res }) =>
      start('getActualMeterReads', one('getActualMeterReads'), callerOf(res), body.deviceIdentifications, {}, headers),
    getPeriodicMeterReads: async ({ body: { deviceIdentifications, ...args }, headers, res }) =>
      start('getPeriodicMeterReads', one('getPeriodicMeterReads'), callerOf(res), deviceIdentifications, args, headers),
    readAlarmRegister: async ({ body, headers, res }) =>
      start('readAlarmRegister', one('readAlarmRegister'), callerOf(res), body.deviceIdentifications, {}, headers),
    clearAlarmRegister: async ({ body, headers, res }) =>
      start('clearAlarmRegister', one('clearAlarmRegister'), callerOf(res), body.deviceIdentifications, {}, headers),
    synchronizeTime: async ({ body, headers, res }) =>
      start('synchronizeTime', one('synchronizeTime'), callerOf(res), body.deviceIdentifications, {}, headers),
    getFirmwareVersion: async ({ body, headers, res }) =>
      start('getFirmwareVersion', one('getFirmwareVersion'), callerOf(res), body.deviceIdentifications, {}, headers),
    findEvents: async ({ body: { deviceIdentifications, ...args }, headers, res }) =>
      start('findEvents', one('findEvents'), callerOf(res), deviceIdentifications, args, headers),
    getAssociationLnObjects: async ({ body, headers, res }) =>
      start('getAssociationLnObjects', one('getAssociationLnObjects'), callerOf(res), body.deviceIdentifications, {}, headers),
    getSpecificAttributeValue: async ({ body: { deviceIdentifications, ...args }, headers, res }) =>
      start('getSpecificAttributeValue', one('getSpecificAttributeValue'), callerOf(res), deviceIdentifications, args, headers),
    replaceKeys: async ({ body, headers, res }) => {
      const caller = callerOf(res);
      if (!dlmsKeys) throw new ApiError(503, 'KEY_STORE_UNAVAILABLE', 'This API process has no DLMS key store to seal meter keys with');
      const id = body.deviceIdentification;
      // Authorised first (404/403 before anything about the meter's settings is told).
      await authorizeDevices(prisma, caller, [id], 'REPLACE_KEYS');
      const meter = await prisma.dlmsMeter.findFirst({ where: { device: { identification: id } }, select: { authentication: true, masterKeySealed: true } });
      if (!meter) throw new ApiError(400, 'NOT_A_SMART_METER', `Not a smart meter (DLMS): ${id}`, 'body.deviceIdentification');
      if (meter.authentication !== 'HIGH_GMAC') {
        throw new ApiError(400, 'NO_KEYS_TO_REPLACE', `Meter ${id} uses ${meter.authentication} authentication, not HIGH_GMAC keys`, 'body.deviceIdentification');
      }
      if (!meter.masterKeySealed) {
        throw new ApiError(400, 'NO_MASTER_KEY', `Meter ${id} has no master key stored, so new keys cannot be transferred to it`, 'body.deviceIdentification');
      }
      // Sealed here, for this meter and what they will be: the workflow and its history never see them in plain.
      // Deterministically, so a retry with the same Idempotency-Key and keys is the same request.
      const args = {
        authenticationKeySealed: dlmsKeys.seal(Buffer.from(body.authenticationKey, 'hex'), id, 'authenticationKey', { deterministic: true }),
        blockCipherKeySealed: dlmsKeys.seal(Buffer.from(body.blockCipherKey, 'hex'), id, 'blockCipherKey', { deterministic: true }),
      };
      return start('replaceKeys', ['REPLACE_KEYS'], caller, [id], args, headers);
    },
    bundle: async ({ body: { deviceIdentifications, actions }, headers, res }) =>
      start(
        'bundle',
        ['HANDLE_BUNDLED_ACTIONS', ...actions.map((a) => actionFunctions[a.action])],
        callerOf(res),
        deviceIdentifications,
        { actions },
        headers,
      ),
  });
}
