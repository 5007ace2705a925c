/**
 * Device-side lighting and tariff switching over the whole path (API, workflow, OSLP adapter, signed envelopes
 * over TCP, simulators): a long schedule arrives on the device complete, in pages; resumeSchedule and
 * setTransition reach the device; a TARIFF_REVERSED relay is sent inverted values and read back as the
 * tariff; a light measurement device's dark/light report drives setTransition to the lights it governs; bad
 * input answers 400 naming the field and missing rights 403.
 */
import { randomInt } from 'node:crypto';
import { deviceUidToBase64 } from '../../adapters/oslp/envelope';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import type { SimulatedOslpDevice } from '../../simulators/oslp/simulated-device';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
const organisation = `lighting-${run}`;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let sensorFleet: OslpSimulatorFleet;
let city: ReturnType<TestPlatform['client']>;
let lmd: SimulatedOslpDevice;

const lights = () => fleet.devices.slice(0, 4);
const tariffDevice = () => fleet.devices[4];
const sim = (id: string) => fleet.deviceByIdentification(id)!;

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  platform = await startTestPlatform();
  const first = randomInt(1, 1e9);
  fleet = await startFleetFor(platform, { count: 5, identificationPrefix: `LDS-${run}-`, firstDeviceNumber: first });
  sensorFleet = await startFleetFor(platform, { count: 1, identificationPrefix: `LMD-${run}-`, firstDeviceNumber: first + 10 });
  city = platform.client(await platform.createOrganisation(organisation));
  expect(await addFleetToPlatform(city, fleet)).toBe(5);

  lmd = sensorFleet.devices[0];
  lmd.becomeLightMeasurementDevice();
  const added = await city.core.addLightMeasurementDevice({
    body: {
      deviceIdentification: lmd.identification,
      protocol: 'OSLP',
      port: sensorFleet.port,
      deviceUid: deviceUidToBase64(lmd.deviceUid),
      publicKey: lmd.publicKeyPem,
      activated: true,
      code: 'north-1',
      color: 'blue',
      digitalInput: 1,
    },
  });
  expect(added.status).toBe(201);
  expect(await fleet.registerAll()).toEqual({ registered: 5, failed: [] });
  expect(await sensorFleet.registerAll()).toEqual({ registered: 1, failed: [] });
});

afterAll(async () => {
  await fleet?.close();
  await sensorFleet?.close();
  await platform?.stop();
});

test('a schedule of 12 entries arrives complete on the device in 3 pages, after its astronomical offsets', async () => {
  const entries = Array.from({ length: 12 }, (_, i) => ({
    weekDay: 'ALL' as const,
    actionTime: 'ABSOLUTETIME' as const,
    time: `${String(i + 6).padStart(2, '0')}:15`,
    lightValues: [{ index: 0, on: i % 2 === 0, ...(i % 2 === 0 ? { dimValue: 40 + i } : {}) }],
    index: i,
  }));
  const twoLights = lights()
    .slice(0, 2)
    .map((d) => d.identification);
  const accepted = await city.publicLighting.setSchedule({
    body: {
      deviceIdentifications: twoLights,
      schedules: [...entries.slice(0, 11), { weekDay: 'WEEKEND', actionTime: 'SUNSET', triggerType: 'ASTRONOMICAL', lightValues: [{ index: 0, on: true }] }],
      astronomicalSunsetOffset: -20,
      astronomicalSunriseOffset: 15,
    },
  });
  if (accepted.status !== 202) throw new Error(`setSchedule answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.state).toBe('OK');
  for (const result of view.devices) expect(result.data).toEqual({ kind: 'setSchedule', pages: 3 });

  for (const id of twoLights) {
    const device = sim(id);
    expect(device.state.schedulePages.map((page) => [page.pageInfo?.currentPage, page.pageInfo?.totalPages, page.schedules.length])).toEqual([
      [1, 3, 5],
      [2, 3, 5],
      [3, 3, 2],
    ]);
    const schedule = device.state.schedules.LIGHT;
    expect(schedule).toHaveLength(12);
    expect(schedule.slice(0, 11).map((s) => s.time)).toEqual(entries.slice(0, 11).map((e) => `${e.time.replace(':', '')}00`));
    expect(schedule[0].value).toEqual([{ index: 0, on: true, dimValue: 40 }]);
    expect(schedule[11]).toMatchObject({ weekday: 'WEEKEND', actionTime: 'SUNSET', triggerType: 'ASTRONOMICAL' });
    expect(device.state.astronomicalOffsets).toEqual({ sunrise: 900, sunset: -1200 });
  }
  // Four exchanges per device, each in the message log with its own sequence number.
  const log = await platform.db.prisma.deviceMessageLog.findMany({
    where: { correlationUid: accepted.body.correlationUid, deviceIdentification: twoLights[0], direction: 'TO_DEVICE' },
    orderBy: { id: 'asc' },
  });
  expect(log.map((l) => l.messageType)).toEqual(['setConfigurationRequest', 'setScheduleRequest', 'setScheduleRequest', 'setScheduleRequest']);
  expect(new Set(log.map((l) => l.sequenceNumber)).size).toBe(4);
  // Lights not asked keep their (empty) schedule.
  expect(lights()[2].state.schedulePages).toHaveLength(0);
});

test('resumeSchedule and setTransition reach the devices as asked', async () => {
  const id = lights()[0].identification;
  const resumed = await city.publicLighting.resumeSchedule({ body: { deviceIdentifications: [id], index: 2, isImmediate: true } });
  if (resumed.status !== 202) throw new Error(`resumeSchedule answered ${resumed.status}`);
  expect((await waitForRequest(city, resumed.body.correlationUid)).state).toBe('OK');
  expect(sim(id).state.resumes).toEqual([{ index: 2, immediate: true }]);

  const transition = await city.publicLighting.setTransition({ body: { deviceIdentifications: [id], transitionType: 'DAY_NIGHT', time: '17:45' } });
  if (transition.status !== 202) throw new Error(`setTransition answered ${transition.status}`);
  expect((await waitForRequest(city, transition.body.correlationUid)).state).toBe('OK');
  expect(sim(id).state.transitions).toEqual([{ transitionType: 'DAY_NIGHT', time: '174500' }]);
});

test('resumeSchedule on a device group reaches every member, as a group request', async () => {
  const members = [lights()[1].identification, lights()[2].identification];
  const group = `resume-${run}`;
  expect((await city.core.createDeviceGroup({ body: { groupIdentification: group, kind: 'STATIC' } })).status).toBe(201);
  expect((await city.core.addDeviceGroupMembers({ params: { groupIdentification: group }, body: { deviceIdentifications: members } })).status).toBe(200);

  const accepted = await city.publicLighting.resumeSchedule({ body: { groupIdentification: group, index: 0, isImmediate: false } });
  if (accepted.status !== 202) throw new Error(`resumeSchedule answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.state).toBe('OK');
  expect(view.devices.map((d) => d.deviceIdentification).sort()).toEqual(members);
  for (const id of members) expect(sim(id).state.resumes).toEqual([{ immediate: false }]);
  expect(lights()[3].state.resumes).toEqual([]);
});

test('a TARIFF_REVERSED relay is sent the inverse state, and getStatus reports the tariff', async () => {
  const device = tariffDevice();
  const id = device.identification;
  const configured = await city.core.updateDevice({
    params: { deviceIdentification: id },
    body: {
      relays: [
        { index: 1, relayType: 'LIGHT' },
        { index: 2, relayType: 'TARIFF' },
        { index: 3, relayType: 'TARIFF_REVERSED' },
      ],
    },
  });
  expect(configured.status).toBe(200);

  const listed = await city.tariffSwitching.getDevices({ query: { limit: 100 } });
  if (listed.status !== 200) throw new Error(`getDevices answered ${listed.status}`);
  expect(listed.body.devices.map((d) => d.deviceIdentification)).toEqual([id]);
  expect(listed.body.devices[0].relays.map((r) => r.relayType)).toEqual(['LIGHT', 'TARIFF', 'TARIFF_REVERSED']);

  const accepted = await city.tariffSwitching.setSchedule({
    body: {
      deviceIdentifications: [id],
      schedules: [
        { weekDay: 'WEEKDAY', time: '07:00', tariffValues: [{ index: 2, high: true }, { index: 3, high: true }] },
        { weekDay: 'WEEKDAY', time: '23:00', tariffValues: [{ index: 2, high: false }, { index: 3, high: false }] },
      ],
    },
  });
  if (accepted.status !== 202) throw new Error(`tariff setSchedule answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  expect((await waitForRequest(city, accepted.body.correlationUid)).state).toBe('OK');
  const stored = device.state.schedules.TARIFF;
  expect(stored.map((s) => [s.time, s.value])).toEqual([
    ['070000', [{ index: 2, on: true }, { index: 3, on: false }]],
    ['230000', [{ index: 2, on: false }, { index: 3, on: true }]],
  ]);
  expect(device.state.schedulePages.at(-1)?.scheduleType).toBe('TARIFF');

  // High tariff on the hardware: relay 2 on, the reversed relay 3 off.
  device.setOutput(2, true);
  device.setOutput(3, false);
  const status = await city.tariffSwitching.getStatus({ body: { deviceIdentifications: [id] } });
  if (status.status !== 202) throw new Error(`tariff getStatus answered ${status.status}`);
  const view = await waitForRequest(city, status.body.correlationUid);
  expect(view.state).toBe('OK');
  expect(view.devices[0].data).toEqual({
    kind: 'getTariffStatus',
    tariffValues: [
      { index: 2, high: true },
      { index: 3, high: true },
    ],
  });
});

test("a light measurement device's dark and light reports switch the lights it governs with setTransition", async () => {
  const governed = [lights()[2].identification, lights()[3].identification];
  for (const id of governed) {
    const linked = await city.publicLighting.setLightMeasurementDevice({
      params: { deviceIdentification: id },
      body: { lightMeasurementDeviceIdentification: lmd.identification },
    });
    expect(linked.status).toBe(200);
    if (linked.status === 200) expect(linked.body.lightMeasurementDeviceIdentification).toBe(lmd.identification);
  }

  expect(await lmd.reportLightSensor('dark', new Date('2026-11-27T16:31:00Z'))).toBe('OK');
  for (const id of governed) {
    await eventually(() => (sim(id).state.transitions.length >= 1 ? true : undefined));
    expect(sim(id).state.transitions[0]).toEqual({ transitionType: 'DAY_NIGHT', time: '163100' });
  }
  // A light not linked to the LMD is not told.
  expect(lights()[1].state.transitions).toHaveLength(0);

  // An ordinary request of the LMD's owner, with a result per light.
  const record = await eventually(async () => {
    const found = await platform.db.prisma.requestRecord.findFirst({
      where: {
        organisation: { identification: organisation },
        operation: 'setTransition',
        state: 'OK',
        deviceResults: { some: { deviceIdentification: governed[0] } },
      },
      orderBy: { createdAt: 'asc' },
      include: { deviceResults: true },
    });
    return found && found.deviceResults.length === 2 ? found : undefined;
  });
  expect(record.deviceResults.map((r) => [r.deviceIdentification, r.result]).sort()).toEqual(governed.map((id) => [id, 'OK']));
  const description = await platform.temporal.workflow.getHandle(record.correlationUid).describe();
  expect(description.type).toBe('lightMeasurementTransitionWorkflow');

  const event = await platform.db.prisma.deviceEvent.findFirst({ where: { deviceIdentification: lmd.identification } });
  expect(event?.eventType).toBe('LIGHT_SENSOR_REPORTS_DARK');
  const sensor = await platform.db.prisma.device.findUnique({ where: { identification: lmd.identification }, include: { lightMeasurement: true } });
  expect(sensor?.lightMeasurement?.lastCommunicationTime).not.toBeNull();
  expect(sensor?.lightMeasurement?.code).toBe('north-1');

  expect(await lmd.reportLightSensor('light')).toBe('OK');
  for (const id of governed) {
    await eventually(() => (sim(id).state.transitions.length >= 2 ? true : undefined));
    expect(sim(id).state.transitions[1].transitionType).toBe('NIGHT_DAY');
  }
});

test('bad input answers 400 naming the field', async () => {
  const id = lights()[0].identification;
  const badTime = await city.publicLighting.setSchedule({
    body: {
      deviceIdentifications: [id],
      schedules: [{ weekDay: 'ALL', actionTime: 'ABSOLUTETIME', time: '25:00', lightValues: [{ index: 0, on: true }] }],
    },
  });
  expect(badTime.status).toBe(400);
  expect(JSON.stringify(badTime.body)).toContain('schedules.0.time');

  const notAnLmd = await city.publicLighting.setLightMeasurementDevice({
    params: { deviceIdentification: id },
    body: { lightMeasurementDeviceIdentification: lights()[1].identification },
  });
  expect(notAnLmd.status).toBe(400);
  expect(JSON.stringify(notAnLmd.body)).toContain('body.lightMeasurementDeviceIdentification');

  const badOffset = await city.publicLighting.setSchedule({
    body: { deviceIdentifications: [id], schedules: [], astronomicalSunriseOffset: 500 },
  });
  expect(badOffset.status).toBe(400);
  expect(JSON.stringify(badOffset.body)).toContain('astronomicalSunriseOffset');
});

test('without the function group the operations answer 403 naming the device, and nothing is sent', async () => {
  const contractor = `contractor-${run}`;
  const other = platform.client(await platform.createOrganisation(contractor));
  const id = lights()[0].identification;
  // AD_HOC allows setTransition but not setSchedule (SCHEDULING) nor tariff schedules (TARIFF_SCHEDULING).
  const granted = await city.admin.updateDeviceAuthorisations({
    body: {
      authorisations: [id, tariffDevice().identification].map((deviceIdentification) => ({
        deviceIdentification,
        organisationIdentification: contractor,
        functionGroup: 'AD_HOC' as const,
        revoke: false,
      })),
    },
  });
  expect(granted.status).toBe(200);
  const before = sim(id).received.length;

  const schedule = await other.publicLighting.setSchedule({ body: { deviceIdentifications: [id], schedules: [] } });
  expect(schedule.status).toBe(403);
  expect(JSON.stringify(schedule.body)).toContain(id);
  const tariff = await other.tariffSwitching.setSchedule({ body: { deviceIdentifications: [tariffDevice().identification], schedules: [] } });
  expect(tariff.status).toBe(403);
  const link = await other.publicLighting.setLightMeasurementDevice({
    params: { deviceIdentification: id },
    body: { lightMeasurementDeviceIdentification: lmd.identification },
  });
  expect(link.status).toBe(403);
  expect(sim(id).received.length).toBe(before);

  // With AD_HOC, setTransition is allowed.
  const transition = await other.publicLighting.setTransition({ body: { deviceIdentifications: [id], transitionType: 'NIGHT_DAY' } });
  expect(transition.status).toBe(202);
});
