// Platform-side lighting schedules on Temporal Schedules.
//
// Two halves:
// - `createLightingScheduleControl(temporal)`: what the API calls (directly, with its Temporal client) to
//   keep Temporal in line with a schedule's row: one Temporal Schedule per entry, created or updated in
//   place, paused and unpaused with it, deleted with it; running an entry now; next action times.
//   Every step is idempotent, so repeating an API call after a failure converges.
// - `createLightingRunActivities(prisma)`: the core activities the run workflows
//   (workflows/public-lighting/scheduled-lighting.ts) use: read the schedule and its devices' locations in
//   pages, and create the request record of each run with a correlation uid derived from the run, so a
//   repeated run never switches twice.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  type CalendarSpec,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import { coreTaskQueue, type LightValue, type Protocol } from '../common/device-commands';
import {
  astronomicalRunHour,
  nextAstronomicalInstants,
  scheduledLightingFunction,
  scheduledSetLightDomain,
  scheduledSetLightOperation,
  temporalScheduleId,
  type LightingScheduleEntry,
  type Place,
} from '../common/lighting-schedule';
import { operationAttribute, organisationAttribute } from '../common/search-attributes';
import {
  addDays,
  dayOfWeekOf,
  formatLocalDate,
  localDateAt,
  parseLocalDate,
  parseTimeOfDay,
  wallTimeGaps,
  zonedToUtc,
} from '../common/time-zones';
import type { PrismaClient } from '../db/client';
import { deviceRefusal, type DeviceFunctionGroup } from '../api/authorization';
import { groupDevicesWhere } from '../db/device-filter';
import { createRequestRecord } from '../db/request-records';
import { correlationUidFor } from '../api/request-service';
import type { DeviceRequestOptions } from '../workflows/common/device-request';

/** A schedule as its row holds it (the fields Temporal's side depends on). */
export interface LightingScheduleRow {
  id: string;
  identification: string;
  timeZone: string;
  entries: LightingScheduleEntry[];
  exceptionDates: string[];
  /** Optional season (local dates, inclusive). */
  startDate?: string | null;
  endDate?: string | null;
  paused: boolean;
  temporalScheduleCount: number;
}

/** What each entry's Temporal Schedule starts. */
export interface LightingRunInput {
  lightingScheduleId: string;
  entryIndex: number;
  options: DeviceRequestOptions;
  /** Run now, whatever the entry's time: set for runs started by triggerLightingSchedule. */
  manual?: boolean;
  /** Astronomical runs: the local date (yyyy-mm-dd) whose noon-to-noon window to cover; default the scheduled date. */
  runDate?: string;
}

export const calendarRunWorkflowType = 'scheduledLightingWorkflow';
export const astronomicalRunWorkflowType = 'astronomicalLightingWorkflow';

// ---------------------------------------------------------------------------------------------------------
// Entries as Temporal Schedule specs

/** Exception dates as skip specs: every second of that local date (hour, minute and second all match). */
export function skipSpecsFor(exceptionDates: readonly string[]): CalendarSpec[] {
  return exceptionDates.flatMap((text) => {
    const date = parseLocalDate(text);
    return date
      ? [{ year: date.year, month: monthNames[date.month - 1], dayOfMonth: date.day, hour: '*', minute: '*', second: '*', comment: `exception ${text}` }]
      : [];
  });
}

const monthNames = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;

/**
 * The Temporal Schedule spec of one entry, in the schedule's time zone (Temporal applies the zone's
 * daylight-saving rules). Calendar entries fire at their wall time on their days, except on exception
 * dates; astronomical entries fire daily at local noon and their run computes the sun's instants (the
 * workflow skips the exception dates, which are those of the sun events).
 */
/** How far ahead spring-forward gaps are written into a calendar entry's spec (each update renews it). */
export const gapHorizonYears = 10;

export function scheduleSpecFor(
  entry: LightingScheduleEntry,
  timeZone: string,
  exceptionDates: readonly string[],
  season: { startDate?: string | null; endDate?: string | null } = {},
  nowMs = Date.now(),
): ScheduleSpec {
  const start = season.startDate ? parseLocalDate(season.startDate) : undefined;
  const end = season.endDate ? parseLocalDate(season.endDate) : undefined;
  const bounds = {
    ...(start ? { startAt: new Date(zonedToUtc({ ...start, hour: 0, minute: 0 }, timeZone)) } : {}),
    // Up to the end of the last date: the start of the next, exclusive.
    ...(end ? { endAt: new Date(zonedToUtc({ ...addDays(end, 1), hour: 0, minute: 0 }, timeZone) - 1) } : {}),
  };
  if (entry.kind === 'astronomical') {
    return {
      ...bounds,
      calendars: [{ hour: astronomicalRunHour, minute: 0, comment: `daily run for ${entry.event} ${entry.offsetMinutes >= 0 ? '+' : ''}${entry.offsetMinutes} min` }],
      timezone: timeZone,
    };
  }
  const time = parseTimeOfDay(entry.time);
  if (!time) throw new Error(`invalid time ${entry.time}`);
  // Temporal leaves out a wall time that a spring-forward change skips (02:30 on such a night in
  // Europe/Amsterdam never matches). So that it runs once, at the same time after the change (03:30),
  // each such date gets a calendar of its own.
  const today = localDateAt(nowMs, timeZone);
  const from = start && Date.UTC(start.year, start.month - 1, start.day) > Date.UTC(today.year, today.month - 1, today.day) ? start : today;
  const horizon = addDays(from, Math.round(gapHorizonYears * 365.25));
  const to = end && Date.UTC(end.year, end.month - 1, end.day) < Date.UTC(horizon.year, horizon.month - 1, horizon.day) ? end : horizon;
  const gaps = wallTimeGaps(timeZone, time.hour, time.minute, from, to).filter((gap) => entry.daysOfWeek.includes(dayOfWeekOf(gap.date)));
  return {
    calendars: [
      { dayOfWeek: [...entry.daysOfWeek], hour: time.hour, minute: time.minute, comment: `${entry.time} ${entry.daysOfWeek.join(',')}` },
      ...gaps.map((gap) => ({
        year: gap.date.year,
        month: monthNames[gap.date.month - 1],
        dayOfMonth: gap.date.day,
        hour: gap.hour,
        minute: gap.minute,
        comment: `${entry.time} does not exist on ${formatLocalDate(gap.date)} (daylight saving): once, at the same time after the change`,
      })),
    ],
    skip: skipSpecsFor(exceptionDates),
    timezone: timeZone,
    ...bounds,
  };
}

export function scheduleOptionsFor(
  row: LightingScheduleRow,
  organisationIdentification: string,
  entryIndex: number,
  options: DeviceRequestOptions,
): ScheduleOptions {
  const entry = row.entries[entryIndex];
  const scheduleId = temporalScheduleId(organisationIdentification, row.identification, entryIndex);
  const input: LightingRunInput = { lightingScheduleId: row.id, entryIndex, options };
  return {
    scheduleId,
    spec: scheduleSpecFor(entry, row.timeZone, row.exceptionDates, row),
    action: {
      type: 'startWorkflow',
      workflowType: entry.kind === 'calendar' ? calendarRunWorkflowType : astronomicalRunWorkflowType,
      workflowId: scheduleId,
      taskQueue: coreTaskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: organisationAttribute, value: organisationIdentification },
        { key: operationAttribute, value: `${scheduledSetLightDomain}.${scheduledSetLightOperation}` },
      ],
    },
    policies: {
      // Each run is independent (an astronomical run waits for its evening and morning): never skip one.
      overlap: 'ALLOW_ALL',
      // After an outage, a calendar switching more than an hour late is left out; an astronomical run covers
      // its whole window from its scheduled date, so it may start later.
      catchupWindow: entry.kind === 'calendar' ? '1 hour' : '6 hours',
    },
    state: { paused: row.paused, note: row.paused ? 'paused through the API' : undefined },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The API's side: keeping Temporal in line with the row

export interface EntryRunTimes {
  entryIndex: number;
  kind: LightingScheduleEntry['kind'];
  /** Calendar entries: Temporal's next action times. Astronomical entries: computed switching instants. */
  nextRunTimes: string[];
  /** Astronomical entries: the place the instants were computed for (default location or first device's). */
  place?: Place;
}

export function createLightingScheduleControl(temporal: Client, options: DeviceRequestOptions) {
  const handleOf = (organisationIdentification: string, identification: string, entryIndex: number) =>
    temporal.schedule.getHandle(temporalScheduleId(organisationIdentification, identification, entryIndex));

  const upsert = async (desired: ScheduleOptions): Promise<void> => {
    const { scheduleId: _id, memo: _memo, state, ...rest } = desired;
    const update = () =>
      temporal.schedule.getHandle(desired.scheduleId).update(() => ({ ...rest, state: { paused: state?.paused, note: state?.note } }));
    try {
      await update();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      try {
        await temporal.schedule.create(desired);
      } catch (createError) {
        // Created in between (a concurrent repeat of this call): make it the desired one.
        if (!(createError instanceof ScheduleAlreadyRunning)) throw createError;
        await update();
      }
    }
  };

  const deleteIfPresent = async (organisationIdentification: string, identification: string, entryIndex: number) => {
    try {
      await handleOf(organisationIdentification, identification, entryIndex).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  };

  return {
    /** Creates or updates one Temporal Schedule per entry, with the row's pause state; deletes the ones beyond. */
    async sync(row: LightingScheduleRow, organisationIdentification: string): Promise<void> {
      for (let i = 0; i < row.entries.length; i++) {
        await upsert(scheduleOptionsFor(row, organisationIdentification, i, options));
      }
      for (let i = row.entries.length; i < row.temporalScheduleCount; i++) {
        await deleteIfPresent(organisationIdentification, row.identification, i);
      }
    },

    /** Deletes every entry's Temporal Schedule (runs already started finish). */
    async remove(row: Pick<LightingScheduleRow, 'identification' | 'temporalScheduleCount' | 'entries'>, organisationIdentification: string) {
      const count = Math.max(row.temporalScheduleCount, row.entries.length);
      for (let i = 0; i < count; i++) await deleteIfPresent(organisationIdentification, row.identification, i);
    },

    /**
     * Runs one entry now: its light values on the schedule's targets, as an ordinary request. The run's
     * workflow id comes from `runKey` (the caller's idempotency key, or a fresh one), so a repeat starts nothing.
     * Returns the correlation uid of the request it makes.
     */
    async trigger(
      row: Pick<LightingScheduleRow, 'id' | 'identification'>,
      organisationIdentification: string,
      entryIndex: number,
      runKey: string,
    ): Promise<{ workflowId: string; correlationUid: string }> {
      const workflowId = `${temporalScheduleId(organisationIdentification, row.identification, entryIndex)}-now-${runKey}`;
      const input: LightingRunInput = { lightingScheduleId: row.id, entryIndex, options, manual: true };
      try {
        await temporal.workflow.start(calendarRunWorkflowType, {
          taskQueue: coreTaskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: organisationAttribute, value: organisationIdentification },
            { key: operationAttribute, value: `${scheduledSetLightDomain}.${scheduledSetLightOperation}` },
          ],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      return { workflowId, correlationUid: runCorrelationUid(organisationIdentification, workflowId) };
    },

    /** Next run times per entry: Temporal's for calendar entries, computed for astronomical ones. */
    async nextRunTimes(
      row: LightingScheduleRow,
      organisationIdentification: string,
      astronomicalPlace: Place | undefined,
      count = 5,
      nowMs = Date.now(),
    ): Promise<EntryRunTimes[]> {
      return Promise.all(
        row.entries.map(async (entry, entryIndex): Promise<EntryRunTimes> => {
          if (entry.kind === 'astronomical') {
            const times = astronomicalPlace
              ? nextAstronomicalInstants(entry, nowMs, count, row.timeZone, astronomicalPlace, row.exceptionDates)
              : [];
            return { entryIndex, kind: entry.kind, nextRunTimes: times.map((t) => new Date(t).toISOString()), place: astronomicalPlace };
          }
          const description = await handleOf(organisationIdentification, row.identification, entryIndex).describe();
          return {
            entryIndex,
            kind: entry.kind,
            nextRunTimes: description.info.nextActionTimes.slice(0, count).map((t) => t.toISOString()),
          };
        }),
      );
    },
  };
}

export type LightingScheduleControl = ReturnType<typeof createLightingScheduleControl>;

/** The correlation uid of the request a run makes: derived from the run's own id, so a repeat finds it. */
export function runCorrelationUid(organisationIdentification: string, runKey: string): string {
  return correlationUidFor(organisationIdentification, scheduledSetLightOperation, runKey);
}

// ---------------------------------------------------------------------------------------------------------
// The run workflows' activities

export interface DeviceLocation {
  deviceIdentification: string;
  protocol: Protocol;
  latitude: number | null;
  longitude: number | null;
}

export interface LightingRunContext {
  organisationId: string;
  organisationIdentification: string;
  scheduleIdentification: string;
  timeZone: string;
  entry: LightingScheduleEntry;
  exceptionDates: string[];
  defaultPlace?: Place;
  /** A group target (its members are resolved when the run starts); otherwise a device list. */
  groupId?: string;
  deviceCount: number;
}

export interface UnswitchedDevice {
  deviceIdentification: string;
  errorCode: string;
  message: string;
}

export interface LightingRunActivities {
  /** The schedule as it is now, or null when it (or the entry) no longer exists. */
  loadLightingRun(input: { lightingScheduleId: string; entryIndex: number }): Promise<LightingRunContext | null>;
  /** A page of the target devices (by identification), with their locations. */
  findLightingTargets(input: { lightingScheduleId: string; after?: string; limit: number }): Promise<{
    devices: DeviceLocation[];
    /**
     * Devices of this page the run must not switch: no longer existing (device lists), or no longer
     * authorised for the schedule's organisation (SET_LIGHT_SCHEDULE), deactivated or in maintenance.
     */
    unswitched: UnswitchedDevice[];
    next?: string;
  }>;
  /** Creates the request record of one run's switching (idempotent); returns its correlation uid. */
  recordScheduledRequest(input: { organisationId: string; organisationIdentification: string; runKey: string; deviceCount: number }): Promise<string>;
  /**
   * A finished NOT_OK request for devices a run could not switch (no location for an astronomical entry, no
   * longer existing), one result per device naming why. Idempotent; returns its correlation uid.
   */
  recordUnswitchedDevices(input: {
    organisationId: string;
    organisationIdentification: string;
    runKey: string;
    devices: UnswitchedDevice[];
  }): Promise<string>;
}

export function createLightingRunActivities(prisma: PrismaClient): LightingRunActivities {
  /** Whose devices a FILTER group's filter may match: the schedule's organisation's. */
  const viewerOf = (row: { organisationId: string; organisation: { platformFunctionGroup: string } }) => ({
    organisationId: row.organisationId,
    isAdmin: row.organisation.platformFunctionGroup === 'ADMIN',
  });

  const loadRow = (id: string) =>
    prisma.lightingSchedule.findUnique({
      where: { id },
      include: { organisation: { select: { identification: true, platformFunctionGroup: true } }, group: true },
    });

  return {
    async loadLightingRun({ lightingScheduleId, entryIndex }) {
      const row = await loadRow(lightingScheduleId);
      const entries = row?.entries as unknown as LightingScheduleEntry[] | undefined;
      if (!row || !entries || !entries[entryIndex]) return null;
      const defaultPlace =
        row.defaultLatitude !== null && row.defaultLongitude !== null ? { latitude: row.defaultLatitude, longitude: row.defaultLongitude } : undefined;
      return {
        organisationId: row.organisationId,
        organisationIdentification: row.organisation.identification,
        scheduleIdentification: row.identification,
        timeZone: row.timeZone,
        entry: entries[entryIndex],
        exceptionDates: row.exceptionDates,
        ...(defaultPlace ? { defaultPlace } : {}),
        ...(row.groupId ? { groupId: row.groupId } : {}),
        deviceCount: row.group
          ? await prisma.device.count({ where: groupDevicesWhere(row.group, viewerOf(row)) })
          : row.deviceIdentifications.length,
      };
    },

    async findLightingTargets({ lightingScheduleId, after, limit }) {
      const row = await loadRow(lightingScheduleId);
      if (!row) return { devices: [], unswitched: [] };
      const select = {
        identification: true,
        protocol: true,
        latitude: true,
        longitude: true,
        activated: true,
        inMaintenance: true,
        authorizations: { where: { organisationId: row.organisationId }, select: { functionGroup: true } },
      } as const;
      // Rights are checked again at every run: a right revoked after the schedule was made stops the switching.
      const organisation = { identification: row.organisation.identification, platformFunctionGroup: row.organisation.platformFunctionGroup };
      const authorize = (
        rows: Array<{
          identification: string;
          protocol: Protocol;
          latitude: number | null;
          longitude: number | null;
          activated: boolean;
          inMaintenance: boolean;
          authorizations: Array<{ functionGroup: DeviceFunctionGroup }>;
        }>,
      ): { devices: DeviceLocation[]; unswitched: UnswitchedDevice[] } => {
        const devices: DeviceLocation[] = [];
        const unswitched: UnswitchedDevice[] = [];
        for (const d of rows) {
          const refusal = deviceRefusal(organisation, { ...d, functionGroups: d.authorizations.map((a) => a.functionGroup) }, scheduledLightingFunction);
          if (refusal) unswitched.push({ deviceIdentification: d.identification, errorCode: refusal.code, message: refusal.message });
          else devices.push({ deviceIdentification: d.identification, protocol: d.protocol, latitude: d.latitude, longitude: d.longitude });
        }
        return { devices, unswitched };
      };
      if (!row.group) {
        // A device list: pages of the list itself, so devices removed since show up as missing.
        const remaining = [...row.deviceIdentifications].sort().filter((id) => after === undefined || id > after);
        const page = remaining.slice(0, limit);
        const devices = await prisma.device.findMany({ where: { identification: { in: page } }, select, orderBy: { identification: 'asc' } });
        const known = new Set(devices.map((d) => d.identification));
        const checked = authorize(devices);
        return {
          devices: checked.devices,
          unswitched: [
            ...page
              .filter((id) => !known.has(id))
              .map((id) => ({ deviceIdentification: id, errorCode: 'DEVICE_NOT_FOUND', message: `Device ${id} no longer exists` })),
            ...checked.unswitched,
          ],
          ...(remaining.length > page.length ? { next: page[page.length - 1] } : {}),
        };
      }
      const where = groupDevicesWhere(row.group, viewerOf(row));
      const devices = await prisma.device.findMany({
        where: { AND: [where, ...(after !== undefined ? [{ identification: { gt: after } }] : [])] },
        select,
        orderBy: { identification: 'asc' },
        take: limit,
      });
      return {
        ...authorize(devices),
        ...(devices.length === limit ? { next: devices[devices.length - 1].identification } : {}),
      };
    },

    async recordScheduledRequest({ organisationId, organisationIdentification, runKey, deviceCount }) {
      const correlationUid = runCorrelationUid(organisationIdentification, runKey);
      await createRequestRecord(prisma, {
        correlationUid,
        organisationId,
        domain: scheduledSetLightDomain,
        operation: scheduledSetLightOperation,
        deviceCount,
        requestHash: null,
      });
      return correlationUid;
    },

    async recordUnswitchedDevices({ organisationId, organisationIdentification, runKey, devices }) {
      const correlationUid = runCorrelationUid(organisationIdentification, runKey);
      await prisma.$transaction([
        prisma.requestRecord.createMany({
          data: [
            {
              correlationUid,
              organisationId,
              domain: scheduledSetLightDomain,
              operation: scheduledSetLightOperation,
              deviceCount: devices.length,
              state: 'NOT_OK',
              finishedAt: new Date(),
            },
          ],
          skipDuplicates: true,
        }),
        prisma.deviceResult.createMany({
          data: devices.map((d) => ({
            correlationUid,
            deviceIdentification: d.deviceIdentification,
            result: 'NOT_OK' as const,
            attempts: 0,
            errorCode: d.errorCode,
            message: d.message,
          })),
          skipDuplicates: true,
        }),
      ]);
      return correlationUid;
    },
  };
}

export type { LightValue };
