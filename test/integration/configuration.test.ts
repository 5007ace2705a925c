/**
 * Core configuration management and the rest of Core with real parts: simulated OSLP light controllers over TCP,
 * the API, Temporal workflows and the OSLP adapter. A configuration set is what the device then reports and
 * what the platform shows with the device; a configuration bank switch changes what is in force; a new
 * verification key is kept only when the device accepted it, and the device keeps working with it (both ways);
 * findScheduledTasks pages and filters what waits for its time; organisations read what OSGP lets them read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import type { ErrorResponse } from '../../api/contracts/common';
import type { DeviceView } from '../../api/contracts/core';
import type { ScheduledTaskView, CoreOrganisationView } from '../../api/contracts/core-configuration';
import type { RequestView } from '../../api/contracts/requests';
import type { DeviceResponse } from '../../common/device-commands';
import type { DeviceConfiguration } from '../../common/device-configuration';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(180_000);

const run = Date.now().toString(36);
const owner = `cfg-owner-${run}`;
const configurer = `cfg-configuration-${run}`;
const manager = `cfg-management-${run}`;

let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let grid: ReturnType<TestPlatform['client']>;
const keys = { owner: '', configuration: '', management: '' };
let keyDir: string;
/** A second platform key pair the adapter holds (OSLP_PLATFORM_EXTRA_KEY_FILES), and one it does not. */
let extraKey: string;
let unknownKey: string;

const base64Der = (publicKey: ReturnType<typeof generateKeyPairSync>['publicKey']) =>
  publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

beforeAll(async () => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-cfg-keys-'));
  const extra = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const extraFile = path.join(keyDir, 'second-platform-key.pem');
  fs.writeFileSync(extraFile, extra.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  extraKey = base64Der(extra.publicKey);
  unknownKey = base64Der(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey);

  platform = await startTestPlatform({ oslpPlatformExtraKeyFiles: [extraFile] });
  fleet = await startFleetFor(platform, { count: 6, identificationPrefix: `CFG-${run}-` });
  keys.owner = await platform.createOrganisation(owner);
  grid = platform.client(keys.owner);
  expect(await addFleetToPlatform(grid, fleet)).toBe(6);
  expect(await fleet.registerAll()).toEqual({ registered: 6, failed: [] });
  for (const [name, identification, functionGroup] of [
    ['configuration', configurer, 'CONFIGURATION'],
    ['management', manager, 'MANAGEMENT'],
  ] as const) {
    keys[name] = await platform.createOrganisation(identification);
    const granted = await grid.admin.updateDeviceAuthorisations({
      body: {
        authorisations: fleet.devices.map((d) => ({ deviceIdentification: d.identification, organisationIdentification: identification, functionGroup, revoke: false })),
      },
    });
    expect(granted.status).toBe(200);
  }
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

interface Answer {
  status: number;
  body: unknown;
}

async function call(key: string, method: 'GET' | 'POST' | 'PUT', route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${platform.baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const errorOf = (answer: Answer): ErrorResponse => answer.body as ErrorResponse;

/** The request's end, read as the organisation that made it (a request is its maker's to read). */
async function finished(answer: Answer, key: string = keys.owner): Promise<RequestView> {
  if (answer.status !== 202) throw new Error(`expected 202, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  return waitForRequest(platform.client(key), (answer.body as { correlationUid: string }).correlationUid);
}

function resultOf(view: RequestView, device: string) {
  const result = view.devices.find((d) => d.deviceIdentification === device);
  if (!result) throw new Error(`no result for ${device}`);
  return result;
}

function reportedBy(view: RequestView, device: string): DeviceConfiguration {
  const result = resultOf(view, device);
  expect(result).toMatchObject({ result: 'OK' });
  const data = result.data as DeviceResponse;
  if (data.kind !== 'getConfiguration') throw new Error(`expected a getConfiguration answer, got ${data.kind}`);
  return data.configuration;
}

async function deviceView(identification: string): Promise<DeviceView> {
  const found = await call(keys.owner, 'GET', `/v1/core/devices?deviceIdentificationPrefix=${identification}`);
  expect(found.status).toBe(200);
  const device = (found.body as { devices: DeviceView[] }).devices.find((d) => d.deviceIdentification === identification);
  if (!device) throw new Error(`${identification} not found`);
  return device;
}

/** The device record changes after the request's end (a core activity writes it): wait for it, generously. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const configuration: DeviceConfiguration = {
  lightType: 'ONE_TO_TEN_VOLT',
  relayConfiguration: {
    relayMap: [
      { index: 1, address: 1, relayType: 'LIGHT' },
      { index: 2, address: 2, relayType: 'TARIFF' },
    ],
  },
  preferredLinkType: 'GPRS',
  timeSyncFrequency: 3600,
  deviceFixedIp: { ipAddress: '10.20.30.40', netMask: '255.255.0.0', gateWay: '10.20.0.1' },
  dhcpEnabled: false,
  communicationTimeout: 45,
  communicationNumberOfRetries: 4,
  communicationPauseTimeBetweenConnectionTrials: 90,
  osgpIpAddress: '172.16.0.5',
  osgpPortNumber: 12123,
  testButtonEnabled: false,
  automaticSummerTimingEnabled: true,
  astroGateSunRiseOffset: -600,
  astroGateSunSetOffset: 900,
  switchingDelays: [1, 2, 3, 4],
  relayLinking: [{ masterRelayIndex: 1, masterRelayOn: true, indicesOfControlledRelaysOn: [2], indicesOfControlledRelaysOff: [3, 4] }],
  relayRefreshing: false,
  summerTimeDetails: '0360200',
  winterTimeDetails: '1060300',
};

// ---------------------------------------------------------------- configuration

describe('configuration', () => {
  test('round-trips through the simulator: what is set is what the device then reports, and the device shows it', async () => {
    const device = fleet.devices[0];
    const set = await finished(await call(keys.owner, 'POST', '/v1/core/set-configuration', { deviceIdentifications: [device.identification], configuration }));
    expect(set.state).toBe('OK');
    expect(device.configuration).toMatchObject({ lightType: 'ONE_TO_TEN_VOLT', timeSyncFrequency: 3600, isDhcpEnabled: false, summerTimeDetails: '0360200' });
    // Accepted: the platform shows what the device now has.
    const afterSet = await eventually(() => deviceView(device.identification), (d) => d.configuration?.timeSyncFrequency === 3600);
    expect(afterSet.configuration).toMatchObject(configuration);

    const got = await finished(await call(keys.owner, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [device.identification] }));
    expect(got.state).toBe('OK');
    expect(reportedBy(got, device.identification)).toEqual(configuration);
    const afterGet = await deviceView(device.identification);
    expect(afterGet.configuration).toEqual(configuration);
    expect(afterGet.configurationReportedAt).not.toBeNull();
  });

  test('a change of some fields keeps the others, on the device and on the platform', async () => {
    const device = fleet.devices[0];
    const set = await finished(await call(keys.owner, 'POST', '/v1/core/set-configuration', { deviceIdentifications: [device.identification], configuration: { timeSyncFrequency: 7200 } }));
    expect(set.state).toBe('OK');
    const got = await finished(await call(keys.owner, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [device.identification] }));
    expect(reportedBy(got, device.identification)).toEqual({ ...configuration, timeSyncFrequency: 7200 });
  });

  test('switchConfiguration makes the other bank the one in force', async () => {
    const device = fleet.devices[1];
    await finished(await call(keys.owner, 'POST', '/v1/core/set-configuration', { deviceIdentifications: [device.identification], configuration: { timeSyncFrequency: 1234 } }));
    const switched = await finished(await call(keys.configuration, 'POST', '/v1/core/switch-configuration', { deviceIdentifications: [device.identification], configurationBank: 1 }), keys.configuration);
    expect(switched.state).toBe('OK');
    expect(device.state.activeConfigurationBank).toBe(1);
    const other = await finished(await call(keys.configuration, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [device.identification] }), keys.configuration);
    expect(reportedBy(other, device.identification).timeSyncFrequency).toBe(86_400);
    await finished(await call(keys.configuration, 'POST', '/v1/core/switch-configuration', { deviceIdentifications: [device.identification], configurationBank: 0 }), keys.configuration);
    const back = await finished(await call(keys.configuration, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [device.identification] }), keys.configuration);
    expect(reportedBy(back, device.identification).timeSyncFrequency).toBe(1234);
  });

  test.each<[string, unknown, string]>([
    ['a bad summer time', { summerTimeDetails: '1360100' }, 'body.configuration.summerTimeDetails'],
    ['no field at all', {}, 'body.configuration'],
    ['DHCP off without a fixed address', { dhcpEnabled: false }, 'body.configuration.deviceFixedIp'],
    ['a relay index beyond 6', { relayConfiguration: { relayMap: [{ index: 7, address: 1, relayType: 'LIGHT' }] } }, 'body.configuration.relayConfiguration.relayMap.0.index'],
    ['a bad IPv4 address', { osgpIpAddress: '10.0.0.300' }, 'body.configuration.osgpIpAddress'],
    ['an unknown field', { colour: 'blue' }, 'body.configuration'],
    ['five switching delays', { switchingDelays: [1, 2, 3, 4, 5] }, 'body.configuration.switchingDelays'],
  ])('setConfiguration with %s is a 400 naming the field', async (_name, change, field) => {
    const answer = await call(keys.owner, 'POST', '/v1/core/set-configuration', { deviceIdentifications: [fleet.devices[0].identification], configuration: change });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).issues?.map((issue) => issue.field)).toContain(field);
  });

  test('bad bank, unknown device and a missing right are refused before anything is sent', async () => {
    const before = fleet.devices[0].receivedCount('switchConfigurationRequest');
    const bank = await call(keys.owner, 'POST', '/v1/core/switch-configuration', { deviceIdentifications: [fleet.devices[0].identification], configurationBank: 2 });
    expect(bank.status).toBe(400);
    expect(errorOf(bank).issues?.map((i) => i.field)).toContain('body.configurationBank');
    const unknown = await call(keys.owner, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [`NO-SUCH-${run}`] });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).message).toContain(`NO-SUCH-${run}`);
    // MANAGEMENT does not allow SET_CONFIGURATION (OSGP's table).
    const forbidden = await call(keys.management, 'POST', '/v1/core/set-configuration', { deviceIdentifications: [fleet.devices[0].identification], configuration: { timeSyncFrequency: 1 } });
    expect(forbidden.status).toBe(403);
    expect(errorOf(forbidden).message).toContain('SET_CONFIGURATION');
    expect(fleet.devices[0].receivedCount('switchConfigurationRequest')).toBe(before);
  });
});

// ---------------------------------------------------------------- verification key and certificate

describe('setDeviceVerificationKey', () => {
  const storedKey = async (identification: string) =>
    (await platform.db.prisma.device.findUniqueOrThrow({ where: { identification }, select: { platformVerificationKey: true } })).platformVerificationKey;

  test('a device that refuses the key keeps the old one, and the platform keeps signing with the old one', async () => {
    const device = fleet.devices[2];
    device.state.refuseVerificationKeys = true;
    const refused = await finished(await call(keys.management, 'POST', '/v1/core/set-device-verification-key', { deviceIdentifications: [device.identification], verificationKey: extraKey }), keys.management);
    expect(refused.state).toBe('NOT_OK');
    expect(resultOf(refused, device.identification)).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_REJECTED' });
    expect(await storedKey(device.identification)).toBeNull();
    const status = await finished(await call(keys.owner, 'POST', '/v1/core/get-status', { deviceIdentifications: [device.identification] }));
    expect(status.state).toBe('OK');
  });

  test('an accepted key is stored, and the device keeps working with it both ways', async () => {
    const device = fleet.devices[3];
    const badSignaturesBefore = device.stats.badSignatures;
    const accepted = await finished(await call(keys.management, 'POST', '/v1/core/set-device-verification-key', { deviceIdentifications: [device.identification], verificationKey: extraKey }), keys.management);
    expect(accepted.state).toBe('OK');
    expect(device.state.verificationKeys).toEqual([extraKey]);
    expect(await storedKey(device.identification)).toBe(extraKey);
    expect((await deviceView(device.identification)).platformVerificationKey).toBe(extraKey);

    // Platform -> device: signed with the second key, which the device now verifies with.
    const got = await finished(await call(keys.owner, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [device.identification] }));
    expect(got.state).toBe('OK');
    expect(device.stats.badSignatures).toBe(badSignaturesBefore);
    // Device -> platform: the listener's answers to it are signed with the second key too.
    await device.register();
    expect(await device.sendEvent([{ event: 'LIGHT_EVENTS_LIGHT_ON', index: 1, timestamp: '20261205050000' }])).toBe('OK');
    // A device still on the platform's own key is unaffected.
    const other = await finished(await call(keys.owner, 'POST', '/v1/core/get-status', { deviceIdentifications: [fleet.devices[4].identification] }));
    expect(other.state).toBe('OK');
  });

  test('a key the platform holds no private key for is never sent: the device would be cut off', async () => {
    const device = fleet.devices[4];
    const sent = device.receivedCount('setDeviceVerificationKeyRequest');
    const refused = await finished(await call(keys.owner, 'POST', '/v1/core/set-device-verification-key', { deviceIdentifications: [device.identification], verificationKey: unknownKey }));
    expect(resultOf(refused, device.identification)).toMatchObject({ result: 'NOT_OK', errorCode: 'PLATFORM_KEY_UNKNOWN' });
    expect(device.receivedCount('setDeviceVerificationKeyRequest')).toBe(sent);
    expect(await storedKey(device.identification)).toBeNull();
  });

  test('bad keys are a 400 naming the field; CONFIGURATION may not set keys', async () => {
    const short = await call(keys.owner, 'POST', '/v1/core/set-device-verification-key', { deviceIdentifications: [fleet.devices[4].identification], verificationKey: 'AAAA' });
    expect(short.status).toBe(400);
    expect(errorOf(short).issues?.map((i) => i.field)).toContain('body.verificationKey');
    const rsaLike = await call(keys.owner, 'POST', '/v1/core/set-device-verification-key', { deviceIdentifications: [fleet.devices[4].identification], verificationKey: 'A'.repeat(124) });
    expect(rsaLike.status).toBe(400);
    expect(errorOf(rsaLike).message).toContain('body.verificationKey');
    const forbidden = await call(keys.configuration, 'POST', '/v1/core/set-device-verification-key', { deviceIdentifications: [fleet.devices[4].identification], verificationKey: extraKey });
    expect(forbidden.status).toBe(403);
  });

  test('updateDeviceSslCertification tells the device where its certificate is', async () => {
    const device = fleet.devices[5];
    const done = await finished(
      await call(keys.management, 'POST', '/v1/core/update-device-ssl-certification', {
        deviceIdentifications: [device.identification],
        certification: { certificateDomain: 'certs.example.org', certificateUrl: '/ssld/new.pem' },
      }), keys.management);
    expect(done.state).toBe('OK');
    expect(device.state.sslCertifications).toEqual([{ certificateDomain: 'certs.example.org', certificateUrl: '/ssld/new.pem' }]);
    const bad = await call(keys.management, 'POST', '/v1/core/update-device-ssl-certification', {
      deviceIdentifications: [device.identification],
      certification: { certificateDomain: '', certificateUrl: '/x' },
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).issues?.map((i) => i.field)).toContain('body.certification.certificateDomain');
  });
});

// ---------------------------------------------------------------- findScheduledTasks

describe('findScheduledTasks', () => {
  const allDays = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

  test('pages and filters requests waiting for their time and lighting schedule runs', async () => {
    const [first, second] = [fleet.devices[0].identification, fleet.devices[1].identification];
    const inOneHour = new Date(Date.now() + 3_600_000).toISOString();
    const inTwoHours = new Date(Date.now() + 7_200_000).toISOString();
    const early = await call(keys.owner, 'POST', '/v1/core/get-configuration', { deviceIdentifications: [first] }, { 'x-osgp-schedule-time': inOneHour });
    const late = await call(keys.owner, 'POST', '/v1/core/set-reboot', { deviceIdentifications: [second] }, { 'x-osgp-schedule-time': inTwoHours });
    expect([early.status, late.status]).toEqual([202, 202]);
    const uids = [early, late].map((a) => (a.body as { correlationUid: string }).correlationUid);
    const schedule = await grid.publicLighting.createLightingSchedule({
      body: {
        identification: `cfg-evening-${run}`,
        timeZone: 'Europe/Amsterdam',
        deviceIdentifications: [second],
        entries: [{ kind: 'calendar', daysOfWeek: [...allDays], time: '19:00', lightValues: [{ index: 0, on: true }] }],
      },
    });
    expect(schedule.status).toBe(201);
    try {
      const page1 = await call(keys.owner, 'GET', '/v1/core/scheduled-tasks?kind=REQUEST&limit=1');
      expect(page1.status).toBe(200);
      const body1 = page1.body as { scheduledTasks: ScheduledTaskView[]; nextCursor: string | null };
      expect(body1.scheduledTasks).toEqual([
        expect.objectContaining({ kind: 'REQUEST', correlationUid: uids[0], messageType: 'getConfiguration', deviceIdentifications: [first], scheduledTime: inOneHour, status: 'PENDING' }),
      ]);
      expect(body1.nextCursor).not.toBeNull();
      const page2 = await call(keys.owner, 'GET', `/v1/core/scheduled-tasks?kind=REQUEST&limit=1&after=${body1.nextCursor}`);
      const body2 = page2.body as { scheduledTasks: ScheduledTaskView[]; nextCursor: string | null };
      expect(body2.scheduledTasks.map((t) => t.correlationUid)).toEqual([uids[1]]);
      expect(body2.nextCursor).toBeNull();

      // On one device: its waiting request and the runs of the schedule that switches it, soonest first.
      const onSecond = await call(keys.owner, 'GET', `/v1/core/scheduled-tasks?deviceIdentification=${second}`);
      const tasks = (onSecond.body as { scheduledTasks: ScheduledTaskView[] }).scheduledTasks;
      expect(tasks.some((t) => t.correlationUid === uids[1])).toBe(true);
      expect(tasks.some((t) => t.correlationUid === uids[0])).toBe(false);
      const runs = tasks.filter((t) => t.kind === 'LIGHTING_SCHEDULE_RUN');
      expect(runs.length).toBeGreaterThan(0);
      expect(runs[0]).toMatchObject({ lightingScheduleIdentification: `cfg-evening-${run}`, messageType: 'scheduledSetLight', deviceIdentifications: [second] });
      const times = tasks.map((t) => Date.parse(t.scheduledTime));
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      const untilBoth = await call(keys.owner, 'GET', `/v1/core/scheduled-tasks?kind=REQUEST&until=${encodeURIComponent(new Date(Date.now() + 5_400_000).toISOString())}`);
      expect((untilBoth.body as { scheduledTasks: ScheduledTaskView[] }).scheduledTasks.map((t) => t.correlationUid)).toEqual([uids[0]]);

      // Another organisation sees none of these; naming the device needs FIND_SCHEDULED_TASKS (OWNER's).
      const others = await call(keys.configuration, 'GET', '/v1/core/scheduled-tasks');
      expect((others.body as { scheduledTasks: ScheduledTaskView[] }).scheduledTasks).toEqual([]);
      const forbidden = await call(keys.configuration, 'GET', `/v1/core/scheduled-tasks?deviceIdentification=${second}`);
      expect(forbidden.status).toBe(403);
      const badCursor = await call(keys.owner, 'GET', '/v1/core/scheduled-tasks?after=nonsense');
      expect(badCursor.status).toBe(400);
      expect(errorOf(badCursor).message).toContain('query.after');
      const badWindow = await call(keys.owner, 'GET', `/v1/core/scheduled-tasks?from=${encodeURIComponent(inTwoHours)}&until=${encodeURIComponent(inOneHour)}`);
      expect(badWindow.status).toBe(400);
    } finally {
      for (const uid of uids) await grid.requests.cancelRequest({ params: { correlationUid: uid }, body: {} });
      await grid.publicLighting.deleteLightingSchedule({ params: { identification: `cfg-evening-${run}` } });
    }
    // Cancelled: no longer waiting.
    const after = await call(keys.owner, 'GET', '/v1/core/scheduled-tasks?kind=REQUEST');
    const left = await eventually(
      async () => (await call(keys.owner, 'GET', '/v1/core/scheduled-tasks?kind=REQUEST')).body as { scheduledTasks: ScheduledTaskView[] },
      (body) => body.scheduledTasks.length === 0,
    );
    expect(after.status).toBe(200);
    expect(left.scheduledTasks).toEqual([]);
  });
});

// ---------------------------------------------------------------- organisations, CDMA, network information

describe('organisations', () => {
  test('every organisation reads its own record; ADMIN reads all; another organisation is not found', async () => {
    const own = await call(keys.owner, 'GET', `/v1/core/organisations/${owner}`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ organisationIdentification: owner, platformFunctionGroup: 'USER', enabled: true });
    expect((own.body as CoreOrganisationView).domains).toContain('PUBLIC_LIGHTING');
    const other = await call(keys.owner, 'GET', `/v1/core/organisations/${configurer}`);
    expect(other.status).toBe(404);
    const all = await call(keys.owner, 'GET', '/v1/core/organisations');
    expect((all.body as { organisations: CoreOrganisationView[] }).organisations.map((o) => o.organisationIdentification)).toEqual([owner]);

    const byAdmin = await call(platform.adminKey, 'GET', `/v1/core/organisations/${configurer}`);
    expect(byAdmin.status).toBe(200);
    const listed: string[] = [];
    let after: string | null = null;
    do {
      const page: Answer = await call(platform.adminKey, 'GET', `/v1/core/organisations?limit=2${after ? `&after=${after}` : ''}`);
      const body = page.body as { organisations: CoreOrganisationView[]; nextCursor: string | null };
      expect(body.organisations.length).toBeLessThanOrEqual(2);
      listed.push(...body.organisations.map((o) => o.organisationIdentification));
      after = body.nextCursor;
    } while (after);
    expect(listed).toEqual(expect.arrayContaining([owner, configurer, manager]));
    expect([...listed].sort()).toEqual(listed);
    const bad = await call(keys.owner, 'GET', '/v1/core/organisations/no%20spaces');
    expect(bad.status).toBe(400);
  });
});

describe('device network data', () => {
  test("updateDeviceCdmaSettings is the owner's; bad values are a 400 naming the field", async () => {
    const device = fleet.devices[5].identification;
    const set = await call(keys.owner, 'PUT', `/v1/core/devices/${device}/cdma-settings`, { mastSegment: 'MAST-7', batchNumber: 3 });
    expect(set).toEqual({ status: 200, body: { deviceIdentification: device, mastSegment: 'MAST-7', batchNumber: 3 } });
    const kept = await call(keys.owner, 'PUT', `/v1/core/devices/${device}/cdma-settings`, { batchNumber: null });
    expect(kept.body).toEqual({ deviceIdentification: device, mastSegment: 'MAST-7', batchNumber: null });
    const forbidden = await call(keys.configuration, 'PUT', `/v1/core/devices/${device}/cdma-settings`, { batchNumber: 1 });
    expect(forbidden.status).toBe(403);
    const bad = await call(keys.owner, 'PUT', `/v1/core/devices/${device}/cdma-settings`, { batchNumber: 40_000 });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).issues?.map((i) => i.field)).toContain('body.batchNumber');
    const unknown = await call(keys.owner, 'PUT', `/v1/core/devices/NO-SUCH-${run}/cdma-settings`, { batchNumber: 1 });
    expect(unknown.status).toBe(404);
  });

  test('admin.setCommunicationNetworkInformation sets the address the platform reaches the device at, BTS and cell', async () => {
    const device = fleet.devices[5].identification;
    const before = await deviceView(device);
    const set = await call(platform.adminKey, 'PUT', `/v1/admin/devices/${device}/communication-network-information`, { btsId: 17, cellId: 4242 });
    expect(set).toEqual({ status: 200, body: { deviceIdentification: device, ipAddress: before.networkAddress, btsId: 17, cellId: 4242 } });
    const forbidden = await call(keys.management, 'PUT', `/v1/admin/devices/${device}/communication-network-information`, { btsId: 1 });
    expect(forbidden.status).toBe(403);
    const bad = await call(keys.owner, 'PUT', `/v1/admin/devices/${device}/communication-network-information`, { ipAddress: 'not-an-ip' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).issues?.map((i) => i.field)).toContain('body.ipAddress');
    // The owner may set it too (OSGP: OWNER), and the device is reached there from then on.
    const byOwner = await call(keys.owner, 'PUT', `/v1/admin/devices/${device}/communication-network-information`, { ipAddress: before.networkAddress ?? '127.0.0.1' });
    expect(byOwner.status).toBe(200);
    const status = await finished(await call(keys.owner, 'POST', '/v1/core/get-status', { deviceIdentifications: [device] }));
    expect(status.state).toBe('OK');
  });
});
