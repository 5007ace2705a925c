import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../generated/prisma/client';
import type { EventNotificationType } from '../../common/device-commands';
import type { z } from 'zod';
import { coreContract, type DeviceView, type findDevicesQuery } from '../contracts/core';
import { deviceStateOf, latestDeviceResults } from '../../core/devices/device-states';
import type { DeviceRequestHeaders } from '../contracts/common';
import { type DeviceFunction } from '../../core/authorization/device-functions';
import { type AuthenticatedOrganisation, requireEnabled } from '../../core/organisations';
import { asProtocol } from '../../core/protocols';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';
import { isPrismaError } from '../../db/errors';
import { decodeCursor, decodeTimedCursor, encodeCursor } from '../cursors';
import { startDeviceOperation } from '../../core/requests/device-operations';
import type { RequestArgs } from '../../core/requests/start-request';
import type { WorkflowName } from '../../core/requests/workflow-types';
import { accepted, requestOptionsFrom } from '../device-requests';
import { assertP256PublicKey } from '../public-keys';
import { addDevices, insertNewDevice, ownedDeviceData } from '../../core/devices/new-devices';
import { updateDevices } from '../../core/devices/device-updates';
import { deviceFilterWhere, viewerOf } from '../../core/devices/device-filter';
import { configurationOf } from '../../core/configuration/device-configuration';

const s = initServer();

type FindDevicesQuery = z.infer<typeof findDevicesQuery>;

const withOwner = { owner: { select: { identification: true } } } as const;
type DeviceRow = Prisma.DeviceGetPayload<{ include: typeof withOwner }>;

export function toDeviceView(device: DeviceRow): DeviceView {
  return {
    deviceIdentification: device.identification,
    alias: device.alias,
    protocol: asProtocol(device.protocol),
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
    lastCommunicationAt: device.lastCommunicationAt?.toISOString() ?? null,
    communicationState: device.communicationState,
    clockDeviationMs: device.clockDeviationMs,
    clockCheckedAt: device.clockCheckedAt?.toISOString() ?? null,
    configuration: configurationOf(device.configuration),
    configurationReportedAt: device.configurationReportedAt?.toISOString() ?? null,
    platformVerificationKey: device.platformVerificationKey,
  };
}

/** The device command operations of Core: one workflow per request, as publicLighting.setLight. */
const deviceCommands = {
  startDeviceTest: { functions: ['START_SELF_TEST'], workflow: 'startDeviceTestWorkflow' },
  stopDeviceTest: { functions: ['STOP_SELF_TEST'], workflow: 'stopDeviceTestWorkflow' },
  setReboot: { functions: ['SET_REBOOT'], workflow: 'setRebootWorkflow' },
  setEventNotifications: { functions: ['SET_EVENT_NOTIFICATIONS'], workflow: 'setEventNotificationsWorkflow' },
  // The same device command as publicLighting.getStatus, so the same workflow.
  getStatus: { functions: ['GET_STATUS'], workflow: 'getStatusWorkflow' },
} as const satisfies Record<string, { functions: readonly [DeviceFunction]; workflow: WorkflowName }>;
type CoreDeviceCommand = keyof typeof deviceCommands;

export function coreHandlers({ prisma, requests, logger }: ApiDeps) {

  /** One page of core.findDevices (and findDeviceStates): the caller's devices, filtered, by identification. */
  const findDevicePage = async (caller: AuthenticatedOrganisation, query: FindDevicesQuery) => {
    requireEnabled(caller);
    const after = query.after === undefined ? undefined : decodeCursor('devices', query.after);
    const { limit: _limit, after: _after, ...filter } = query;
    const matching = deviceFilterWhere(filter, viewerOf(caller));
    const where: Prisma.DeviceWhereInput = after !== undefined ? { AND: [matching, { identification: { gt: after } }] } : matching;
    const rows = await prisma.device.findMany({
      where,
      // identification is unique: a stable order, and the cursor is the last identification of a page.
      orderBy: { identification: 'asc' },
      take: query.limit + 1,
      include: withOwner,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > query.limit && last ? encodeCursor('devices', last.identification) : null;
    return { rows: page, nextCursor };
  };
  /** Changes one device the caller may `fn` on (also while inactive or in maintenance: no device contact). */
  const changeDevice = async (
    caller: AuthenticatedOrganisation,
    identification: string,
    fn: DeviceFunction,
    data: Prisma.DeviceUpdateInput,
  ): Promise<{ status: 200; body: DeviceView }> => {
    await authorizeDevices(prisma, caller, [identification], fn, { operational: false });
    try {
      const device = await prisma.device.update({ where: { identification }, data, include: withOwner });
      logger.info('device changed', { device: identification, by: caller.identification, fn });
      return { status: 200, body: toDeviceView(device) };
    } catch (error) {
      if (isPrismaError(error, 'P2025')) {
        throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${identification} does not exist`);
      }
      throw error;
    }
  };

  const startDeviceCommand = async <K extends CoreDeviceCommand>(
    operation: K,
    caller: AuthenticatedOrganisation,
    deviceIdentifications: string[],
    args: RequestArgs<(typeof deviceCommands)[K]['workflow']>,
    headers: DeviceRequestHeaders,
  ) =>
    accepted(
      startDeviceOperation(
        { prisma, requests },
        { domain: 'core', operation, functions: deviceCommands[operation].functions, workflow: deviceCommands[operation].workflow },
        caller,
        deviceIdentifications,
        args,
        requestOptionsFrom(headers),
      ),
    );

  return s.router(coreContract, {
    addDevice: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      assertP256PublicKey(body.publicKey, 'body.publicKey');
      const device = await insertNewDevice(() =>
        prisma.device.create({
          data: {
            ...ownedDeviceData(caller, body.protocol, body),
            oslpDeviceUid: body.deviceUid,
            publicKey: body.publicKey,
            deviceType: body.deviceType,
            ...(body.relays ? { relays: { create: body.relays } } : {}),
          },
          include: withOwner,
        }),
      );
      logger.info('device added', { device: device.identification, owner: caller.identification });
      return { status: 201, body: toDeviceView(device) };
    },

    addDevices: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      body.devices.forEach((row, i) => assertP256PublicKey(row.publicKey, `body.devices.${i}.publicKey`));
      const results = await addDevices(prisma, caller, body.devices);
      const count = (result: string) => results.filter((r) => r.result === result).length;
      const summary = { added: count('ADDED'), existing: count('EXISTS'), refused: count('REFUSED') };
      logger.info('devices added', { owner: caller.identification, ...summary });
      return { status: 200, body: { ...summary, results } };
    },

    updateDevices: async ({ body, res }) => {
      const caller = callerOf(res);
      const results = await updateDevices(prisma, caller, body.devices);
      const updated = results.filter((r) => r.result === 'UPDATED').length;
      logger.info('devices changed', { by: caller.identification, updated, refused: results.length - updated });
      return { status: 200, body: { updated, refused: results.length - updated, results } };
    },

    updateDevice: async ({ params, body, res }) =>
      changeDevice(callerOf(res), params.deviceIdentification, 'UPDATE_DEVICE', {
        alias: body.alias,
        networkAddress: body.networkAddress,
        port: body.port,
        latitude: body.latitude,
        longitude: body.longitude,
        activated: body.activated,
        ...(body.relays ? { relays: { deleteMany: {}, create: body.relays } } : {}),
      }),

    setDeviceAlias: async ({ params, body, res }) =>
      changeDevice(callerOf(res), params.deviceIdentification, 'SET_DEVICE_ALIAS', { alias: body.alias }),

    setMaintenanceStatus: async ({ params, body, res }) =>
      changeDevice(callerOf(res), params.deviceIdentification, 'SET_MAINTENANCE_STATUS', { inMaintenance: body.inMaintenance }),

    // OSGP handles SetDeviceLifecycleStatus asynchronously (through its domain adapter and queues), but it only
    // changes the platform's own record and never reaches the device: here it is a direct database change
    // answering 200 with the changed device.
    setDeviceLifecycleStatus: async ({ params, body, res }) =>
      changeDevice(callerOf(res), params.deviceIdentification, 'SET_DEVICE_LIFECYCLE_STATUS', {
        lifecycleStatus: body.lifecycleStatus,
      }),

    findRecentDevices: async ({ query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const after = query.after === undefined ? undefined : decodeTimedCursor('recent-devices', query.after);
      const rows = await prisma.device.findMany({
        where: {
          authorizations: { some: { organisationId: caller.id } },
          ...(after
            ? {
                OR: [
                  { createdAt: { lt: after.at } },
                  { createdAt: after.at, identification: { gt: after.key } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { identification: 'asc' }],
        take: query.limit + 1,
        include: withOwner,
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > query.limit && last ? encodeCursor('recent-devices', last.identification, last.createdAt) : null;
      return { status: 200, body: { devices: page.map(toDeviceView), nextCursor } };
    },

    findDevices: async ({ query, res }) => {
      const { rows, nextCursor } = await findDevicePage(callerOf(res), query);
      return { status: 200, body: { devices: rows.map(toDeviceView), nextCursor } };
    },

    findDeviceStates: async ({ query, res }) => {
      const { rows, nextCursor } = await findDevicePage(callerOf(res), query);
      const latest = await latestDeviceResults(prisma, rows.map((row) => row.identification));
      const devices = rows.map((row) => {
        const { state, since, lightValues, errorCode } = deviceStateOf(row, latest.get(row.identification));
        return { ...toDeviceView(row), state, stateSince: since, lightValues, errorCode };
      });
      return { status: 200, body: { devices, nextCursor } };
    },

    startDeviceTest: async ({ body, headers, res }) =>
      startDeviceCommand('startDeviceTest', callerOf(res), body.deviceIdentifications, {}, headers),

    stopDeviceTest: async ({ body, headers, res }) =>
      startDeviceCommand('stopDeviceTest', callerOf(res), body.deviceIdentifications, {}, headers),

    setReboot: async ({ body, headers, res }) =>
      startDeviceCommand('setReboot', callerOf(res), body.deviceIdentifications, {}, headers),

    setEventNotifications: async ({ body, headers, res }) =>
      startDeviceCommand(
        'setEventNotifications',
        callerOf(res),
        body.deviceIdentifications,
        { eventNotificationTypes: body.eventNotificationTypes satisfies EventNotificationType[] },
        headers,
      ),

    getStatus: async ({ body, headers, res }) =>
      startDeviceCommand('getStatus', callerOf(res), body.deviceIdentifications, {}, headers),
  });
}

