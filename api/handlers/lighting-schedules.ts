// Lighting schedules: the row in the database is the definition; its Temporal Schedules (one per entry)
// follow it through core/lighting-schedules/temporal-schedules.ts. Each call writes the row first and then brings
// Temporal in line; every step is idempotent, so a call that failed on Temporal (503) can simply be repeated.
import { createHash, randomUUID } from 'node:crypto';
import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../db/client';
import { createRequestRecord } from '../../core/requests/records';
import { createLightingScheduleControl, type LightingScheduleRow } from '../../core/lighting-schedules/temporal-schedules';
import { scheduledSetLightDomain, scheduledSetLightOperation, temporalScheduleId, type LightingScheduleEntry, type Place } from '../../core/lighting-schedules/model';
import { type AuthenticatedOrganisation, requireEnabled } from '../../core/organisations';
import { authorizeDevices } from '../../core/authorization/device-gate';
import { callerOf, type ApiDeps } from '../context';
import { acceptedBody } from '../device-requests';
import {
  lightingSchedulesContract,
  type LightingScheduleInput,
  type LightingScheduleView,
} from '../contracts/lighting-schedules';
import { decodeCursor, encodeCursor } from '../cursors';
import { groupDevicesWhere, viewerOf } from '../../core/devices/device-filter';
import { ApiError } from '../errors';
import { isPrismaError } from '../../db/errors';

const s = initServer();
const listing = 'lighting-schedules';

type ScheduleRecord = Prisma.LightingScheduleGetPayload<{ include: { group: { select: { id: true; identification: true; kind: true; filter: true } } } }>;

function rowOf(record: ScheduleRecord): LightingScheduleRow {
  return {
    id: record.id,
    identification: record.identification,
    timeZone: record.timeZone,
    entries: record.entries as unknown as LightingScheduleEntry[],
    exceptionDates: record.exceptionDates,
    startDate: record.startDate,
    endDate: record.endDate,
    paused: record.paused,
    temporalScheduleCount: record.temporalScheduleCount,
  };
}

function viewOf(record: ScheduleRecord, organisationIdentification: string): LightingScheduleView {
  const entries = record.entries as unknown as LightingScheduleEntry[];
  return {
    identification: record.identification,
    description: record.description,
    timeZone: record.timeZone,
    deviceIdentifications: record.groupId ? null : record.deviceIdentifications,
    groupIdentification: record.group?.identification ?? null,
    entries,
    exceptionDates: record.exceptionDates,
    startDate: record.startDate,
    endDate: record.endDate,
    defaultLocation:
      record.defaultLatitude !== null && record.defaultLongitude !== null
        ? { latitude: record.defaultLatitude, longitude: record.defaultLongitude }
        : null,
    paused: record.paused,
    temporalScheduleIds: entries.map((_, i) => temporalScheduleId(organisationIdentification, record.identification, i)),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function lightingSchedulesHandlers(deps: ApiDeps) {
  const { prisma, logger } = deps;
  const control = createLightingScheduleControl(deps.temporal, deps.requests.deviceRequestOptions);
  const include = { group: { select: { id: true, identification: true, kind: true, filter: true } } } as const;

  /** Temporal's side failed: the row stays as written and repeating the call converges. */
  const onTemporal = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      logger.error('lighting schedule: Temporal step failed', { what, error });
      throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', `The schedule's Temporal Schedules could not be ${what}; repeat the call`);
    }
  };

  const find = async (caller: AuthenticatedOrganisation, identification: string): Promise<ScheduleRecord> => {
    requireEnabled(caller);
    const record = await prisma.lightingSchedule.findUnique({
      where: { organisationId_identification: { organisationId: caller.id, identification } },
      include,
    });
    if (!record) throw new ApiError(404, 'LIGHTING_SCHEDULE_NOT_FOUND', `Lighting schedule ${identification} does not exist`);
    return record;
  };

  /** The target's rights (SET_LIGHT_SCHEDULE on every device) or the caller's own group; the fields to store. */
  const target = async (
    caller: AuthenticatedOrganisation,
    body: Pick<LightingScheduleInput, 'deviceIdentifications' | 'groupIdentification'>,
  ): Promise<{ deviceIdentifications: string[]; groupId: string | null }> => {
    requireEnabled(caller);
    if (body.groupIdentification) {
      const group = await prisma.deviceGroup.findUnique({
        where: { organisationId_identification: { organisationId: caller.id, identification: body.groupIdentification } },
        select: { id: true },
      });
      if (!group) {
        throw new ApiError(400, 'VALIDATION_FAILED', `body.groupIdentification: no device group ${body.groupIdentification} of this organisation`, 'body.groupIdentification');
      }
      return { deviceIdentifications: [], groupId: group.id };
    }
    const ids = body.deviceIdentifications ?? [];
    await authorizeDevices(prisma, caller, ids, 'SET_LIGHT_SCHEDULE', { operational: false });
    return { deviceIdentifications: ids, groupId: null };
  };

  const definition = (body: LightingScheduleInput, resolved: { deviceIdentifications: string[]; groupId: string | null }) => ({
    description: body.description ?? null,
    timeZone: body.timeZone,
    deviceIdentifications: resolved.deviceIdentifications,
    groupId: resolved.groupId,
    entries: body.entries as unknown as Prisma.InputJsonValue,
    exceptionDates: [...body.exceptionDates].sort(),
    startDate: body.startDate ?? null,
    endDate: body.endDate ?? null,
    defaultLatitude: body.defaultLocation?.latitude ?? null,
    defaultLongitude: body.defaultLocation?.longitude ?? null,
    paused: body.paused,
  });

  /** Brings Temporal in line with the row, then records how many entry schedules now exist. */
  const syncTemporal = async (record: ScheduleRecord, caller: AuthenticatedOrganisation): Promise<ScheduleRecord> => {
    const row = rowOf(record);
    await onTemporal('updated', () => control.sync(row, caller.identification));
    if (row.temporalScheduleCount === row.entries.length) return record;
    return prisma.lightingSchedule.update({ where: { id: record.id }, data: { temporalScheduleCount: row.entries.length }, include });
  };

  /** Where astronomical next run times are computed: the default location, else the first target device with one. */
  const placeFor = async (record: ScheduleRecord, caller: AuthenticatedOrganisation): Promise<Place | undefined> => {
    if (record.defaultLatitude !== null && record.defaultLongitude !== null) {
      return { latitude: record.defaultLatitude, longitude: record.defaultLongitude };
    }
    const device = await prisma.device.findFirst({
      where: {
        latitude: { not: null },
        longitude: { not: null },
        ...(record.group ? groupDevicesWhere(record.group, viewerOf(caller)) : { identification: { in: record.deviceIdentifications } }),
      },
      orderBy: { identification: 'asc' },
      select: { latitude: true, longitude: true },
    });
    return device?.latitude != null && device.longitude != null ? { latitude: device.latitude, longitude: device.longitude } : undefined;
  };

  const setPaused = async (caller: AuthenticatedOrganisation, identification: string, paused: boolean) => {
    const existing = await find(caller, identification);
    const record = await prisma.lightingSchedule.update({ where: { id: existing.id }, data: { paused }, include });
    return { status: 200 as const, body: viewOf(await syncTemporal(record, caller), caller.identification) };
  };

  return s.router(lightingSchedulesContract, {
    createLightingSchedule: async ({ body, res }) => {
      const caller = callerOf(res);
      const resolved = await target(caller, body);
      let record: ScheduleRecord;
      try {
        record = await prisma.lightingSchedule.create({
          data: {
            organisationId: caller.id,
            identification: body.identification,
            ...definition(body, resolved),
            temporalScheduleCount: body.entries.length,
          },
          include,
        });
      } catch (error) {
        if (isPrismaError(error, 'P2002')) {
          throw new ApiError(409, 'LIGHTING_SCHEDULE_EXISTS', `Lighting schedule ${body.identification} exists already`);
        }
        throw error;
      }
      try {
        await control.sync(rowOf(record), caller.identification);
      } catch (error) {
        // Leave nothing half made: no row without its Temporal Schedules.
        await control.remove(rowOf(record), caller.identification).catch(() => undefined);
        await prisma.lightingSchedule.delete({ where: { id: record.id } }).catch(() => undefined);
        logger.error('lighting schedule: Temporal Schedules not created', { identification: body.identification, error });
        throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The Temporal Schedules could not be created; repeat the call');
      }
      return { status: 201 as const, body: viewOf(record, caller.identification) };
    },

    findLightingSchedules: async ({ query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const after = query.after !== undefined ? decodeCursor(listing, query.after) : undefined;
      const page = await prisma.lightingSchedule.findMany({
        where: { organisationId: caller.id, ...(after !== undefined ? { identification: { gt: after } } : {}) },
        orderBy: { identification: 'asc' },
        take: query.limit + 1,
        include,
      });
      const schedules = page.slice(0, query.limit);
      const last = schedules[schedules.length - 1];
      return {
        status: 200 as const,
        body: {
          schedules: schedules.map((record) => viewOf(record, caller.identification)),
          nextCursor: page.length > query.limit && last ? encodeCursor(listing, last.identification) : null,
        },
      };
    },

    getLightingSchedule: async ({ params, res }) => {
      const caller = callerOf(res);
      const record = await find(caller, params.identification);
      const place = (record.entries as unknown as LightingScheduleEntry[]).some((e) => e.kind === 'astronomical')
        ? await placeFor(record, caller)
        : undefined;
      const nextRuns = await onTemporal('described', () => control.nextRunTimes(rowOf(record), caller.identification, place));
      return { status: 200 as const, body: { ...viewOf(record, caller.identification), nextRuns } };
    },

    updateLightingSchedule: async ({ params, body, res }) => {
      const caller = callerOf(res);
      const existing = await find(caller, params.identification);
      const resolved = await target(caller, body);
      const record = await prisma.lightingSchedule.update({
        where: { id: existing.id },
        data: {
          ...definition(body, resolved),
          // Entry schedules beyond the new count are deleted by the sync; until then they are counted.
          temporalScheduleCount: Math.max(existing.temporalScheduleCount, body.entries.length),
        },
        include,
      });
      return { status: 200 as const, body: viewOf(await syncTemporal(record, caller), caller.identification) };
    },

    deleteLightingSchedule: async ({ params, res }) => {
      const caller = callerOf(res);
      const record = await find(caller, params.identification);
      await onTemporal('deleted', () => control.remove(rowOf(record), caller.identification));
      await prisma.lightingSchedule.delete({ where: { id: record.id } });
      return { status: 204 as const, body: undefined };
    },

    pauseLightingSchedule: async ({ params, res }) => setPaused(callerOf(res), params.identification, true),
    unpauseLightingSchedule: async ({ params, res }) => setPaused(callerOf(res), params.identification, false),

    triggerLightingSchedule: async ({ params, body, headers, res }) => {
      const caller = callerOf(res);
      const record = await find(caller, params.identification);
      const entries = record.entries as unknown as LightingScheduleEntry[];
      if (body.entryIndex === undefined && entries.length > 1) {
        throw new ApiError(400, 'VALIDATION_FAILED', `body.entryIndex: required, the schedule has ${entries.length} entries`, 'body.entryIndex');
      }
      const entryIndex = body.entryIndex ?? 0;
      if (entryIndex >= entries.length) {
        throw new ApiError(400, 'VALIDATION_FAILED', `body.entryIndex: the schedule has ${entries.length} entries`, 'body.entryIndex');
      }
      // Switching now: the devices must be reachable (activated, not in maintenance), as for setLight.
      if (!record.groupId) await authorizeDevices(prisma, caller, record.deviceIdentifications, 'SET_LIGHT_SCHEDULE');
      const key = headers['idempotency-key'];
      const runKey = key
        ? createHash('sha256').update(`${record.id}\n${entryIndex}\n${key}`).digest('hex').slice(0, 32)
        : randomUUID().replaceAll('-', '');
      const { correlationUid } = await onTemporal('triggered', () => control.trigger(rowOf(record), caller.identification, entryIndex, runKey));
      // The run's activity makes the same record; made here too so the request is there as soon as this answers.
      await createRequestRecord(prisma, {
        correlationUid,
        organisationId: caller.id,
        domain: scheduledSetLightDomain,
        operation: scheduledSetLightOperation,
        deviceCount: record.groupId ? 0 : record.deviceIdentifications.length,
        requestHash: null,
      });
      return {
        status: 202 as const,
        body: acceptedBody(correlationUid),
      };
    },
  });
}
