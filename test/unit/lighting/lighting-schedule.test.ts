/**
 * Local time <-> UTC across daylight-saving changes (common/time-zones.ts, Intl only), the astronomical run
 * window and instants (core/lighting-schedules/model.ts), and how entries become Temporal Schedule specs
 * (core/lighting-schedules/temporal-schedules.ts).
 */
import { scheduleOptionsFor, scheduleSpecFor, skipSpecsFor } from '../../../core/lighting-schedules/temporal-schedules';
import { sunEventAt } from '../../../common/astronomy';
import { astronomicalInstants, astronomicalWindow, nextAstronomicalInstants, temporalScheduleId, type AstronomicalEntry } from '../../../core/lighting-schedules/model';
import {
  addDays,
  dayOfWeekOf,
  isValidTimeZone,
  localDateTimeAt,
  offsetAt,
  parseLocalDate,
  parseTimeOfDay,
  zonedToUtc,
} from '../../../common/time-zones';

const hour = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('local wall time to UTC', () => {
  test.each([
    // Europe/Amsterdam 2027: summer time from 28 Mar 02:00 (CET -> CEST), back on 31 Oct 03:00 (CEST -> CET).
    ['Europe/Amsterdam', '2027-03-27 19:00', '2027-03-27T18:00:00.000Z'],
    ['Europe/Amsterdam', '2027-03-28 01:59', '2027-03-28T00:59:00.000Z'],
    ['Europe/Amsterdam', '2027-03-28 03:00', '2027-03-28T01:00:00.000Z'],
    ['Europe/Amsterdam', '2027-03-28 19:00', '2027-03-28T17:00:00.000Z'],
    ['Europe/Amsterdam', '2027-10-30 19:00', '2027-10-30T17:00:00.000Z'],
    ['Europe/Amsterdam', '2027-10-31 19:00', '2027-10-31T18:00:00.000Z'],
    // America/New_York 2027: EDT from 14 Mar 02:00, EST again on 7 Nov 02:00.
    ['America/New_York', '2027-03-13 19:00', '2027-03-14T00:00:00.000Z'],
    ['America/New_York', '2027-03-14 19:00', '2027-03-14T23:00:00.000Z'],
    ['America/New_York', '2027-11-06 19:00', '2027-11-06T23:00:00.000Z'],
    ['America/New_York', '2027-11-07 19:00', '2027-11-08T00:00:00.000Z'],
  ])('%s %s is %s', (zone, wall, expected) => {
    const [date, time] = wall.split(' ');
    expect(iso(zonedToUtc({ ...parseLocalDate(date)!, ...parseTimeOfDay(time)! }, zone))).toBe(expected);
  });

  test.each([
    ['Europe/Amsterdam', '2027-03-28', '2027-03-28T01:30:00.000Z'],
    ['America/New_York', '2027-03-14', '2027-03-14T07:30:00.000Z'],
  ])('in %s a wall time in the spring gap (02:30 on %s) moves forward to 03:30', (zone, date, expected) => {
    const instant = zonedToUtc({ ...parseLocalDate(date)!, hour: 2, minute: 30 }, zone);
    expect(iso(instant)).toBe(expected);
    expect(localDateTimeAt(instant, zone)).toMatchObject({ hour: 3, minute: 30 });
  });

  test.each([
    ['Europe/Amsterdam', '2027-10-31', '2027-10-31T00:30:00.000Z'],
    ['America/New_York', '2027-11-07', '2027-11-07T05:30:00.000Z'],
  ])('in %s a wall time in the autumn overlap (01:30/02:30 twice on %s) is its first occurrence', (zone, date, expected) => {
    const wall = zone === 'Europe/Amsterdam' ? { hour: 2, minute: 30 } : { hour: 1, minute: 30 };
    const instant = zonedToUtc({ ...parseLocalDate(date)!, ...wall }, zone);
    expect(iso(instant)).toBe(expected);
    // One hour later the clock shows the same wall time again: that second occurrence is not chosen.
    expect(localDateTimeAt(instant + hour, zone)).toMatchObject(wall);
  });
});

describe('UTC to local', () => {
  test.each([
    ['Europe/Amsterdam', '2027-03-28T00:59:59Z', { day: 28, hour: 1, minute: 59 }, 1],
    ['Europe/Amsterdam', '2027-03-28T01:00:00Z', { day: 28, hour: 3, minute: 0 }, 2],
    ['Europe/Amsterdam', '2027-10-31T00:30:00Z', { day: 31, hour: 2, minute: 30 }, 2],
    ['Europe/Amsterdam', '2027-10-31T01:30:00Z', { day: 31, hour: 2, minute: 30 }, 1],
    ['America/New_York', '2027-03-14T06:59:00Z', { day: 14, hour: 1, minute: 59 }, -5],
    ['America/New_York', '2027-03-14T07:00:00Z', { day: 14, hour: 3, minute: 0 }, -4],
    ['America/New_York', '2027-11-07T05:30:00Z', { day: 7, hour: 1, minute: 30 }, -4],
    ['America/New_York', '2027-11-07T06:30:00Z', { day: 7, hour: 1, minute: 30 }, -5],
    ['America/New_York', '2027-11-08T03:00:00Z', { day: 7, hour: 22, minute: 0 }, -5],
  ])('%s at %s shows %o (UTC%+d)', (zone, instant, wall, offsetHours) => {
    const ms = Date.parse(instant);
    expect(localDateTimeAt(ms, zone)).toMatchObject(wall);
    expect(offsetAt(ms, zone)).toBe(offsetHours * hour);
  });

  test('time zones are IANA names Intl knows', () => {
    expect(isValidTimeZone('Europe/Amsterdam')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  test('dates, days of week and times of day', () => {
    expect(parseLocalDate('2027-02-29')).toBeUndefined();
    expect(parseLocalDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(addDays({ year: 2027, month: 12, day: 31 }, 1)).toEqual({ year: 2028, month: 1, day: 1 });
    expect(dayOfWeekOf({ year: 2027, month: 3, day: 28 })).toBe('SUNDAY');
    expect(parseTimeOfDay('24:00')).toBeUndefined();
    expect(parseTimeOfDay('7:00')).toBeUndefined();
    expect(parseTimeOfDay('19:05')).toEqual({ hour: 19, minute: 5 });
  });
});

const allDays = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
const on = [{ index: 0, on: true, dimValue: 80 }];
const off = [{ index: 0, on: false }];
const amsterdam = { latitude: 52.37, longitude: 4.89 };

describe('astronomical runs', () => {
  const onAtSunset: AstronomicalEntry = { kind: 'astronomical', event: 'sunset', offsetMinutes: 15, daysOfWeek: [...allDays], lightValues: on };
  const offAtSunrise: AstronomicalEntry = { kind: 'astronomical', event: 'sunrise', offsetMinutes: -15, daysOfWeek: [...allDays], lightValues: off };

  test('a run covers local noon to local noon, 23 hours over the spring change and 25 over the autumn one', () => {
    const spring = astronomicalWindow({ year: 2027, month: 3, day: 27 }, 'Europe/Amsterdam');
    expect(iso(spring.startMs)).toBe('2027-03-27T11:00:00.000Z');
    expect(iso(spring.endMs)).toBe('2027-03-28T10:00:00.000Z');
    const autumn = astronomicalWindow({ year: 2027, month: 10, day: 30 }, 'Europe/Amsterdam');
    expect((autumn.endMs - autumn.startMs) / hour).toBe(25);
  });

  test('consecutive runs across both changes switch every evening and every morning exactly once', () => {
    for (const [zone, place, first, days] of [
      ['Europe/Amsterdam', amsterdam, { year: 2027, month: 3, day: 24 }, 8],
      ['Europe/Amsterdam', amsterdam, { year: 2027, month: 10, day: 27 }, 8],
      ['America/New_York', { latitude: 40.71, longitude: -74.01 }, { year: 2027, month: 3, day: 10 }, 8],
      ['America/New_York', { latitude: 40.71, longitude: -74.01 }, { year: 2027, month: 11, day: 4 }, 8],
    ] as const) {
      const evenings: string[] = [];
      const mornings: string[] = [];
      for (let d = 0; d < days; d++) {
        const window = astronomicalWindow(addDays(first, d), zone);
        evenings.push(...astronomicalInstants(onAtSunset, window, zone, place).map((i) => i.eventDate));
        mornings.push(...astronomicalInstants(offAtSunrise, window, zone, place).map((i) => i.eventDate));
      }
      // One evening per run date, and the morning after each run date: no day skipped or doubled.
      expect(evenings).toEqual(Array.from({ length: days }, (_, d) => fmt(addDays(first, d))));
      expect(mornings).toEqual(Array.from({ length: days }, (_, d) => fmt(addDays(first, d + 1))));
    }
  });

  test('the instant is the sun event plus the offset, in UTC, on the change day as on any other', () => {
    const window = astronomicalWindow({ year: 2027, month: 3, day: 27 }, 'Europe/Amsterdam');
    const [morning] = astronomicalInstants(offAtSunrise, window, 'Europe/Amsterdam', amsterdam);
    const sunrise = sunEventAt('sunrise', { year: 2027, month: 3, day: 28 }, amsterdam.latitude, amsterdam.longitude)!;
    expect(morning.atMs).toBe(sunrise - 15 * 60_000);
    // Summer time began at 01:00 UTC that morning: the local wall time is an hour later than the day before.
    expect(localDateTimeAt(morning.atMs, 'Europe/Amsterdam').hour).toBe(7);
  });

  test('exception dates and days of week are those of the sun event', () => {
    const window = astronomicalWindow({ year: 2027, month: 3, day: 27 }, 'Europe/Amsterdam');
    expect(astronomicalInstants(offAtSunrise, window, 'Europe/Amsterdam', amsterdam, ['2027-03-28'])).toEqual([]);
    expect(astronomicalInstants(onAtSunset, window, 'Europe/Amsterdam', amsterdam, ['2027-03-28'])).toHaveLength(1);
    const sundaysOnly = { ...onAtSunset, daysOfWeek: ['SUNDAY' as const] };
    expect(astronomicalInstants(sundaysOnly, window, 'Europe/Amsterdam', amsterdam)).toEqual([]);
  });

  test('no switching where the sun does not set', () => {
    const window = astronomicalWindow({ year: 2027, month: 6, day: 21 }, 'Europe/Oslo');
    expect(astronomicalInstants(onAtSunset, window, 'Europe/Oslo', { latitude: 69.65, longitude: 18.96 })).toEqual([]);
  });

  test('next instants are increasing and one a day', () => {
    const from = Date.parse('2027-03-26T00:00:00Z');
    const next = nextAstronomicalInstants(onAtSunset, from, 5, 'Europe/Amsterdam', amsterdam);
    expect(next).toHaveLength(5);
    for (let i = 1; i < next.length; i++) {
      expect(next[i] - next[i - 1]).toBeGreaterThan(23 * hour);
      expect(next[i] - next[i - 1]).toBeLessThan(25 * hour);
    }
  });
});

function fmt(d: { year: number; month: number; day: number }): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

describe('entries as Temporal Schedule specs', () => {
  test('a calendar entry: its days and wall time in the schedule zone, exception dates skipped all day', () => {
    const spec = scheduleSpecFor(
      { kind: 'calendar', daysOfWeek: ['MONDAY', 'FRIDAY'], time: '19:05', lightValues: on },
      'Europe/Amsterdam',
      ['2027-12-25'],
    );
    expect(spec.timezone).toBe('Europe/Amsterdam');
    expect(spec.calendars).toEqual([expect.objectContaining({ dayOfWeek: ['MONDAY', 'FRIDAY'], hour: 19, minute: 5 })]);
    expect(spec.skip).toEqual([
      expect.objectContaining({ year: 2027, month: 'DECEMBER', dayOfMonth: 25, hour: '*', minute: '*', second: '*' }),
    ]);
  });

  test('an astronomical entry: a daily run at local noon (its run skips exception dates itself)', () => {
    const spec = scheduleSpecFor(
      { kind: 'astronomical', event: 'sunset', offsetMinutes: 15, daysOfWeek: ['SATURDAY'], lightValues: on },
      'America/New_York',
      ['2027-12-25'],
    );
    expect(spec).toEqual({ calendars: [expect.objectContaining({ hour: 12, minute: 0 })], timezone: 'America/New_York' });
  });

  test('a wall time a spring-forward change skips gets a calendar of its own for that date, at the time after the change', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    const daily = { kind: 'calendar' as const, daysOfWeek: [...allDays], time: '02:30', lightValues: off };
    const amsterdam = scheduleSpecFor(daily, 'Europe/Amsterdam', [], { endDate: '2028-12-31' }, now);
    expect(amsterdam.calendars?.slice(1)).toEqual([
      expect.objectContaining({ year: 2027, month: 'MARCH', dayOfMonth: 28, hour: 3, minute: 30 }),
      expect.objectContaining({ year: 2028, month: 'MARCH', dayOfMonth: 26, hour: 3, minute: 30 }),
    ]);
    const newYork = scheduleSpecFor(daily, 'America/New_York', [], { startDate: '2027-01-01', endDate: '2027-12-31' }, now);
    expect(newYork.calendars?.slice(1)).toEqual([expect.objectContaining({ year: 2027, month: 'MARCH', dayOfMonth: 14, hour: 3, minute: 30 })]);
    // Times outside the gap, and days of week that never have one (EU changes are on Sundays), need none.
    expect(scheduleSpecFor({ ...daily, time: '19:00' }, 'Europe/Amsterdam', [], {}, now).calendars).toHaveLength(1);
    expect(scheduleSpecFor({ ...daily, daysOfWeek: ['MONDAY'] }, 'Europe/Amsterdam', [], {}, now).calendars).toHaveLength(1);
    // Without an end date, ten years ahead.
    expect(scheduleSpecFor(daily, 'Europe/Amsterdam', [], {}, now).calendars).toHaveLength(11);
  });

  test('malformed exception dates never become skip specs', () => {
    expect(skipSpecsFor(['2027-02-30', 'tomorrow'])).toEqual([]);
  });

  test('one Temporal Schedule per entry, named after organisation, schedule and entry, with the row pause state', () => {
    const row = {
      id: 'row-1',
      identification: 'evening',
      timeZone: 'Europe/Amsterdam',
      entries: [
        { kind: 'calendar' as const, daysOfWeek: [...allDays], time: '19:00', lightValues: on },
        { kind: 'astronomical' as const, event: 'sunrise' as const, offsetMinutes: -15, daysOfWeek: [...allDays], lightValues: off },
      ],
      exceptionDates: [],
      paused: true,
      temporalScheduleCount: 2,
    };
    const options = { attemptTimeoutMs: 10_000, maxAttempts: 3, maxConcurrency: 10 };
    const calendar = scheduleOptionsFor(row, 'city', 0, options);
    const astronomical = scheduleOptionsFor(row, 'city', 1, options);
    expect(calendar.scheduleId).toBe(temporalScheduleId('city', 'evening', 0));
    expect(calendar.scheduleId).toBe('lighting-city-evening-0');
    expect(calendar.action).toMatchObject({ workflowType: 'scheduledLightingWorkflow', args: [{ lightingScheduleId: 'row-1', entryIndex: 0, options }] });
    expect(astronomical.action).toMatchObject({ workflowType: 'astronomicalLightingWorkflow', args: [{ lightingScheduleId: 'row-1', entryIndex: 1 }] });
    expect(calendar.state).toMatchObject({ paused: true });
    expect(calendar.policies).toMatchObject({ overlap: 'ALLOW_ALL' });
  });
});
