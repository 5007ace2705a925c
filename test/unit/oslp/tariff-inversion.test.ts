// Tariff switching's domain rule: a TARIFF_REVERSED relay is on for the low tariff. setSchedule sends such a
// relay the inverse state, and getStatus reports its state inverted back, so callers only ever see the tariff.
import type { RelayConfiguration } from '../../../common/device-commands';
import { relayStateFor, toDeviceTariffSchedule, toTariffStatus } from '../../../workflows/tariff-switching/tariff';

const relays: RelayConfiguration[] = [
  { index: 1, relayType: 'LIGHT' },
  { index: 2, relayType: 'TARIFF' },
  { index: 3, relayType: 'TARIFF_REVERSED' },
];

test('a TARIFF relay is on for the high tariff; a TARIFF_REVERSED relay is off for it', () => {
  expect(relayStateFor(relays, { index: 2, high: true })).toBe(true);
  expect(relayStateFor(relays, { index: 2, high: false })).toBe(false);
  expect(relayStateFor(relays, { index: 3, high: true })).toBe(false);
  expect(relayStateFor(relays, { index: 3, high: false })).toBe(true);
  // A relay the platform has no configuration for is taken as an ordinary tariff relay.
  expect(relayStateFor(undefined, { index: 3, high: true })).toBe(true);
});

test('a tariff schedule becomes the device relay schedule, reversed relays inverted, at absolute times', () => {
  const entries = toDeviceTariffSchedule(
    [
      { weekDay: 'WEEKDAY', time: '07:00', tariffValues: [{ index: 2, high: true }, { index: 3, high: true }] },
      { weekDay: 'ABSOLUTEDAY', startDay: '2026-12-25', endDay: '2026-12-26', time: '23:00', tariffValues: [{ index: 3, high: false }] },
    ],
    relays,
  );
  expect(entries).toEqual([
    {
      weekDay: 'WEEKDAY',
      actionTime: 'ABSOLUTETIME',
      time: '07:00',
      lightValues: [
        { index: 2, on: true },
        { index: 3, on: false },
      ],
    },
    {
      weekDay: 'ABSOLUTEDAY',
      startDay: '2026-12-25',
      endDay: '2026-12-26',
      actionTime: 'ABSOLUTETIME',
      time: '23:00',
      lightValues: [{ index: 3, on: true }],
    },
  ]);
});

test('a device status becomes tariff values of its tariff relays only, reversed ones inverted back', () => {
  const status = toTariffStatus(
    {
      kind: 'getStatus',
      status: {
        lightValues: [
          { index: 1, on: true },
          { index: 2, on: true },
          { index: 3, on: true },
          { index: 4, on: false },
        ],
      },
    },
    relays,
  );
  expect(status).toEqual({
    kind: 'getTariffStatus',
    tariffValues: [
      { index: 2, high: true },
      { index: 3, high: false },
    ],
  });
});

test('a device without tariff relays has no tariff values; other answers pass unchanged', () => {
  expect(toTariffStatus({ kind: 'getStatus', status: { lightValues: [{ index: 1, on: true }] } }, [])).toEqual({
    kind: 'getTariffStatus',
    tariffValues: [],
  });
  expect(toTariffStatus({ kind: 'setLight' }, relays)).toEqual({ kind: 'setLight' });
});
