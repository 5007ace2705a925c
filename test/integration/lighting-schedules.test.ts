/**
 * Platform-side lighting schedules on the Temporal dev server (Temporal Schedules are not supported by the
 * time-skipping server): the API creates one Temporal Schedule per entry in the schedule's time zone; next
 * action times over the 2027 daylight-saving changes of Europe/Amsterdam hold exactly one action per day;
 * trigger-now switches simulated OSLP lights as an ordinary request with per-device results; pause,
 * unpause, update and delete show in Temporal; another organisation sees nothing (404).
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { localDateTimeAt } from '../../common/time-zones';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
const organisation = `lightsched-${run}`;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let cityKey: string;
let city: ReturnType<TestPlatform['client']>;
let other: ReturnType<TestPlatform['client']>;

const allDays = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
const ids = () => fleet.devices.map((d) => d.identification);
const scheduleHandle = (identification: string, entry: number) =>
  platform.temporal.schedule.getHandle(`lighting-${organisation}-${identification}-${entry}`);

beforeAll(async () => {
  platform = await startTestPlatform();
  fleet = await startFleetFor(platform, {
    count: 3,
    identificationPrefix: `LS-${run}-`,
  });
  cityKey = await platform.createOrganisation(organisation);
  city = platform.client(cityKey);
  other = platform.client(await platform.createOrganisation(`lightsched-other-${run}`));
  expect(await addFleetToPlatform(city, fleet)).toBe(3);
  expect(await fleet.registerAll()).toEqual({ registered: 3, failed: [] });
});

afterAll(async () => {
  // Leave no schedules firing in the shared dev server.
  const schedules = await platform?.db.prisma.lightingSchedule.findMany({ where: { organisation: { identification: organisation } } });
  for (const schedule of schedules ?? []) await city.publicLighting.deleteLightingSchedule({ params: { identification: schedule.identification } });
  await fleet?.close();
  await platform?.stop();
});

/** The local dates (Europe/Amsterdam) of Temporal's next action times of an entry's schedule. */
async function nextLocalDates(identification: string, entry = 0): Promise<string[]> {
  const description = await scheduleHandle(identification, entry).describe();
  return description.info.nextActionTimes.map((t) => {
    const local = localDateTimeAt(t.getTime(), 'Europe/Amsterdam');
    return `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')} ${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  });
}

describe('calendar entries become Temporal Schedules in the schedule time zone', () => {
  test('spring forward (2027-03-28): 02:30 does not exist that night; it runs once, at 03:30, and the exception date is skipped', async () => {
    const created = await city.publicLighting.createLightingSchedule({
      body: {
        identification: `spring-${run}`,
        timeZone: 'Europe/Amsterdam',
        deviceIdentifications: ids(),
        entries: [{ kind: 'calendar', daysOfWeek: [...allDays], time: '02:30', lightValues: [{ index: 0, on: false }] }],
        startDate: '2027-03-26',
        endDate: '2027-03-30',
        exceptionDates: ['2027-03-29'],
      },
    });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    expect(created.body.temporalScheduleIds).toEqual([`lighting-${organisation}-spring-${run}-0`]);

    const description = await scheduleHandle(`spring-${run}`, 0).describe();
    expect(description.spec.timezone).toBe('Europe/Amsterdam');
    expect(description.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 2, end: 2 }], minute: [{ start: 30, end: 30 }] });
    expect(description.action).toMatchObject({ workflowType: 'scheduledLightingWorkflow', taskQueue: 'core' });
    expect(await nextLocalDates(`spring-${run}`)).toEqual(['2027-03-26 02:30', '2027-03-27 02:30', '2027-03-28 03:30', '2027-03-30 02:30']);
  });

  test('fall back (2027-10-31): 02:30 happens twice that night; it runs once', async () => {
    const created = await city.publicLighting.createLightingSchedule({
      body: {
        identification: `autumn-${run}`,
        timeZone: 'Europe/Amsterdam',
        deviceIdentifications: ids(),
        entries: [{ kind: 'calendar', daysOfWeek: [...allDays], time: '02:30', lightValues: [{ index: 0, on: false }] }],
        startDate: '2027-10-30',
        endDate: '2027-11-01',
      },
    });
    expect(created.status).toBe(201);
    const times = (await scheduleHandle(`autumn-${run}`, 0).describe()).info.nextActionTimes.map((t) => t.toISOString());
    expect(times).toHaveLength(3);
    expect(await nextLocalDates(`autumn-${run}`)).toEqual(['2027-10-30 02:30', '2027-10-31 02:30', '2027-11-01 02:30']);
  });
});

test('trigger now switches the simulated lights and leaves an ordinary request with per-device results', async () => {
  const created = await city.publicLighting.createLightingSchedule({
    body: {
      identification: `evening-${run}`,
      timeZone: 'Europe/Amsterdam',
      deviceIdentifications: ids(),
      entries: [{ kind: 'calendar', daysOfWeek: [...allDays], time: '19:00', lightValues: [{ index: 0, on: true, dimValue: 60 }] }],
    },
  });
  expect(created.status).toBe(201);

  const triggered = await city.publicLighting.triggerLightingSchedule({
    params: { identification: `evening-${run}` },
    headers: { 'idempotency-key': `now-${run}` },
    body: {},
  });
  expect(triggered.status).toBe(202);
  if (triggered.status !== 202) return;
  const view = await waitForRequest(city, triggered.body.correlationUid);
  expect([view.domain, view.operation]).toEqual(['publicLighting', 'scheduledSetLight']);
  expect(view.state).toBe('OK');
  expect(view.devices.map((d) => [d.deviceIdentification, d.result]).sort()).toEqual(ids().map((id) => [id, 'OK']).sort());
  for (const device of fleet.devices) expect(device.state.lights.every((l) => l.on && l.dimValue === 60)).toBe(true);

  // The request's workflow is an ordinary setLight, findable by organisation and operation.
  const workflow = await platform.temporal.workflow.getHandle(triggered.body.correlationUid).describe();
  expect(workflow.type).toBe('setLightWorkflow');
  expect(workflow.searchAttributes.OsgpOperation).toEqual(['publicLighting.scheduledSetLight']);
  expect(workflow.searchAttributes.OsgpOrganisation).toEqual([organisation]);

  // The same key again: the same request, nothing switched twice.
  const again = await city.publicLighting.triggerLightingSchedule({
    params: { identification: `evening-${run}` },
    headers: { 'idempotency-key': `now-${run}` },
    body: {},
  });
  expect(again.status === 202 && again.body.correlationUid).toBe(triggered.body.correlationUid);
});

test('a scheduled run checks rights again: a device put in maintenance since is not switched, and its result says so', async () => {
  const identification = `recheck-${run}`;
  const created = await city.publicLighting.createLightingSchedule({
    body: {
      identification,
      timeZone: 'Europe/Amsterdam',
      deviceIdentifications: ids(),
      entries: [{ kind: 'calendar', daysOfWeek: [...allDays], time: '23:00', lightValues: [{ index: 0, on: false }] }],
    },
  });
  expect(created.status).toBe(201);
  const [held, ...others] = ids();
  const into = await city.core.setMaintenanceStatus({ params: { deviceIdentification: held }, body: { inMaintenance: true } });
  expect(into.status).toBe(200);
  try {
    // Run exactly what the Temporal Schedule starts when it fires (no API call, so no API-side check).
    const { action } = await scheduleHandle(identification, 0).describe();
    if (action.type !== 'startWorkflow') throw new Error(`unexpected schedule action ${action.type}`);
    const summary = await platform.temporal.workflow.execute(action.workflowType, {
      taskQueue: action.taskQueue,
      workflowId: `recheck-run-${run}`,
      args: action.args,
    });
    const { correlationUids } = summary as { correlationUids: string[] };
    const results = new Map<string, { result: string; errorCode?: string | null }>();
    for (const correlationUid of correlationUids) {
      for (const device of (await waitForRequest(city, correlationUid)).devices) results.set(device.deviceIdentification, device);
    }
    expect(results.get(held)).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_IN_MAINTENANCE' });
    for (const id of others) expect(results.get(id)?.result).toBe('OK');
    expect(fleet.devices.find((d) => d.identification === held)?.state.lights.some((l) => l.on)).toBe(true);
  } finally {
    await city.core.setMaintenanceStatus({ params: { deviceIdentification: held }, body: { inMaintenance: false } });
    await city.publicLighting.deleteLightingSchedule({ params: { identification } });
  }
});

test('pause, unpause, update and delete are reflected in Temporal', async () => {
  const identification = `lifecycle-${run}`;
  const base = {
    timeZone: 'America/New_York',
    deviceIdentifications: ids(),
    entries: [{ kind: 'calendar' as const, daysOfWeek: ['FRIDAY' as const], time: '18:45', lightValues: [{ index: 0, on: true }] }],
  };
  expect((await city.publicLighting.createLightingSchedule({ body: { identification, ...base } })).status).toBe(201);

  const paused = await city.publicLighting.pauseLightingSchedule({ params: { identification } });
  expect(paused.status === 200 && paused.body.paused).toBe(true);
  expect((await scheduleHandle(identification, 0).describe()).state.paused).toBe(true);
  const unpaused = await city.publicLighting.unpauseLightingSchedule({ params: { identification } });
  expect(unpaused.status === 200 && unpaused.body.paused).toBe(false);
  expect((await scheduleHandle(identification, 0).describe()).state.paused).toBe(false);

  // Two entries: on at sunset + 15 (a daily noon run computes it), off at 23:00.
  const updated = await city.publicLighting.updateLightingSchedule({
    params: { identification },
    body: {
      ...base,
      defaultLocation: { latitude: 40.71, longitude: -74.01 },
      entries: [
        { kind: 'astronomical', event: 'sunset', offsetMinutes: 15, daysOfWeek: [...allDays], lightValues: [{ index: 0, on: true }] },
        { kind: 'calendar', daysOfWeek: [...allDays], time: '23:00', lightValues: [{ index: 0, on: false }] },
      ],
    },
  });
  expect(updated.status).toBe(200);
  const astronomical = await scheduleHandle(identification, 0).describe();
  expect(astronomical.action).toMatchObject({ workflowType: 'astronomicalLightingWorkflow' });
  expect(astronomical.spec.timezone).toBe('America/New_York');
  expect(astronomical.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 12, end: 12 }] });
  const calendar = await scheduleHandle(identification, 1).describe();
  expect(calendar.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 23, end: 23 }] });

  const got = await city.publicLighting.getLightingSchedule({ params: { identification } });
  expect(got.status).toBe(200);
  if (got.status !== 200) return;
  const [sunset, late] = got.body.nextRuns;
  expect(sunset.kind).toBe('astronomical');
  expect(sunset.nextRunTimes.length).toBe(5);
  // Evenings in New York (after 16:00 local) for the astronomical entry; Temporal's 23:00 for the calendar one.
  for (const t of sunset.nextRunTimes) expect(localDateTimeAt(Date.parse(t), 'America/New_York').hour).toBeGreaterThanOrEqual(16);
  expect(late.nextRunTimes.map((t) => localDateTimeAt(Date.parse(t), 'America/New_York').hour)).toEqual(late.nextRunTimes.map(() => 23));

  // Back to one entry: the second Temporal Schedule goes.
  expect((await city.publicLighting.updateLightingSchedule({ params: { identification }, body: base })).status).toBe(200);
  await expect(scheduleHandle(identification, 1).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  expect((await scheduleHandle(identification, 0).describe()).action).toMatchObject({ workflowType: 'scheduledLightingWorkflow' });

  const deleted = await city.publicLighting.deleteLightingSchedule({ params: { identification } });
  expect(deleted.status).toBe(204);
  await expect(scheduleHandle(identification, 0).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  expect((await city.publicLighting.getLightingSchedule({ params: { identification } })).status).toBe(404);
});

test('another organisation gets 404 for the schedule and 403 for a schedule on devices it holds no right on', async () => {
  const identification = `evening-${run}`;
  expect((await other.publicLighting.getLightingSchedule({ params: { identification } })).status).toBe(404);
  expect((await other.publicLighting.pauseLightingSchedule({ params: { identification } })).status).toBe(404);
  expect((await other.publicLighting.triggerLightingSchedule({ params: { identification }, headers: {}, body: {} })).status).toBe(404);
  expect((await other.publicLighting.deleteLightingSchedule({ params: { identification } })).status).toBe(404);
  const listed = await other.publicLighting.findLightingSchedules({ query: {} });
  expect(listed.status === 200 && listed.body.schedules).toEqual([]);

  const refused = await other.publicLighting.createLightingSchedule({
    body: {
      identification,
      timeZone: 'Europe/Amsterdam',
      deviceIdentifications: ids(),
      entries: [{ kind: 'calendar', daysOfWeek: ['MONDAY'], time: '19:00', lightValues: [{ index: 0, on: true }] }],
    },
  });
  expect(refused.status).toBe(403);
  // The city's schedule is still there and still its own.
  expect((await city.publicLighting.getLightingSchedule({ params: { identification } })).status).toBe(200);
});

test('bad input is a 400 naming the field', async () => {
  const valid = {
    identification: `bad-${run}`,
    timeZone: 'Europe/Amsterdam',
    deviceIdentifications: ids(),
    entries: [{ kind: 'calendar' as const, daysOfWeek: ['MONDAY' as const], time: '19:00', lightValues: [{ index: 0, on: true }] }],
  };
  const cases: Array<[string, Record<string, unknown>]> = [
    ['body.timeZone', { ...valid, timeZone: 'Europe/Atlantis' }],
    ['body.entries.0.time', { ...valid, entries: [{ ...valid.entries[0], time: '25:00' }] }],
    ['body.entries', { ...valid, entries: [] }],
    ['body.deviceIdentifications', { ...valid, groupIdentification: 'also-a-group' }],
    ['body.groupIdentification', { ...valid, deviceIdentifications: undefined, groupIdentification: `no-such-group-${run}` }],
    ['body.exceptionDates.0', { ...valid, exceptionDates: ['2027-02-30'] }],
    ['body.entries.0.offsetMinutes', { ...valid, entries: [{ kind: 'astronomical', event: 'sunset', offsetMinutes: 900, daysOfWeek: ['MONDAY'], lightValues: [{ index: 0, on: true }] }] }],
  ];
  for (const [field, body] of cases) {
    const response = await fetch(`${platform.baseUrl}/v1/public-lighting/lighting-schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cityKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect([field, response.status]).toEqual([field, 400]);
    const error = (await response.json()) as { issues?: Array<{ field: string }> };
    expect(error.issues?.map((i) => i.field)).toContain(field);
  }
  // Nothing was created by the refused calls.
  expect((await city.publicLighting.getLightingSchedule({ params: { identification: `bad-${run}` } })).status).toBe(404);
});

test('findLightingSchedules pages by identification', async () => {
  const first = await city.publicLighting.findLightingSchedules({ query: { limit: 1 } });
  expect(first.status).toBe(200);
  if (first.status !== 200) return;
  expect(first.body.schedules).toHaveLength(1);
  expect(first.body.nextCursor).not.toBeNull();
  const rest = await city.publicLighting.findLightingSchedules({ query: { limit: 100, after: first.body.nextCursor! } });
  expect(rest.status === 200 && rest.body.schedules.map((s) => s.identification)).toEqual(
    [`autumn-${run}`, `evening-${run}`, `spring-${run}`].filter((id) => id > first.body.schedules[0].identification),
  );
});
