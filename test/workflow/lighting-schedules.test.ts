/**
 * The astronomical run workflow on the time-skipping test server, across the 2027 change to summer time in
 * Europe/Amsterdam (28 March, 02:00 -> 03:00). The daily Temporal Schedule (tested on the dev server in
 * test/integration/lighting-schedules.test.ts) is stood in for by starting one run per local date, as the
 * schedule would at local noon. Each run must switch at the right UTC instants (the sun event of each
 * device's own location plus the offset, grouped by minute, waited for with Temporal timers), once per
 * day, with nothing on an exception date, and a NOT_OK NO_LOCATION for a device without a location.
 * The core and adapter activities are in-memory stand-ins; the child requests are the real setLightWorkflow.
 */
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { useTimeSkippingEnvironment } from '../support/time-skipping';
import { fakeRequestRecords, notificationsWithoutWebhook } from '../support/workflow-fakes';
import type { DeviceCommandOutcome, DeviceCommandRequest } from '../../common/device-commands';
import type { FinalRequestState } from '../../core/requests/records';
import type { DeviceLocation, LightingRunActivities, LightingRunContext, UnswitchedDevice } from '../../activities/lighting-runs';
import { type AstronomicalEntry, astronomicalInstants, astronomicalWindow, type LightingRunInput } from '../../core/lighting-schedules/model';
import { localDateTimeAt, parseLocalDate } from '../../common/time-zones';
import type { AstronomicalRunSummary } from '../../workflows/public-lighting/astronomical-lighting';
import { workflowsPath } from '../../worker/core-worker';
import { temporal } from '@temporalio/proto';
import { platformSearchAttributes } from '../../common/search-attributes';

jest.setTimeout(180_000);

const suite = useTimeSkippingEnvironment(workflowsPath);

beforeAll(async () => {
  // The child requests carry the platform's search attributes, as on a real server.
  await suite.env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(platformSearchAttributes).map(([name, type]) => [
        name,
        type === 'Keyword' ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
      ]),
    ),
  });
});

const zone = 'Europe/Amsterdam';
const allDays = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
const places = {
  'AMS-1': { latitude: 52.37, longitude: 4.89 },
  // Maastricht: 220 km south-east, its sun sets minutes earlier than Amsterdam's.
  'MST-1': { latitude: 50.85, longitude: 5.69 },
};
const devices: DeviceLocation[] = [
  { deviceIdentification: 'AMS-1', protocol: 'OSLP', ...places['AMS-1'] },
  { deviceIdentification: 'MST-1', protocol: 'OSLP', ...places['MST-1'] },
  { deviceIdentification: 'NOWHERE-1', protocol: 'OSLP', latitude: null, longitude: null },
];
const options = { attemptTimeoutMs: 30_000, maxAttempts: 2, maxConcurrency: 10 };

interface Recorded {
  scheduled: Array<{ runKey: string; deviceCount: number; atMs: number }>;
  unswitched: Array<{ runKey: string; devices: UnswitchedDevice[] }>;
  commands: Array<{ correlationUid: string; device: string; on: boolean; atMs: number }>;
  completed: Array<{ correlationUid: string; state: FinalRequestState }>;
}

/** Runs one astronomical run per local date, in order, against in-memory activities; returns what they did. */
async function runDays(entry: AstronomicalEntry, runDates: string[], exceptionDates: string[]) {
  const records = fakeRequestRecords();
  const recorded: Recorded = { scheduled: [], unswitched: [], commands: [], completed: records.completions };
  const context: LightingRunContext = {
    organisationId: 'org-1',
    organisationIdentification: 'city',
    scheduleIdentification: 'night',
    timeZone: zone,
    entry,
    exceptionDates,
    deviceCount: devices.length,
  };
  const lighting: LightingRunActivities = {
    async loadLightingRun() {
      return context;
    },
    async findLightingTargets({ after, limit }) {
      const page = devices.filter((d) => after === undefined || d.deviceIdentification > after).slice(0, limit);
      return { devices: page, unswitched: [] };
    },
    async recordScheduledRequest({ runKey, deviceCount }) {
      recorded.scheduled.push({ runKey, deviceCount, atMs: Context.current().info.currentAttemptScheduledTimestampMs });
      return `corr-${runKey}`;
    },
    async recordUnswitchedDevices({ runKey, devices: unswitched }) {
      recorded.unswitched.push({ runKey, devices: unswitched });
      return `corr-${runKey}`;
    },
  };
  const adapter = {
    async executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      if (request.command.kind !== 'setLight') throw new Error(`unexpected ${request.command.kind}`);
      recorded.commands.push({
        correlationUid: request.correlationUid,
        device: request.deviceIdentification,
        on: request.command.lightValues[0].on,
        atMs: Context.current().info.currentAttemptScheduledTimestampMs,
      });
      return { attempt: Context.current().info.attempt, response: { kind: 'setLight' } };
    },
  };
  const summaries: AstronomicalRunSummary[] = [];
  // The clock is moved by hand (env.sleep, as the days pass); this client leaves time skipping alone.
  const plain = new Client({ connection: suite.env.connection });
  await suite.runPlatformWorkers(
    {
      core: { ...lighting, ...records.activities, ...notificationsWithoutWebhook().activities },
      adapter: { taskQueue: 'adapter-oslp', activities: adapter },
    },
    async () => {
      // One run per local date, as the daily schedule starts them at local noon. They are all started up
      // front; each waits (Temporal timers) for its own instants, and the clock is moved through them in order.
      const handles = [];
      for (const runDate of runDates) {
        const input: LightingRunInput = { lightingScheduleId: 'schedule-1', entryIndex: 0, options, runDate };
        handles.push(
          await plain.workflow.start('astronomicalLightingWorkflow', {
            taskQueue: 'core',
            workflowId: `lighting-city-night-0-${entry.event}-${runDate}`,
            args: [input],
          }),
        );
      }
      const minutes = [
        ...new Set(runDates.flatMap((runDate) => Object.values(places).flatMap((place) => expectedMinutes(entry, runDate, exceptionDates, place)))),
      ].sort((a, b) => a - b);
      for (const minute of minutes) {
        const current = await suite.env.currentTimeMs();
        if (minute + 5_000 > current) await suite.env.sleep(minute + 5_000 - current);
      }
      for (const handle of handles) summaries.push(await handle.result());
      // The children (ABANDON) finish on their own: wait for each request to close.
      const expected = summaries.flatMap((s) => s.switchings ?? []).flatMap((s) => s.correlationUids);
      for (const correlationUid of expected) await plain.workflow.getHandle(correlationUid).result();
    },
  );
  return { recorded, summaries };
}

function expectedMinutes(entry: AstronomicalEntry, runDate: string, exceptionDates: string[], place: { latitude: number; longitude: number }) {
  return astronomicalInstants(entry, astronomicalWindow(parseLocalDate(runDate)!, zone), zone, place, exceptionDates).map(
    (i) => Math.floor(i.atMs / 60_000) * 60_000,
  );
}

test('off at sunrise - 15 across the change to summer time: once a morning, at the computed UTC minute per location, none on the exception date', async () => {
  const entry: AstronomicalEntry = { kind: 'astronomical', event: 'sunrise', offsetMinutes: -15, daysOfWeek: [...allDays], lightValues: [{ index: 0, on: false }] };
  // Runs of 26..29 March cover the mornings of 27..30 March; the morning of 29 March is an exception date.
  const runDates = ['2027-03-26', '2027-03-27', '2027-03-28', '2027-03-29'];
  const exceptionDates = ['2027-03-29'];
  const { recorded, summaries } = await runDays(entry, runDates, exceptionDates);

  // Per device: one switching per morning except the exception date, at its own computed minute.
  for (const device of ['AMS-1', 'MST-1'] as const) {
    const expected = runDates.flatMap((d) => expectedMinutes(entry, d, exceptionDates, places[device]));
    expect(expected).toHaveLength(3);
    const commands = recorded.commands.filter((c) => c.device === device);
    expect(commands.map((c) => c.on)).toEqual([false, false, false]);
    // Each command was sent at (or within seconds after) its minute, never before it.
    commands.forEach((command, i) => {
      expect(command.atMs).toBeGreaterThanOrEqual(expected[i]);
      expect(command.atMs - expected[i]).toBeLessThan(60_000);
    });
    // The mornings of 27, 28 and 30 March, in local time.
    expect(commands.map((c) => localDateTimeAt(c.atMs, zone).day)).toEqual([27, 28, 30]);
  }

  // Over the change the local wall time jumps an hour later; the UTC instant moves on by a couple of minutes only.
  const ams = recorded.commands.filter((c) => c.device === 'AMS-1').map((c) => c.atMs);
  expect(localDateTimeAt(ams[0], zone).hour).toBe(6);
  expect(localDateTimeAt(ams[1], zone).hour).toBe(7);
  const dayMs = 86_400_000;
  expect(Math.abs(ams[1] - ams[0] - dayMs)).toBeLessThan(5 * 60_000);

  // Amsterdam and Maastricht switch at different minutes: one request per minute, each OK and closed.
  expect(recorded.scheduled.map((s) => s.deviceCount)).toEqual([1, 1, 1, 1, 1, 1]);
  expect(new Set(recorded.scheduled.map((s) => s.runKey)).size).toBe(6);
  expect(recorded.completed).toHaveLength(6);
  for (const completed of recorded.completed) expect(completed.state).toBe('OK');

  // The device without a location: NOT_OK NO_LOCATION, recorded once per run.
  expect(recorded.unswitched).toHaveLength(4);
  for (const record of recorded.unswitched) {
    expect(record.devices).toEqual([expect.objectContaining({ deviceIdentification: 'NOWHERE-1', errorCode: 'NO_LOCATION' })]);
  }
  expect(summaries.map((s) => s.runDate)).toEqual(runDates);
  expect(summaries[2].switchings).toEqual([]);
});

test('on at sunset + 15 across the change back to winter time (31 October): one evening per run date, in the right UTC minute', async () => {
  const entry: AstronomicalEntry = { kind: 'astronomical', event: 'sunset', offsetMinutes: 15, daysOfWeek: [...allDays], lightValues: [{ index: 0, on: true }] };
  // The first test left the server's clock in March 2027: these runs lie after it.
  const runDates = ['2027-10-30', '2027-10-31', '2027-11-01'];
  const { recorded, summaries } = await runDays(entry, runDates, []);
  const ams = recorded.commands.filter((c) => c.device === 'AMS-1');
  const expected = runDates.flatMap((d) => expectedMinutes(entry, d, [], places['AMS-1']));
  expect(expected).toHaveLength(3);
  expect(ams.map((c) => c.on)).toEqual([true, true, true]);
  ams.forEach((command, i) => {
    expect(command.atMs).toBeGreaterThanOrEqual(expected[i]);
    expect(command.atMs - expected[i]).toBeLessThan(60_000);
  });
  // One evening per run date: the evening of its own local date.
  expect(ams.map((c) => localDateTimeAt(c.atMs, zone).day)).toEqual([30, 31, 1]);
  // Winter time: the evening of the 31st is an hour earlier on the clock, about a day later in UTC.
  expect(localDateTimeAt(ams[0].atMs, zone).hour).toBe(18);
  expect(localDateTimeAt(ams[1].atMs, zone).hour).toBe(17);
  expect(Math.abs(ams[1].atMs - ams[0].atMs - 86_400_000)).toBeLessThan(5 * 60_000);
  // Each run switches both located devices once (in one request when their minutes coincide).
  expect(summaries.map((s) => (s.switchings ?? []).reduce((n, sw) => n + sw.devices, 0))).toEqual([2, 2, 2]);
  expect(recorded.commands.filter((c) => c.device === 'MST-1')).toHaveLength(3);
});
