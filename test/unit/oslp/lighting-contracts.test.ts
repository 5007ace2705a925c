// Bad input for the device-side lighting and tariff operations is refused naming the field: times hh:mm,
// dates that exist, offsets and indices in range, ABSOLUTEDAY with a start day.
import type { z } from 'zod';
import { platformContract } from '../../../api/contract';

const fieldsOf = (result: z.SafeParseReturnType<unknown, unknown>): string[] =>
  result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));

const setSchedule = platformContract.publicLighting.setSchedule.body;
const resumeSchedule = platformContract.publicLighting.resumeSchedule.body;
const setTransition = platformContract.publicLighting.setTransition.body;
const tariffSchedule = platformContract.tariffSwitching.setSchedule.body;

const on = [{ index: 0, on: true, dimValue: 60 }];
const entry = { weekDay: 'ALL', actionTime: 'ABSOLUTETIME', time: '18:30', lightValues: on };

describe('publicLighting.setSchedule body', () => {
  test('accepts absolute, astronomical and dated entries with offsets', () => {
    const parsed = setSchedule.safeParse({
      deviceIdentifications: ['L1'],
      schedules: [
        entry,
        { weekDay: 'WEEKEND', actionTime: 'SUNSET', triggerType: 'LIGHT_TRIGGER', triggerWindow: { minutesBefore: 15, minutesAfter: 15 }, lightValues: on },
        { weekDay: 'ABSOLUTEDAY', startDay: '2026-12-31', endDay: '2027-01-01', actionTime: 'SUNRISE', lightValues: [{ index: 0, on: false }] },
      ],
      astronomicalSunsetOffset: -20,
      astronomicalSunriseOffset: 30,
    });
    expect(parsed.success).toBe(true);
  });

  test.each<[string, string, unknown]>([
    ['a time that is not hh:mm', 'schedules.0.time', { ...entry, time: '24:00' }],
    ['ABSOLUTETIME without a time', 'schedules.0.time', { weekDay: 'ALL', actionTime: 'ABSOLUTETIME', lightValues: on }],
    ['a time on a SUNSET entry', 'schedules.0.time', { ...entry, actionTime: 'SUNSET' }],
    ['ABSOLUTEDAY without startDay', 'schedules.0.startDay', { ...entry, weekDay: 'ABSOLUTEDAY' }],
    ['a date that does not exist', 'schedules.0.startDay', { ...entry, weekDay: 'ABSOLUTEDAY', startDay: '2026-02-30' }],
    ['endDay before startDay', 'schedules.0.endDay', { ...entry, startDay: '2026-05-02', endDay: '2026-05-01' }],
    ['a light index above 6', 'schedules.0.lightValues.0.index', { ...entry, lightValues: [{ index: 7, on: true }] }],
    ['an unknown week day', 'schedules.0.weekDay', { ...entry, weekDay: 'FUNDAY' }],
  ])('refuses %s, naming %s', (_case, field, schedule) => {
    expect(fieldsOf(setSchedule.safeParse({ deviceIdentifications: ['L1'], schedules: [schedule] }))).toContain(field);
  });

  test('refuses an offset beyond 180 minutes and more than 50 entries', () => {
    expect(fieldsOf(setSchedule.safeParse({ deviceIdentifications: ['L1'], schedules: [entry], astronomicalSunsetOffset: 181 }))).toContain(
      'astronomicalSunsetOffset',
    );
    expect(fieldsOf(setSchedule.safeParse({ deviceIdentifications: ['L1'], schedules: Array(51).fill(entry) }))).toContain('schedules');
  });
});

describe('resumeSchedule, setTransition and tariff setSchedule bodies', () => {
  test('resumeSchedule: index 0-6; devices or a group, not both', () => {
    expect(resumeSchedule.safeParse({ deviceIdentifications: ['L1'], index: 0, isImmediate: true }).success).toBe(true);
    expect(fieldsOf(resumeSchedule.safeParse({ deviceIdentifications: ['L1'], index: 7, isImmediate: true }))).toContain('index');
    expect(fieldsOf(resumeSchedule.safeParse({ isImmediate: true }))).toContain('deviceIdentifications');
    expect(fieldsOf(resumeSchedule.safeParse({ deviceIdentifications: ['L1'], groupIdentification: 'g', isImmediate: true }))).toContain(
      'groupIdentification',
    );
    expect(resumeSchedule.safeParse({ groupIdentification: 'district-7', isImmediate: false }).success).toBe(true);
  });

  test('setTransition: a known transition type and an hh:mm time', () => {
    expect(setTransition.safeParse({ deviceIdentifications: ['L1'], transitionType: 'DAY_NIGHT', time: '17:02' }).success).toBe(true);
    expect(fieldsOf(setTransition.safeParse({ deviceIdentifications: ['L1'], transitionType: 'DUSK' }))).toContain('transitionType');
    expect(fieldsOf(setTransition.safeParse({ deviceIdentifications: ['L1'], transitionType: 'NIGHT_DAY', time: '7:5' }))).toContain('time');
  });

  test('tariff setSchedule: relay index 1-6, a time, no repeated index', () => {
    const ok = { weekDay: 'WEEKDAY', time: '07:00', tariffValues: [{ index: 1, high: true }] };
    expect(tariffSchedule.safeParse({ deviceIdentifications: ['T1'], schedules: [ok] }).success).toBe(true);
    expect(fieldsOf(tariffSchedule.safeParse({ deviceIdentifications: ['T1'], schedules: [{ ...ok, tariffValues: [{ index: 0, high: true }] }] }))).toContain(
      'schedules.0.tariffValues.0.index',
    );
    expect(fieldsOf(tariffSchedule.safeParse({ deviceIdentifications: ['T1'], schedules: [{ ...ok, time: undefined }] }))).toContain('schedules.0.time');
    expect(
      fieldsOf(
        tariffSchedule.safeParse({
          deviceIdentifications: ['T1'],
          schedules: [{ ...ok, tariffValues: [{ index: 2, high: true }, { index: 2, high: false }] }],
        }),
      ),
    ).toContain('schedules.0.tariffValues');
  });
});
