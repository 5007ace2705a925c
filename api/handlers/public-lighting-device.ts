import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../generated/prisma/client';
import type { PrismaClient } from '../../db/client';
import { type AuthenticatedOrganisation, requireEnabled } from '../../core/organisations';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { callerOf, type ApiDeps } from '../context';
import { publicLightingDeviceContract, type LightingDeviceView } from '../contracts/public-lighting-device';
import { decodeCursor, encodeCursor } from '../cursors';
import { startDeviceOperation, startGroupOperation } from '../../core/requests/device-operations';
import { accepted, requestOptionsFrom } from '../device-requests';
import { ApiError } from '../errors';

const s = initServer();

export const lightingDeviceInclude = {
  relays: { orderBy: { index: 'asc' } },
  lightMeasurementDevice: { select: { identification: true } },
} as const satisfies Prisma.DeviceInclude;
type LightingDeviceRow = Prisma.DeviceGetPayload<{ include: typeof lightingDeviceInclude }>;

export function toLightingDeviceView(device: LightingDeviceRow): LightingDeviceView {
  return {
    deviceIdentification: device.identification,
    alias: device.alias,
    deviceType: device.deviceType,
    activated: device.activated,
    inMaintenance: device.inMaintenance,
    relays: device.relays.map((relay) => ({ index: relay.index, relayType: relay.relayType, alias: relay.alias })),
    lightMeasurementDeviceIdentification: device.lightMeasurementDevice?.identification ?? null,
  };
}

/** One page of the devices the caller holds an authorisation on (every device for ADMIN) that match `where`. */
export async function pageOfLightingDevices(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  listing: string,
  where: Prisma.DeviceWhereInput,
  query: { limit: number; after?: string },
): Promise<{ status: 200; body: { devices: LightingDeviceView[]; nextCursor: string | null } }> {
  requireEnabled(caller);
  const after = query.after === undefined ? undefined : decodeCursor(listing, query.after);
  const rows = await prisma.device.findMany({
    where: {
      ...where,
      ...(caller.platformFunctionGroup === 'ADMIN' ? {} : { authorizations: { some: { organisationId: caller.id } } }),
      ...(after !== undefined ? { identification: { gt: after } } : {}),
    },
    orderBy: { identification: 'asc' },
    take: query.limit + 1,
    include: lightingDeviceInclude,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > query.limit && last ? encodeCursor(listing, last.identification) : null;
  return { status: 200, body: { devices: page.map(toLightingDeviceView), nextCursor } };
}

export function publicLightingDeviceHandlers(deps: ApiDeps) {
  const { prisma } = deps;
  return s.router(publicLightingDeviceContract, {
    setSchedule: async ({ body, headers, res }) =>
      accepted(
        startDeviceOperation(
          deps,
          { domain: 'publicLighting', operation: 'setSchedule', functions: ['SET_LIGHT_SCHEDULE'], workflow: 'setScheduleWorkflow' },
          callerOf(res),
          body.deviceIdentifications,
          {
            entries: body.schedules.map(({ triggerWindow, ...entry }) => ({ ...entry, ...(triggerWindow ? { window: triggerWindow } : {}) })),
            astronomicalSunriseOffset: body.astronomicalSunriseOffset,
            astronomicalSunsetOffset: body.astronomicalSunsetOffset,
          },
          requestOptionsFrom(headers),
        ),
      ),

    // Named devices: one workflow over them; a device group (any size): groupRequestWorkflow in batches.
    resumeSchedule: async ({ body, headers, res }) => {
      const caller = callerOf(res);
      const options = requestOptionsFrom(headers);
      if (body.groupIdentification !== undefined) {
        const command = { kind: 'resumeSchedule', immediate: body.isImmediate, ...(body.index !== undefined ? { index: body.index } : {}) } as const;
        return accepted(
          startGroupOperation(
            deps,
            { domain: 'publicLighting', operation: 'resumeSchedule', fn: 'RESUME_SCHEDULE' },
            caller,
            body.groupIdentification,
            command,
            options,
          ),
        );
      }
      return accepted(
        startDeviceOperation(
          deps,
          { domain: 'publicLighting', operation: 'resumeSchedule', functions: ['RESUME_SCHEDULE'], workflow: 'resumeScheduleWorkflow' },
          caller,
          body.deviceIdentifications ?? [],
          { isImmediate: body.isImmediate, index: body.index },
          options,
        ),
      );
    },

    setTransition: async ({ body, headers, res }) =>
      accepted(
        startDeviceOperation(
          deps,
          { domain: 'publicLighting', operation: 'setTransition', functions: ['SET_TRANSITION'], workflow: 'setTransitionWorkflow' },
          callerOf(res),
          body.deviceIdentifications,
          { transitionType: body.transitionType, time: body.time },
          requestOptionsFrom(headers),
        ),
      ),

    // OSGP handles SetLightMeasurementDevice through its queues, but it only changes the platform's record:
    // here it is a direct change answering 200 with the light.
    setLightMeasurementDevice: async ({ params, body, res }) => {
      const caller = callerOf(res);
      await authorizeDevices(prisma, caller, [params.deviceIdentification], 'SET_LIGHT_MEASUREMENT_DEVICE', { operational: false });
      const light = await prisma.device.findUniqueOrThrow({ where: { identification: params.deviceIdentification } });
      if (light.deviceType === 'LMD') {
        throw new ApiError(400, 'VALIDATION_FAILED', `params.deviceIdentification: ${light.identification} is a light measurement device, not a light`, 'params.deviceIdentification');
      }
      let lightMeasurementDeviceId: string | null = null;
      const lmdIdentification = body.lightMeasurementDeviceIdentification;
      if (lmdIdentification !== null) {
        const lmd = await prisma.device.findUnique({
          where: { identification: lmdIdentification },
          select: { id: true, deviceType: true, authorizations: { where: { organisationId: caller.id }, select: { id: true } } },
        });
        if (!lmd) throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${lmdIdentification} does not exist`);
        if (lmd.deviceType !== 'LMD') {
          throw new ApiError(
            400,
            'VALIDATION_FAILED',
            `body.lightMeasurementDeviceIdentification: ${lmdIdentification} is no light measurement device`,
            'body.lightMeasurementDeviceIdentification',
          );
        }
        if (caller.platformFunctionGroup !== 'ADMIN' && lmd.authorizations.length === 0) {
          throw new ApiError(403, 'UNAUTHORIZED', `Organisation ${caller.identification} holds no authorisation on ${lmdIdentification}`);
        }
        lightMeasurementDeviceId = lmd.id;
      }
      const updated = await prisma.device.update({
        where: { id: light.id },
        data: { lightMeasurementDeviceId },
        include: lightingDeviceInclude,
      });
      deps.logger.info('light measurement device set', { device: light.identification, lmd: lmdIdentification, by: caller.identification });
      return { status: 200, body: toLightingDeviceView(updated) };
    },

    findAllDevices: async ({ query, res }) =>
      pageOfLightingDevices(prisma, callerOf(res), 'lighting-devices', { deviceType: { in: ['SSLD', 'PSLD'] } }, query),
  });
}
