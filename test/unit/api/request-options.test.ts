import { priorityKeyFor, requestOptionsFor } from '../../../core/requests/start-request';
import { deviceRequestHeaders } from '../../../api/contracts/common';
import { requestOptionsFrom } from '../../../api/device-requests';

const base = { attemptTimeoutMs: 10_000, maxAttempts: 4, maxConcurrency: 100 };

test("OSGP's priorities 0-9 map onto Temporal's keys 1-5, higher priority first, default 4 on the default key", () => {
  expect([9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map(priorityKeyFor)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
});

test('request headers adjust the options of one request only', () => {
  expect(requestOptionsFor(base, requestOptionsFrom({}))).toEqual(base);
  expect(
    requestOptionsFor(
      base,
      requestOptionsFrom({
        'x-osgp-bypass-retry': 'true',
        'x-osgp-schedule-time': '2026-12-24T17:00:00+01:00',
        'x-osgp-max-schedule-time': '2026-12-24T18:00:00+01:00',
      }),
    ),
  ).toEqual({ ...base, maxAttempts: 1, scheduleTimeMs: Date.parse('2026-12-24T16:00:00Z'), maxScheduleTimeMs: Date.parse('2026-12-24T17:00:00Z') });
  expect(requestOptionsFor(base, requestOptionsFrom({ 'x-osgp-bypass-retry': 'false' })).maxAttempts).toBe(4);
});

test.each([
  [{ 'x-osgp-priority': '10' }, 'x-osgp-priority'],
  [{ 'x-osgp-schedule-time': 'tomorrow' }, 'x-osgp-schedule-time'],
  [{ 'x-osgp-schedule-time': '2026-12-24T17:00:00' }, 'x-osgp-schedule-time'],
  [{ 'x-osgp-schedule-time': '2026-12-24T17:00:00Z', 'x-osgp-max-schedule-time': '2026-12-24T16:00:00Z' }, 'x-osgp-max-schedule-time'],
  [{ 'x-osgp-bypass-retry': 'yes' }, 'x-osgp-bypass-retry'],
])('refuses %j, naming %s', (headers, field) => {
  const result = deviceRequestHeaders.safeParse(headers);
  expect(result.success).toBe(false);
  expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field);
});
