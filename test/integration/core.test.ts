/**
 * Core installation and management with real parts: simulated OSLP light controllers over TCP, the API, Temporal
 * workflows and the OSLP adapter. The data operations (updateDevice, setDeviceAlias, setMaintenanceStatus,
 * setDeviceLifecycleStatus, findRecentDevices, findDevices) answer at once; the device commands
 * (startDeviceTest, stopDeviceTest, setReboot, setEventNotifications, getStatus) answer 202 and reach the devices.
 */
import { randomInt } from 'node:crypto';
import { buildDeviceUid, deviceUidToBase64, generateKeyPair, publicKeyToPem } from '../../adapters/oslp/envelope';
import type { ErrorResponse } from '../../api/contracts/common';
import type { DeviceView } from '../../api/contracts/core';
import type { RequestView } from '../../api/contracts/requests';
import type { DeviceResponse } from '../../common/device-commands';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
const prefix = `CORE-${run}-`;
const owner = `grid-${run}`;
const unknownDevice = `NO-SUCH-${run}`;

let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let grid: ReturnType<TestPlatform['client']>;
const keys: Record<'grid' | 'monitoring' | 'installation' | 'management' | 'metadata' | 'adHoc', string> = {
  grid: '',
  monitoring: '',
  installation: '',
  management: '',
  metadata: '',
  adHoc: '',
};

const ids = () => fleet.devices.map((d) => d.identification);
const id = (n: number) => fleet.devices[n].identification;

beforeAll(async () => {
  platform = await startTestPlatform();
  fleet = await startFleetFor(platform, {
    count: 6,
    identificationPrefix: prefix,
  });
  keys.grid = await platform.createOrganisation(owner);
  grid = platform.client(keys.grid);
  expect(await addFleetToPlatform(grid, fleet)).toBe(6);
  expect(await fleet.registerAll()).toEqual({ registered: 6, failed: [] });

  // One organisation per function group, each holding only that group on every device of the fleet.
  const groups = [
    ['monitoring', 'MONITORING'],
    ['installation', 'INSTALLATION'],
    ['management', 'MANAGEMENT'],
    ['metadata', 'METADATA_MANAGEMENT'],
    ['adHoc', 'AD_HOC'],
  ] as const;
  for (const [name, functionGroup] of groups) {
    keys[name] = await platform.createOrganisation(`${name.toLowerCase()}-${run}`);
    const granted = await grid.admin.updateDeviceAuthorisations({
      body: {
        authorisations: ids().map((deviceIdentification) => ({
          deviceIdentification,
          organisationIdentification: `${name.toLowerCase()}-${run}`,
          functionGroup,
          revoke: false,
        })),
      },
    });
    expect(granted.status).toBe(200);
  }
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
});

// ---------------------------------------------------------------- helpers

interface Answer {
  status: number;
  body: unknown;
}

/** A raw HTTP call, to send what the typed client would not let through. */
async function call(key: string | undefined, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${platform.baseUrl}${path}`, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const errorOf = (answer: Answer): ErrorResponse => answer.body as ErrorResponse;

async function accepted(answer: { status: number; body: unknown }): Promise<RequestView> {
  if (answer.status !== 202) throw new Error(`expected 202, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  return waitForRequest(grid, (answer.body as { correlationUid: string }).correlationUid);
}

function dataOf<K extends DeviceResponse['kind']>(view: RequestView, device: string, kind: K): Extract<DeviceResponse, { kind: K }> {
  const result = view.devices.find((d) => d.deviceIdentification === device);
  if (!result) throw new Error(`no result for ${device}`);
  expect(result).toMatchObject({ result: 'OK', errorCode: null });
  const data = result.data as DeviceResponse;
  expect(data.kind).toBe(kind);
  return data as Extract<DeviceResponse, { kind: K }>;
}

/** Every core operation on one device, with a valid body, as a raw call. */
const deviceOperations: Array<{ name: string; method: 'POST' | 'PUT'; path: (device: string) => string; body: (device: string) => unknown }> = [
  { name: 'updateDevice', method: 'PUT', path: (d) => `/v1/core/devices/${d}`, body: () => ({ alias: 'x' }) },
  { name: 'setDeviceAlias', method: 'PUT', path: (d) => `/v1/core/devices/${d}/alias`, body: () => ({ alias: 'x' }) },
  { name: 'setMaintenanceStatus', method: 'PUT', path: (d) => `/v1/core/devices/${d}/maintenance-status`, body: () => ({ inMaintenance: false }) },
  {
    name: 'setDeviceLifecycleStatus',
    method: 'PUT',
    path: (d) => `/v1/core/devices/${d}/lifecycle-status`,
    body: () => ({ lifecycleStatus: 'IN_USE' }),
  },
  { name: 'startDeviceTest', method: 'POST', path: () => '/v1/core/start-device-test', body: (d) => ({ deviceIdentifications: [d] }) },
  { name: 'stopDeviceTest', method: 'POST', path: () => '/v1/core/stop-device-test', body: (d) => ({ deviceIdentifications: [d] }) },
  { name: 'setReboot', method: 'POST', path: () => '/v1/core/set-reboot', body: (d) => ({ deviceIdentifications: [d] }) },
  {
    name: 'setEventNotifications',
    method: 'POST',
    path: () => '/v1/core/set-event-notifications',
    body: (d) => ({ deviceIdentifications: [d], eventNotificationTypes: ['LIGHT_EVENTS'] }),
  },
  { name: 'getStatus', method: 'POST', path: () => '/v1/core/get-status', body: (d) => ({ deviceIdentifications: [d] }) },
];
const deviceCommands = deviceOperations.slice(4);

// ---------------------------------------------------------------- refusals

test('every core operation refuses a request without a key, or with an unknown one (401)', async () => {
  const calls: Array<['GET' | 'POST' | 'PUT', string, unknown]> = [
    ...deviceOperations.map((op) => [op.method, op.path(id(0)), op.body(id(0))] as ['POST' | 'PUT', string, unknown]),
    ['GET', '/v1/core/devices', undefined],
    ['GET', '/v1/core/devices/recent', undefined],
  ];
  for (const [method, path, body] of calls) {
    for (const key of [undefined, 'osgp_nope_nope']) {
      const answer = await call(key, method, path, body);
      expect([method, path, key, answer.status]).toEqual([method, path, key, 401]);
      expect(errorOf(answer).error).toBe('UNAUTHENTICATED');
    }
  }
});

test('every device operation answers 404 for an unknown device, naming it', async () => {
  for (const op of deviceOperations) {
    const answer = await call(keys.grid, op.method, op.path(unknownDevice), op.body(unknownDevice));
    expect([op.name, answer.status]).toEqual([op.name, 404]);
    expect(errorOf(answer)).toMatchObject({ error: 'DEVICE_NOT_FOUND' });
    expect(errorOf(answer).message).toContain(unknownDevice);
  }
});

test('an organisation with only MONITORING may do none of them, nor switch lights (403 naming the device); nothing reaches the device', async () => {
  const device = fleet.devices[0];
  const before = device.received.length;
  const lifecycleBefore = await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: device.identification } });
  for (const op of deviceOperations) {
    const answer = await call(keys.monitoring, op.method, op.path(device.identification), op.body(device.identification));
    expect([op.name, answer.status]).toEqual([op.name, 403]);
    expect(errorOf(answer).error).toBe('UNAUTHORIZED');
    expect(errorOf(answer).message).toContain(device.identification);
  }
  const setLight = await platform.client(keys.monitoring).publicLighting.setLight({
    body: { deviceIdentifications: [device.identification], lightValues: [{ index: 0, on: true }] },
  });
  expect(setLight.status).toBe(403);
  expect(device.received.length).toBe(before);
  const after = await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: device.identification } });
  expect(after.alias).toBe(lifecycleBefore.alias);
  expect(after.lifecycleStatus).toBe(lifecycleBefore.lifecycleStatus);
});

test('each function group allows what OSGP allows it, and no more', async () => {
  const device = id(1);
  const started: Array<{ key: string; correlationUid: string }> = [];
  const statusOf = async (key: string, name: string): Promise<number> => {
    const op = deviceOperations.find((o) => o.name === name)!;
    const answer = await call(key, op.method, op.path(device), op.body(device));
    if (answer.status === 202) started.push({ key, correlationUid: (answer.body as { correlationUid: string }).correlationUid });
    return answer.status;
  };
  const expectations: Array<[keyof typeof keys, string, number]> = [
    ['installation', 'startDeviceTest', 202],
    ['installation', 'stopDeviceTest', 202],
    ['installation', 'updateDevice', 200],
    ['installation', 'setReboot', 403],
    ['installation', 'setMaintenanceStatus', 403],
    ['adHoc', 'setReboot', 202],
    ['adHoc', 'getStatus', 202],
    ['adHoc', 'startDeviceTest', 202],
    ['adHoc', 'stopDeviceTest', 202],
    ['adHoc', 'setEventNotifications', 403],
    ['adHoc', 'setDeviceAlias', 403],
    ['management', 'setEventNotifications', 202],
    ['management', 'setMaintenanceStatus', 200],
    ['management', 'setDeviceLifecycleStatus', 200],
    ['management', 'updateDevice', 200],
    ['management', 'startDeviceTest', 403],
    ['management', 'setDeviceAlias', 403],
    ['metadata', 'setDeviceAlias', 200],
    ['metadata', 'updateDevice', 403],
    ['metadata', 'getStatus', 403],
  ];
  for (const [group, name, status] of expectations) {
    expect([group, name, await statusOf(keys[group], name)]).toEqual([group, name, status]);
  }
  // The accepted commands ran (each caller reads its own requests); none is left running into the next tests.
  for (const { key, correlationUid } of started) {
    expect((await waitForRequest(platform.client(key), correlationUid)).state).toBe('OK');
  }
  // Those self tests started and stopped concurrently: end any that is left running.
  expect((await accepted(await grid.core.stopDeviceTest({ body: { deviceIdentifications: [device] } }))).state).toBe('OK');
  expect(fleet.devices[1].state.selfTest).toBeNull();
});

test('invalid input is refused with 400 naming the field', async () => {
  const cases: Array<['GET' | 'POST' | 'PUT', string, unknown, string]> = [
    ['PUT', `/v1/core/devices/${id(3)}`, { latitude: 91 }, 'body.latitude'],
    ['PUT', `/v1/core/devices/${id(3)}`, { port: 70000 }, 'body.port'],
    ['PUT', `/v1/core/devices/${id(3)}`, { networkAddress: 'lamp-post' }, 'body.networkAddress'],
    ['PUT', `/v1/core/devices/${id(3)}`, {}, 'body'],
    ['PUT', `/v1/core/devices/${id(3)}`, { location: 'here' }, 'body'],
    ['PUT', '/v1/core/devices/has%20space', { alias: 'x' }, 'path.deviceIdentification'],
    ['PUT', `/v1/core/devices/${id(3)}/alias`, { alias: 'a'.repeat(256) }, 'body.alias'],
    ['PUT', `/v1/core/devices/${id(3)}/alias`, {}, 'body.alias'],
    ['PUT', `/v1/core/devices/${id(3)}/maintenance-status`, { inMaintenance: 'yes' }, 'body.inMaintenance'],
    ['PUT', `/v1/core/devices/${id(3)}/lifecycle-status`, { lifecycleStatus: 'BROKEN' }, 'body.lifecycleStatus'],
    ['POST', '/v1/core/start-device-test', { deviceIdentifications: [] }, 'body.deviceIdentifications'],
    ['POST', '/v1/core/stop-device-test', { deviceIdentifications: [id(0), id(0)] }, 'body.deviceIdentifications'],
    ['POST', '/v1/core/set-reboot', {}, 'body.deviceIdentifications'],
    ['POST', '/v1/core/get-status', { deviceIdentifications: ['a b'] }, 'body.deviceIdentifications.0'],
    [
      'POST',
      '/v1/core/set-event-notifications',
      { deviceIdentifications: [id(0)], eventNotificationTypes: ['LIGHT_EVENTS', 'BOGUS'] },
      'body.eventNotificationTypes.1',
    ],
    [
      'POST',
      '/v1/core/set-event-notifications',
      { deviceIdentifications: [id(0)], eventNotificationTypes: ['LIGHT_EVENTS', 'LIGHT_EVENTS'] },
      'body.eventNotificationTypes',
    ],
    ['POST', '/v1/core/set-event-notifications', { deviceIdentifications: [id(0)] }, 'body.eventNotificationTypes'],
    ['GET', '/v1/core/devices?limit=0', undefined, 'query.limit'],
    ['GET', '/v1/core/devices?activated=maybe', undefined, 'query.activated'],
    ['GET', '/v1/core/devices?lifecycleStatus=BROKEN', undefined, 'query.lifecycleStatus'],
    ['GET', '/v1/core/devices?minLat=52&maxLat=51', undefined, 'query.minLat'],
    ['GET', '/v1/core/devices?maxLon=181', undefined, 'query.maxLon'],
    ['GET', '/v1/core/devices?after=garbage', undefined, 'query.after'],
    ['GET', '/v1/core/devices/recent?limit=1001', undefined, 'query.limit'],
    ['GET', '/v1/core/devices/recent?after=garbage', undefined, 'query.after'],
  ];
  for (const [method, path, body, field] of cases) {
    const answer = await call(keys.grid, method, path, body);
    expect([path, body, answer.status]).toEqual([path, body, 400]);
    expect(errorOf(answer).error).toBe('VALIDATION_FAILED');
    expect([path, body, errorOf(answer).issues?.map((i) => i.field)]).toEqual([path, body, expect.arrayContaining([field])]);
  }
  // A cursor of the other listing is no cursor of this one.
  const recent = await grid.core.findRecentDevices({ query: { limit: 1 } });
  if (recent.status !== 200 || !recent.body.nextCursor) throw new Error('expected a second page of recent devices');
  const mixed = await call(keys.grid, 'GET', `/v1/core/devices?after=${recent.body.nextCursor}`);
  expect(mixed.status).toBe(400);
});

// ---------------------------------------------------------------- data operations

test('updateDevice changes what it is given and leaves the rest; a deactivated device refuses device commands', async () => {
  const device = id(3);
  const changed = await grid.core.updateDevice({
    params: { deviceIdentification: device },
    body: { alias: 'Kerkstraat 12', latitude: 52.09, longitude: 5.12, networkAddress: '127.0.0.1', port: fleet.port },
  });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({
    deviceIdentification: device,
    alias: 'Kerkstraat 12',
    latitude: 52.09,
    longitude: 5.12,
    networkAddress: '127.0.0.1',
    port: fleet.port,
    activated: true,
    ownerIdentification: owner,
  });

  const deactivated = await grid.core.updateDevice({ params: { deviceIdentification: device }, body: { activated: false, alias: null } });
  expect(deactivated.status).toBe(200);
  expect(deactivated.body).toMatchObject({ alias: null, activated: false, latitude: 52.09, longitude: 5.12 });

  const refused = await grid.core.setReboot({ body: { deviceIdentifications: [device] } });
  expect(refused.status).toBe(403);
  expect(refused.body).toMatchObject({ error: 'DEVICE_NOT_ACTIVE' });

  const reactivated = await grid.core.updateDevice({ params: { deviceIdentification: device }, body: { activated: true } });
  expect(reactivated.body).toMatchObject({ activated: true });
  const view = await accepted(await grid.core.setReboot({ body: { deviceIdentifications: [device] } }));
  expect(view.state).toBe('OK');
});

test('setDeviceAlias sets and removes an alias, also for an organisation with METADATA_MANAGEMENT only', async () => {
  const device = id(4);
  const set = await platform.client(keys.metadata).core.setDeviceAlias({ params: { deviceIdentification: device }, body: { alias: 'Lamp 4' } });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ deviceIdentification: device, alias: 'Lamp 4' });
  const stored = await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: device } });
  expect(stored.alias).toBe('Lamp 4');

  const removed = await grid.core.setDeviceAlias({ params: { deviceIdentification: device }, body: { alias: null } });
  expect(removed.body).toMatchObject({ alias: null });
});

test('setDeviceLifecycleStatus changes the status at once (200)', async () => {
  const device = id(4);
  for (const lifecycleStatus of ['READY_FOR_USE', 'IN_USE'] as const) {
    const answer = await grid.core.setDeviceLifecycleStatus({ params: { deviceIdentification: device }, body: { lifecycleStatus } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ deviceIdentification: device, lifecycleStatus });
  }
});

test('a device in maintenance refuses every device command with 403 DEVICE_IN_MAINTENANCE and is not contacted; data operations still work', async () => {
  const device = fleet.devices[2];
  const into = await grid.core.setMaintenanceStatus({ params: { deviceIdentification: device.identification }, body: { inMaintenance: true } });
  expect(into.status).toBe(200);
  expect(into.body).toMatchObject({ inMaintenance: true });
  const before = device.received.length;

  for (const op of deviceCommands) {
    const answer = await call(keys.grid, op.method, op.path(device.identification), op.body(device.identification));
    expect([op.name, answer.status]).toEqual([op.name, 403]);
    expect(errorOf(answer)).toEqual({ error: 'DEVICE_IN_MAINTENANCE', message: expect.stringContaining(device.identification) });
  }
  // A request for several devices is refused as a whole when one of them is in maintenance.
  const mixed = await grid.core.getStatus({ body: { deviceIdentifications: [id(0), device.identification] } });
  expect(mixed.status).toBe(403);
  const setLight = await grid.publicLighting.setLight({
    body: { deviceIdentifications: [device.identification], lightValues: [{ index: 0, on: true }] },
  });
  expect(setLight).toMatchObject({ status: 403, body: { error: 'DEVICE_IN_MAINTENANCE' } });
  expect(device.received.length).toBe(before);

  const alias = await grid.core.setDeviceAlias({ params: { deviceIdentification: device.identification }, body: { alias: 'in the workshop' } });
  expect(alias.status).toBe(200);

  const out = await grid.core.setMaintenanceStatus({ params: { deviceIdentification: device.identification }, body: { inMaintenance: false } });
  expect(out.body).toMatchObject({ inMaintenance: false });
  const view = await accepted(await grid.core.getStatus({ body: { deviceIdentifications: [device.identification] } }));
  expect(view.state).toBe('OK');
  expect(device.receivedCount('getStatusRequest')).toBeGreaterThan(0);
});

// A device added after the fleet, so the newest one is known.
let lateDevice = '';

test("findRecentDevices lists the caller's devices newest first, paged with a cursor", async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  lateDevice = `${prefix}late`;
  const keyPair = generateKeyPair();
  const added = await grid.core.addDevice({
    body: {
      deviceIdentification: lateDevice,
      protocol: 'OSLP',
      deviceUid: deviceUidToBase64(buildDeviceUid(0x434f, randomInt(1, 2 ** 40))),
      publicKey: publicKeyToPem(keyPair.publicKey),
    },
  });
  expect(added.status).toBe(201);

  const walked: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await grid.core.findRecentDevices({ query: { limit: 3, ...(after ? { after } : {}) } });
    if (page.status !== 200) throw new Error(`findRecentDevices answered ${page.status}`);
    expect(page.body.devices.length).toBeLessThanOrEqual(3);
    walked.push(...page.body.devices.map((d) => d.deviceIdentification));
    after = page.body.nextCursor ?? undefined;
    pages += 1;
  } while (after && pages < 10);
  expect(walked[0]).toBe(lateDevice);
  expect(new Set(walked).size).toBe(walked.length);
  expect([...walked].sort()).toEqual([...ids(), lateDevice].sort());
  expect(pages).toBe(3);

  // Another organisation's recent devices are the ones it holds an authorisation on: not the late one.
  const theirs = await platform.client(keys.monitoring).core.findRecentDevices({ query: {} });
  if (theirs.status !== 200) throw new Error(`findRecentDevices answered ${theirs.status}`);
  expect(theirs.body.devices.map((d) => d.deviceIdentification).sort()).toEqual([...ids()].sort());
  expect(theirs.body.nextCursor).toBeNull();
});

test('findDevices filters, and a cursor walk returns every device once, by identification', async () => {
  const admin = platform.client(platform.adminKey);
  const find = async (client: typeof grid, query: NonNullable<NonNullable<Parameters<typeof grid.core.findDevices>[0]>['query']>): Promise<DeviceView[]> => {
    const answer = await client.core.findDevices({ query });
    if (answer.status !== 200) throw new Error(`findDevices answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.devices;
  };
  const identificationsOf = (devices: DeviceView[]) => devices.map((d) => d.deviceIdentification);
  const all = [...ids(), lateDevice].sort();

  // Locations: two devices in a box around Utrecht, one in Amsterdam, the rest without one.
  await platform.db.prisma.device.updateMany({ where: { identification: { in: all } }, data: { latitude: null, longitude: null } });
  const place = async (n: number, latitude: number, longitude: number) =>
    expect((await grid.core.updateDevice({ params: { deviceIdentification: id(n) }, body: { latitude, longitude } })).status).toBe(200);
  await place(0, 52.09, 5.12);
  await place(1, 52.1, 5.1);
  await place(5, 52.37, 4.9);
  await grid.core.setMaintenanceStatus({ params: { deviceIdentification: id(5) }, body: { inMaintenance: true } });
  await grid.core.updateDevice({ params: { deviceIdentification: id(1) }, body: { activated: false } });
  await grid.core.setDeviceLifecycleStatus({ params: { deviceIdentification: id(0) }, body: { lifecycleStatus: 'UNDER_TEST' } });

  try {
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix }))).toEqual(all);
    expect(identificationsOf(await find(admin, { ownerIdentification: owner }))).toEqual(all);
    expect(identificationsOf(await find(admin, { deviceIdentificationPrefix: prefix, protocol: 'OSLP' }))).toEqual(all);
    expect(await find(admin, { deviceIdentificationPrefix: prefix, protocol: 'DLMS' })).toEqual([]);
    // "_" is no wildcard: CORE_ matches none of the CORE- devices.
    expect(await find(admin, { deviceIdentificationPrefix: prefix.replace('-', '_') })).toEqual([]);
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, minLat: 52, maxLat: 52.2, minLon: 5, maxLon: 5.2 }))).toEqual(
      [id(0), id(1)].sort(),
    );
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, minLat: 52.3 }))).toEqual([id(5)]);
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, maxLon: 5 }))).toEqual([id(5)]);
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, inMaintenance: true }))).toEqual([id(5)]);
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, activated: false }))).toEqual([id(1)]);
    expect(await find(grid, { deviceIdentificationPrefix: prefix, activated: 'true' })).toHaveLength(all.length - 1);
    expect(identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, lifecycleStatus: 'UNDER_TEST' }))).toEqual([id(0)]);
    expect(
      identificationsOf(await find(grid, { deviceIdentificationPrefix: prefix, activated: true, inMaintenance: false, minLat: 50 })),
    ).toEqual([id(0)]);
    const [first] = await find(grid, { deviceIdentificationPrefix: id(0) });
    expect(first).toMatchObject({ deviceIdentification: id(0), ownerIdentification: owner, protocol: 'OSLP', latitude: 52.09 });

    // Visibility: an organisation sees the devices it holds an authorisation on, whatever the filter.
    const stranger = platform.client(await platform.createOrganisation(`stranger-${run}`));
    expect(await find(stranger, {})).toEqual([]);
    expect(await find(stranger, { ownerIdentification: owner })).toEqual([]);
    expect(identificationsOf(await find(platform.client(keys.monitoring), { ownerIdentification: owner }))).toEqual([...ids()].sort());

    // A cursor walk, two at a time: every device once, in the order of a single page.
    const walked: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const answer = await grid.core.findDevices({ query: { deviceIdentificationPrefix: prefix, limit: 2, ...(after ? { after } : {}) } });
      if (answer.status !== 200) throw new Error(`findDevices answered ${answer.status}`);
      expect(answer.body.devices.length).toBeLessThanOrEqual(2);
      walked.push(...identificationsOf(answer.body.devices));
      after = answer.body.nextCursor ?? undefined;
      pages += 1;
    } while (after && pages < 10);
    expect(walked).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  } finally {
    await grid.core.setMaintenanceStatus({ params: { deviceIdentification: id(5) }, body: { inMaintenance: false } });
    await grid.core.updateDevice({ params: { deviceIdentification: id(1) }, body: { activated: true } });
  }
});

// ---------------------------------------------------------------- device commands

test('startDeviceTest switches the lights on for the test; stopDeviceTest puts them back and reports the result', async () => {
  const [a, b] = [fleet.devices[0], fleet.devices[1]];
  // Device a starts with light 2 on at 30 %, device b dark.
  await accepted(
    await grid.publicLighting.setLight({
      body: { deviceIdentifications: [a.identification, b.identification], lightValues: [{ index: 0, on: false }] },
    }),
  );
  await accepted(
    await grid.publicLighting.setLight({ body: { deviceIdentifications: [a.identification], lightValues: [{ index: 2, on: true, dimValue: 30 }] } }),
  );
  const lightsBefore = a.state.lights.map((l) => ({ ...l }));

  const started = await accepted(await grid.core.startDeviceTest({ body: { deviceIdentifications: [a.identification, b.identification] } }));
  expect(started.state).toBe('OK');
  expect(started.progress).toEqual({ total: 2, done: 2, ok: 2, failed: 0 });
  expect(dataOf(started, a.identification, 'startSelfTest')).toEqual({ kind: 'startSelfTest' });
  for (const device of [a, b]) expect(device.state.lights.every((l) => l.on)).toBe(true);
  const description = await platform.temporal.workflow.getHandle(started.correlationUid).describe();
  expect(description.type).toBe('startDeviceTestWorkflow');
  expect(description.searchAttributes.OsgpOperation).toEqual(['core.startDeviceTest']);
  expect(started).toMatchObject({ domain: 'core', operation: 'startDeviceTest' });

  const stopped = await accepted(await grid.core.stopDeviceTest({ body: { deviceIdentifications: [a.identification, b.identification] } }));
  expect(stopped.state).toBe('OK');
  expect(dataOf(stopped, a.identification, 'stopSelfTest')).toEqual({ kind: 'stopSelfTest', selfTestResult: '00' });
  expect(dataOf(stopped, b.identification, 'stopSelfTest').selfTestResult).toBe('00');
  expect(a.state.lights).toEqual(lightsBefore);
  expect(b.state.lights.some((l) => l.on)).toBe(false);
  expect(a.receivedCount('startSelfTestRequest')).toBeGreaterThanOrEqual(1);
  expect(a.receivedCount('stopSelfTestRequest')).toBeGreaterThanOrEqual(1);

  const log = await platform.db.prisma.deviceMessageLog.findMany({ where: { correlationUid: stopped.correlationUid, direction: 'FROM_DEVICE' } });
  expect(log.map((l) => l.summary)).toEqual(expect.arrayContaining(['stopSelfTest OK result 00']));
});

test('setReboot reaches each device, and a repeat with the same Idempotency-Key reboots once', async () => {
  const device = fleet.devices[0];
  const rebootsBefore = device.receivedCount('setRebootRequest');
  const startsBefore = device.state.startupCounter;
  const send = () => grid.core.setReboot({ headers: { 'idempotency-key': `reboot-${run}` }, body: { deviceIdentifications: [device.identification] } });
  const first = await send();
  const view = await accepted(first);
  expect(view.state).toBe('OK');
  expect(dataOf(view, device.identification, 'setReboot')).toEqual({ kind: 'setReboot' });
  const second = await send();
  expect(second.status).toBe(202);
  expect(second.body).toEqual(first.body);
  expect(device.receivedCount('setRebootRequest')).toBe(rebootsBefore + 1);
  expect(device.state.startupCounter).toBe(startsBefore + 1);
});

test('setEventNotifications sets the mask on each device, and a following core.getStatus shows it', async () => {
  const devices = [fleet.devices[0], fleet.devices[4]];
  const deviceIdentifications = devices.map((d) => d.identification);
  const set = await accepted(
    await grid.core.setEventNotifications({ body: { deviceIdentifications, eventNotificationTypes: ['SECURITY_EVENTS', 'LIGHT_EVENTS'] } }),
  );
  expect(set.state).toBe('OK');
  expect(dataOf(set, deviceIdentifications[0], 'setEventNotifications')).toEqual({ kind: 'setEventNotifications' });
  for (const device of devices) expect(device.state.eventNotificationMask).toBe(4 | 128);

  const status = await accepted(await grid.core.getStatus({ body: { deviceIdentifications } }));
  expect(status).toMatchObject({ state: 'OK', domain: 'core', operation: 'getStatus' });
  for (const device of deviceIdentifications) {
    expect(dataOf(status, device, 'getStatus').status).toMatchObject({
      eventNotificationMask: 132,
      eventNotificationTypes: ['LIGHT_EVENTS', 'SECURITY_EVENTS'],
      lightType: 'RELAY',
    });
  }
  const description = await platform.temporal.workflow.getHandle(status.correlationUid).describe();
  expect(description.type).toBe('getStatusWorkflow');
  expect(description.searchAttributes.OsgpOperation).toEqual(['core.getStatus']);

  // An empty list switches every notification off.
  const none = await accepted(await grid.core.setEventNotifications({ body: { deviceIdentifications: [devices[1].identification], eventNotificationTypes: [] } }));
  expect(none.state).toBe('OK');
  expect(devices[1].state.eventNotificationMask).toBe(0);
});

test('a device that rejects a device command ends NOT_OK with DEVICE_REJECTED', async () => {
  const device = fleet.devices[3];
  device.misbehave({ kind: 'reject' });
  try {
    const view = await accepted(await grid.core.stopDeviceTest({ body: { deviceIdentifications: [device.identification] } }));
    expect(view.state).toBe('NOT_OK');
    expect(view.devices[0]).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_REJECTED', attempts: 1 });
  } finally {
    device.misbehave({ kind: 'normal' });
  }
});
