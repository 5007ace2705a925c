// Platform-side lighting schedules on Temporal Schedules: what the API calls (with its Temporal client) to
// keep Temporal in line with a schedule's row: one Temporal Schedule per entry, created or updated in place,
// paused and unpaused with it, deleted with it; running an entry now; next action times. Every step is
// idempotent, so repeating an API call after a failure converges. The runs' own activities (reading the
// schedule and its devices, recording each run's request) are activities/lighting-runs.ts.
import {
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  type CalendarSpec,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import { operationAttribute, organisationAttribute } from '../../common/search-attributes';
import {
  addDays,
  dayOfWeekOf,
  formatLocalDate,
  localDateAt,
  parseLocalDate,
  parseTimeOfDay,
  wallTimeGaps,
  zonedToUtc,
} from '../../common/time-zones';
import { coreTaskQueue } from '../protocols';
import { upsertTemporalSchedule } from '../temporal-schedules';
import type { DeviceRequestOptions } from '../requests/request-types';
import { correlationUidFor } from '../requests/start-request';
import { workflowName, type WorkflowFunction } from '../requests/workflow-types';
import {
  astronomicalRunHour,
  nextAstronomicalInstants,
  scheduledSetLightDomain,
  scheduledSetLightOperation,
  temporalScheduleId,
  type LightingRunInput,
  type LightingScheduleEntry,
  type Place,
} from './model';

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

export const calendarRunWorkflowType = workflowName('scheduledLightingWorkflow');
export const astronomicalRunWorkflowType = workflowName('astronomicalLightingWorkflow');

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

  const upsert = (desired: ScheduleOptions): Promise<void> => upsertTemporalSchedule(temporal, desired);

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
        await temporal.workflow.start<WorkflowFunction<typeof calendarRunWorkflowType>>(calendarRunWorkflowType, {
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
