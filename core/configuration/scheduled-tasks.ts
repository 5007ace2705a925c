// Core findScheduledTasks: what waits for its time. Two kinds: requests accepted with a schedule time that has
// not come yet (their workflow sleeps until then; the record keeps the time and the devices), and the runs to
// come of platform-side lighting schedules (each entry's next run times, from Temporal for calendar entries and
// computed for astronomical ones). Soonest first, keyset-paged by (time, key).
// Who sees what: with a device, FIND_SCHEDULED_TASKS on it (OSGP gives it to OWNER), and then every task on it;
// without one, the caller's own tasks, or every task for ADMIN.
import type { Prisma, PrismaClient } from '../../db/client';
import { authorizeDevices } from '../authorization/device-gate';
import { requireEnabled, type AuthenticatedOrganisation } from '../organisations';
import type { EntryRunTimes, LightingScheduleRow } from '../lighting-schedules/temporal-schedules';
import type { LightingScheduleEntry, Place } from '../lighting-schedules/model';
import { scheduledSetLightDomain, scheduledSetLightOperation } from '../lighting-schedules/model';

export type ScheduledTaskKind = 'REQUEST' | 'LIGHTING_SCHEDULE_RUN';

export interface ScheduledTask {
  kind: ScheduledTaskKind;
  scheduledTime: Date;
  /** Unique among tasks at the same time: the order's tie-breaker and the cursor's key. */
  key: string;
  organisationIdentification: string;
  domain: string;
  messageType: string;
  status: 'PENDING';
  correlationUid: string | null;
  deviceIdentifications: string[];
  groupIdentification: string | null;
  lightingScheduleIdentification: string | null;
  creationTime: Date;
}

export interface ScheduledTaskQuery {
  deviceIdentification?: string;
  kind?: ScheduledTaskKind;
  /** Default: now. */
  from?: Date;
  until?: Date;
  limit: number;
  after?: { at: Date; key: string };
}

/** Where the next runs of a lighting schedule come from (core/lighting-schedules/temporal-schedules.ts). */
export interface LightingRunTimes {
  nextRunTimes(row: LightingScheduleRow, organisationIdentification: string, place: Place | undefined, count: number): Promise<EntryRunTimes[]>;
}

/** Runs listed per lighting schedule entry at most (a schedule runs forever; a page shows the next ones). */
export const runsPerEntry = 10;
/** Lighting schedules whose runs are read from Temporal at once. */
const describeConcurrency = 8;

export async function findScheduledTasks(
  prisma: PrismaClient,
  lighting: LightingRunTimes,
  caller: AuthenticatedOrganisation,
  query: ScheduledTaskQuery,
  now: Date = new Date(),
): Promise<{ tasks: ScheduledTask[]; nextCursor: { at: Date; key: string } | null }> {
  requireEnabled(caller);
  if (query.deviceIdentification !== undefined) {
    await authorizeDevices(prisma, caller, [query.deviceIdentification], 'FIND_SCHEDULED_TASKS', { operational: false });
  }
  // Only the caller's own, unless it names a device it may read the tasks of, or is ADMIN.
  const ownOnly = query.deviceIdentification === undefined && caller.platformFunctionGroup !== 'ADMIN';
  const from = query.from && query.from > now ? query.from : now;
  const inWindow = ({ scheduledTime: at, key }: ScheduledTask) =>
    at >= from && (query.until === undefined || at <= query.until) && isAfter(at, query.after, key);
  const take = query.limit + 1;

  const tasks: ScheduledTask[] = [];
  if (query.kind !== 'LIGHTING_SCHEDULE_RUN') tasks.push(...(await waitingRequests(prisma, caller, query, ownOnly, from, take)));
  if (query.kind !== 'REQUEST') {
    const runs = await lightingRuns(prisma, lighting, caller, query.deviceIdentification, ownOnly);
    tasks.push(...runs.filter(inWindow));
  }
  tasks.sort(compareTasks);
  const page = tasks.slice(0, query.limit);
  const last = page[page.length - 1];
  return { tasks: page, nextCursor: tasks.length > query.limit && last ? { at: last.scheduledTime, key: last.key } : null };
}

function isAfter(at: Date, cursor: { at: Date; key: string } | undefined, key: string): boolean {
  if (!cursor) return true;
  return at > cursor.at || (at.getTime() === cursor.at.getTime() && key > cursor.key);
}

function compareTasks(a: ScheduledTask, b: ScheduledTask): number {
  return a.scheduledTime.getTime() - b.scheduledTime.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

async function waitingRequests(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  query: ScheduledTaskQuery,
  ownOnly: boolean,
  from: Date,
  take: number,
): Promise<ScheduledTask[]> {
  const after = query.after;
  const where: Prisma.RequestRecordWhereInput = {
    state: 'PENDING',
    scheduledTime: { gte: from, ...(query.until ? { lte: query.until } : {}) },
    ...(ownOnly ? { organisationId: caller.id } : {}),
    ...(query.deviceIdentification !== undefined ? { scheduledDevices: { has: query.deviceIdentification } } : {}),
    ...(after
      ? { OR: [{ scheduledTime: { gt: after.at } }, { scheduledTime: after.at, correlationUid: { gt: after.key } }] }
      : {}),
  };
  const rows = await prisma.requestRecord.findMany({
    where,
    orderBy: [{ scheduledTime: 'asc' }, { correlationUid: 'asc' }],
    take,
    select: {
      correlationUid: true,
      domain: true,
      operation: true,
      scheduledTime: true,
      scheduledDevices: true,
      createdAt: true,
      organisation: { select: { identification: true } },
    },
  });
  return rows.map((row) => ({
    kind: 'REQUEST',
    scheduledTime: row.scheduledTime ?? from,
    key: row.correlationUid,
    organisationIdentification: row.organisation.identification,
    domain: row.domain,
    messageType: row.operation,
    status: 'PENDING',
    correlationUid: row.correlationUid,
    deviceIdentifications: row.scheduledDevices,
    groupIdentification: null,
    lightingScheduleIdentification: null,
    creationTime: row.createdAt,
  }));
}

async function lightingRuns(
  prisma: PrismaClient,
  lighting: LightingRunTimes,
  caller: AuthenticatedOrganisation,
  deviceIdentification: string | undefined,
  ownOnly: boolean,
): Promise<ScheduledTask[]> {
  const schedules = await prisma.lightingSchedule.findMany({
    where: {
      paused: false,
      ...(ownOnly ? { organisationId: caller.id } : {}),
      ...(deviceIdentification !== undefined
        ? {
            OR: [
              { deviceIdentifications: { has: deviceIdentification } },
              { group: { members: { some: { device: { identification: deviceIdentification } } } } },
            ],
          }
        : {}),
    },
    include: { organisation: { select: { identification: true } }, group: { select: { identification: true } } },
    orderBy: { id: 'asc' },
  });
  const runsOf = async (schedule: (typeof schedules)[number]): Promise<ScheduledTask[]> => {
    const tasks: ScheduledTask[] = [];
    const organisation = schedule.organisation.identification;
    const row: LightingScheduleRow = {
      id: schedule.id,
      identification: schedule.identification,
      timeZone: schedule.timeZone,
      entries: schedule.entries as unknown as LightingScheduleEntry[],
      exceptionDates: schedule.exceptionDates,
      startDate: schedule.startDate,
      endDate: schedule.endDate,
      paused: schedule.paused,
      temporalScheduleCount: schedule.temporalScheduleCount,
    };
    const place: Place | undefined =
      schedule.defaultLatitude !== null && schedule.defaultLongitude !== null
        ? { latitude: schedule.defaultLatitude, longitude: schedule.defaultLongitude }
        : undefined;
    for (const entry of await lighting.nextRunTimes(row, organisation, place, runsPerEntry)) {
      for (const time of entry.nextRunTimes) {
        tasks.push({
          kind: 'LIGHTING_SCHEDULE_RUN',
          scheduledTime: new Date(time),
          key: `~${organisation}/${schedule.identification}/${entry.entryIndex}`,
          organisationIdentification: organisation,
          domain: scheduledSetLightDomain,
          messageType: scheduledSetLightOperation,
          status: 'PENDING',
          correlationUid: null,
          deviceIdentifications: schedule.groupId ? [] : schedule.deviceIdentifications,
          groupIdentification: schedule.group?.identification ?? null,
          lightingScheduleIdentification: schedule.identification,
          creationTime: schedule.createdAt,
        });
      }
    }
    return tasks;
  };
  // A few schedules at a time: each calendar entry is one describe call to Temporal.
  const tasks: ScheduledTask[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < schedules.length) tasks.push(...(await runsOf(schedules[next++])));
  };
  await Promise.all(Array.from({ length: Math.min(describeConcurrency, schedules.length) }, lane));
  return tasks;
}
