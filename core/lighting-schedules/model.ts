// What a platform-side lighting schedule is, and the pure computations on it that the API, the activities
// and the workflows share: Temporal Schedule ids, the daily window an astronomical run covers, and the
// switching instants of an astronomical entry at a place. No I/O, so workflows may use it.
import { sunEventAt, type SunEvent } from '../../common/astronomy';
import type { LightValue } from '../../common/device-commands';
import type { DeviceFunction } from '../authorization/device-functions';
import type { DeviceRequestOptions } from '../requests/request-types';
import {
  addDays,
  dayOfWeekOf,
  formatLocalDate,
  localDateAt,
  zonedToUtc,
  type DayOfWeek,
  type LocalDate,
} from '../../common/time-zones';

export interface CalendarEntry {
  kind: 'calendar';
  daysOfWeek: DayOfWeek[];
  /** Local wall time hh:mm in the schedule's time zone. */
  time: string;
  lightValues: LightValue[];
}

export interface AstronomicalEntry {
  kind: 'astronomical';
  event: SunEvent;
  /** Minutes after (positive) or before (negative) the event. */
  offsetMinutes: number;
  /** The days of week of the event's local date. */
  daysOfWeek: DayOfWeek[];
  lightValues: LightValue[];
}

export type LightingScheduleEntry = CalendarEntry | AstronomicalEntry;

/** The Operation of every scheduled run (search attribute OsgpOperation = publicLighting.scheduledSetLight). */
export const scheduledSetLightDomain = 'publicLighting';
export const scheduledSetLightOperation = 'scheduledSetLight';
/** The right a scheduled run needs on every device, checked when the schedule is made and again at each run. */
export const scheduledLightingFunction: DeviceFunction = 'SET_LIGHT_SCHEDULE';

/** The local time the astronomical entries' daily Temporal Schedule fires at; its run covers noon to noon. */
export const astronomicalRunHour = 12;

/** The Temporal Schedule of one entry: `lighting-<organisation>-<identification>-<entry index>`. */
export function temporalScheduleId(organisationIdentification: string, scheduleIdentification: string, entryIndex: number): string {
  return `lighting-${organisationIdentification}-${scheduleIdentification}-${entryIndex}`;
}

export interface Window {
  startMs: number;
  endMs: number;
}

/**
 * What the astronomical run of local date D covers: local noon of D to local noon of D + 1 (the evening of
 * D and the morning after), computed in UTC from the local dates, so a day of 23 or 25 hours is covered once.
 */
export function astronomicalWindow(runDate: LocalDate, timeZone: string): Window {
  return {
    startMs: zonedToUtc({ ...runDate, hour: astronomicalRunHour, minute: 0 }, timeZone),
    endMs: zonedToUtc({ ...addDays(runDate, 1), hour: astronomicalRunHour, minute: 0 }, timeZone),
  };
}

export interface Place {
  latitude: number;
  longitude: number;
}

export interface AstronomicalInstant {
  /** When to switch (epoch ms, UTC). */
  atMs: number;
  /** The local date of the sun event. */
  eventDate: string;
}

/**
 * The instants at which an astronomical entry switches inside a window at a place: the event of each local
 * date, plus the offset, when that date's day of week is in the entry and it is not an exception date.
 * Polar days and nights have no event, so nothing switches then.
 */
export function astronomicalInstants(
  entry: AstronomicalEntry,
  window: Window,
  timeZone: string,
  place: Place,
  exceptionDates: readonly string[] = [],
): AstronomicalInstant[] {
  const first = localDateAt(window.startMs, timeZone);
  const instants: AstronomicalInstant[] = [];
  // Offsets and time zones far from solar time move an event across a date line: look one day either side.
  for (let d = -1; d <= 2; d++) {
    const date = addDays(first, d);
    const eventDate = formatLocalDate(date);
    if (!entry.daysOfWeek.includes(dayOfWeekOf(date)) || exceptionDates.includes(eventDate)) continue;
    const eventMs = sunEventAt(entry.event, date, place.latitude, place.longitude);
    if (eventMs === undefined) continue;
    const atMs = eventMs + entry.offsetMinutes * 60_000;
    if (atMs >= window.startMs && atMs < window.endMs) instants.push({ atMs, eventDate });
  }
  return instants.sort((a, b) => a.atMs - b.atMs);
}

/** The next `count` instants of an astronomical entry at a place from `fromMs` on (for display). */
export function nextAstronomicalInstants(
  entry: AstronomicalEntry,
  fromMs: number,
  count: number,
  timeZone: string,
  place: Place,
  exceptionDates: readonly string[] = [],
): number[] {
  const result: number[] = [];
  let date = addDays(localDateAt(fromMs, timeZone), -1);
  // Two years of days at most (a polar place with an entry on one weekday may have few events).
  for (let i = 0; i < 731 && result.length < count; i++, date = addDays(date, 1)) {
    for (const instant of astronomicalInstants(entry, astronomicalWindow(date, timeZone), timeZone, place, exceptionDates)) {
      if (instant.atMs >= fromMs && result.length < count) result.push(instant.atMs);
    }
  }
  return result;
}

/** A compact UTC minute for ids: 20270328T0512Z. */
export function compactUtcMinute(instantMs: number): string {
  return new Date(instantMs).toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';
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
