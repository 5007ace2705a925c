// Device-side lighting commands -> OSLP: a schedule is paged as OSGP's adapter pages it (5 entries a page,
// pageInfo only when there is more than one page), astronomical offsets travel in a SetConfiguration first
// (OSLP has them per device, in seconds), and every message survives the protobuf codec unchanged.
import type { DeviceCommand, ScheduleEntry } from '../../../common/device-commands';
import { decodeMessage, encodeMessage, type OslpMessage } from '../../../adapters/oslp/messages';
import { fromOslpResponse, schedulePageCount, summarize, toOslpExchanges, toOslpRequest } from '../../../activities/oslp/translate';

const overTheWire = (message: OslpMessage): OslpMessage => decodeMessage(encodeMessage(message));

const entry = (i: number): ScheduleEntry => ({
  weekDay: 'ALL',
  actionTime: 'ABSOLUTETIME',
  time: `${String(i % 24).padStart(2, '0')}:30`,
  lightValues: [{ index: 0, on: i % 2 === 0, ...(i % 2 === 0 ? { dimValue: 50 } : {}) }],
  index: i,
});

const schedule = (entries: ScheduleEntry[], extra: Partial<Extract<DeviceCommand, { kind: 'setSchedule' }>> = {}): DeviceCommand => ({
  kind: 'setSchedule',
  scheduleType: 'LIGHT',
  entries,
  ...extra,
});

describe('setSchedule paging', () => {
  test('up to 5 entries go in one SetScheduleRequest without pageInfo', () => {
    const exchanges = toOslpExchanges(schedule([entry(1), entry(2), entry(3), entry(4), entry(5)]));
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0].setScheduleRequest?.pageInfo).toBeUndefined();
    expect(exchanges[0].setScheduleRequest?.schedules).toHaveLength(5);
    expect(exchanges[0].setScheduleRequest?.scheduleType).toBe('LIGHT');
  });

  test('12 entries go in 3 pages of 5, 5 and 2, numbered from 1, every page naming the total', () => {
    const entries = Array.from({ length: 12 }, (_, i) => entry(i + 1));
    const exchanges = toOslpExchanges(schedule(entries));
    expect(exchanges.map((m) => m.setScheduleRequest?.pageInfo)).toEqual([
      { currentPage: 1, pageSize: 5, totalPages: 3 },
      { currentPage: 2, pageSize: 5, totalPages: 3 },
      { currentPage: 3, pageSize: 5, totalPages: 3 },
    ]);
    expect(exchanges.map((m) => m.setScheduleRequest?.schedules.length)).toEqual([5, 5, 2]);
    // In order, nothing lost: the pages together are the schedule.
    expect(exchanges.flatMap((m) => m.setScheduleRequest!.schedules.map((s) => s.index))).toEqual(entries.map((e) => e.index));
    expect(schedulePageCount(12)).toBe(3);
  });

  test('an empty schedule is one message with no entries (it clears the device schedule)', () => {
    const exchanges = toOslpExchanges(schedule([]));
    expect(exchanges).toEqual([{ setScheduleRequest: { schedules: [], scheduleType: 'LIGHT' } }]);
  });

  test('astronomical offsets in minutes become a SetConfiguration in seconds, sent before the pages', () => {
    const exchanges = toOslpExchanges(schedule([entry(1)], { astronomicalSunsetOffset: 15, astronomicalSunriseOffset: -30 }));
    expect(exchanges[0]).toEqual({ setConfigurationRequest: { astroGateSunRiseOffset: -1800, astroGateSunSetOffset: 900 } });
    expect(exchanges[1].setScheduleRequest?.schedules).toHaveLength(1);
    // Repeated fields decode as empty lists (on the wire "not given" and "empty" are the same); the device keeps its own.
    expect(overTheWire(exchanges[0])).toEqual({
      setConfigurationRequest: { astroGateSunRiseOffset: -1800, astroGateSunSetOffset: 900, switchingDelay: [], relayLinking: [] },
    });
  });

  test('toOslpRequest refuses a command that takes several exchanges', () => {
    expect(() => toOslpRequest(schedule(Array.from({ length: 6 }, (_, i) => entry(i))))).toThrow(/exchanges/);
  });
});

describe('schedule entries on the wire', () => {
  test('every field of an entry maps to OSLP (dates YYYYMMDD, times hhmmss) and survives the codec', () => {
    const [message] = toOslpExchanges({
      kind: 'setSchedule',
      scheduleType: 'TARIFF',
      entries: [
        {
          weekDay: 'ABSOLUTEDAY',
          startDay: '2026-12-24',
          endDay: '2026-12-26',
          actionTime: 'SUNSET',
          window: { minutesBefore: 10, minutesAfter: 20 },
          lightValues: [{ index: 2, on: true }],
          triggerType: 'LIGHT_TRIGGER',
          minimumLightsOn: 600,
          index: 7,
          isEnabled: true,
        },
        { weekDay: 'WEEKEND', actionTime: 'ABSOLUTETIME', time: '23:05', lightValues: [{ index: 0, on: false }] },
      ],
    });
    expect(message.setScheduleRequest).toEqual({
      scheduleType: 'TARIFF',
      schedules: [
        {
          weekday: 'ABSOLUTEDAY',
          startDay: '20261224',
          endDay: '20261226',
          actionTime: 'SUNSET',
          window: { minutesBefore: 10, minutesAfter: 20 },
          value: [{ index: 2, on: true }],
          triggerType: 'LIGHT_TRIGGER',
          minimumLightsOn: 600,
          index: 7,
          isEnabled: true,
        },
        { weekday: 'WEEKEND', actionTime: 'ABSOLUTETIME', time: '230500', value: [{ index: 0, on: false }] },
      ],
    });
    expect(overTheWire(message)).toEqual(message);
    // Field numbers as OSLP 0.6.1: Message.setScheduleRequest = 21 (tag 0xaa 0x01), scheduleType = 3.
    const bytes = encodeMessage(message);
    expect([bytes[0], bytes[1]]).toEqual([0xaa, 0x01]);
    expect(summarize(message)).toBe('setSchedule TARIFF: 2 entries');
  });

  test('a page summary names its page', () => {
    const exchanges = toOslpExchanges(schedule(Array.from({ length: 7 }, (_, i) => entry(i))));
    expect(summarize(exchanges[1])).toBe('setSchedule LIGHT page 2/2: 2 entries');
  });
});

describe('resumeSchedule and setTransition', () => {
  test('resumeSchedule: index 0 means all lights and is left out; another index is one octet', () => {
    expect(toOslpRequest({ kind: 'resumeSchedule', index: 0, immediate: true })).toEqual({ resumeScheduleRequest: { immediate: true } });
    const one = toOslpRequest({ kind: 'resumeSchedule', index: 3, immediate: false });
    expect(one).toEqual({ resumeScheduleRequest: { index: 3, immediate: false } });
    expect(overTheWire(one)).toEqual(one);
  });

  test('setTransition carries the type and an optional hhmmss time', () => {
    const message = toOslpRequest({ kind: 'setTransition', transitionType: 'DAY_NIGHT', time: '17:45' });
    expect(message).toEqual({ setTransitionRequest: { transitionType: 'DAY_NIGHT', time: '174500' } });
    expect(overTheWire(message)).toEqual(message);
    expect(toOslpRequest({ kind: 'setTransition', transitionType: 'NIGHT_DAY' })).toEqual({
      setTransitionRequest: { transitionType: 'NIGHT_DAY' },
    });
  });

  test('answers become generic responses; a missing answer kind is an error', () => {
    expect(fromOslpResponse({ kind: 'resumeSchedule', immediate: true }, { resumeScheduleResponse: { status: 'OK' } })).toEqual({
      status: 'OK',
      response: { kind: 'resumeSchedule' },
    });
    expect(fromOslpResponse({ kind: 'setTransition', transitionType: 'NIGHT_DAY' }, { setTransitionResponse: { status: 'REJECTED' } }).status).toBe(
      'REJECTED',
    );
    const twelve = schedule(Array.from({ length: 12 }, (_, i) => entry(i)));
    expect(fromOslpResponse(twelve, { setScheduleResponse: { status: 'OK' } })).toEqual({
      status: 'OK',
      response: { kind: 'setSchedule', pages: 3 },
    });
    expect(fromOslpResponse(twelve, { setConfigurationResponse: { status: 'FAILURE' } }).status).toBe('FAILURE');
    expect(() => fromOslpResponse(twelve, { setLightResponse: { status: 'OK' } })).toThrow(/setScheduleResponse/);
  });
});
