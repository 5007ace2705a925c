/**
 * One complete path with real parts: an organisation adds simulated OSLP street lights (TCP, signed
 * envelopes), the devices register with the platform's listener, the organisation grants itself AD_HOC and
 * switches them through the API, a Temporal workflow and the OSLP adapter, and reads the per-device results.
 */
import { randomBytes } from 'node:crypto';
import { decodeEnvelope, encodeEnvelope, generateKeyPair, publicKeyToPem } from '../../adapters/oslp/envelope';
import { sendRequest } from '../../adapters/oslp/framing';
import { decodeMessage, encodeMessage } from '../../adapters/oslp/messages';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let cityKey: string;
let city: ReturnType<TestPlatform['client']>;

beforeAll(async () => {
  platform = await startTestPlatform();
  fleet = await startFleetFor(platform, {
    count: 5,
    identificationPrefix: `SL-${run}-`,
  });
  cityKey = await platform.createOrganisation(`city-${run}`);
  city = platform.client(cityKey);
  expect(await addFleetToPlatform(city, fleet)).toBe(5);
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
});

const ids = () => fleet.devices.map((d) => d.identification);

test('devices register with the listener, which records their address', async () => {
  const summary = await fleet.registerAll();
  expect(summary).toEqual({ registered: 5, failed: [] });
  const devices = await platform.db.prisma.device.findMany({ where: { identification: { in: ids() } } });
  for (const device of devices) {
    expect(device.networkAddress).toBe('127.0.0.1');
    expect(device.registeredAt).not.toBeNull();
    expect(device.sequenceNumber).not.toBeNull();
  }
});

test('an organisation grants itself AD_HOC and switches 3 lights on; getRequest is OK per device and the lights are on', async () => {
  const granted = await city.admin.updateDeviceAuthorisations({
    body: {
      authorisations: ids().map((deviceIdentification) => ({
        deviceIdentification,
        organisationIdentification: `city-${run}`,
        functionGroup: 'AD_HOC' as const,
        revoke: false,
      })),
    },
  });
  expect(granted.status).toBe(200);

  const three = ids().slice(0, 3);
  const accepted = await city.publicLighting.setLight({
    body: { deviceIdentifications: three, lightValues: [{ index: 0, on: true, dimValue: 80 }] },
  });
  expect(accepted.status).toBe(202);
  if (accepted.status !== 202) return;

  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.state).toBe('OK');
  expect(view.progress).toEqual({ total: 3, done: 3, ok: 3, failed: 0 });
  expect(view.devices.map((d) => [d.deviceIdentification, d.result, d.attempts])).toEqual(three.map((id) => [id, 'OK', 1]));
  for (const id of three) {
    expect(fleet.deviceByIdentification(id)!.state.lights.every((light) => light.on && light.dimValue === 80)).toBe(true);
  }
  // The two devices not asked stay dark.
  expect(fleet.devices[3].state.lights.some((l) => l.on)).toBe(false);

  // The workflow carries the correlation uid as its id, findable in the Web UI by organisation and device.
  const description = await platform.temporal.workflow.getHandle(accepted.body.correlationUid).describe();
  expect(description.type).toBe('setLightWorkflow');
  expect(description.searchAttributes.OsgpOrganisation).toEqual([`city-${run}`]);
  expect(description.searchAttributes.OsgpDevices).toEqual(three);
  expect(description.searchAttributes.OsgpOperation).toEqual(['publicLighting.setLight']);

  // Every exchange is in the device message log.
  const log = await platform.db.prisma.deviceMessageLog.findMany({ where: { correlationUid: accepted.body.correlationUid } });
  expect(log.filter((l) => l.direction === 'TO_DEVICE')).toHaveLength(3);
  expect(log.filter((l) => l.direction === 'FROM_DEVICE' && l.result === 'OK')).toHaveLength(3);
});

test('getStatus returns each device its own light state', async () => {
  const accepted = await city.publicLighting.getStatus({ body: { deviceIdentifications: ids().slice(0, 4) } });
  if (accepted.status !== 202) throw new Error(`getStatus answered ${accepted.status}`);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.state).toBe('OK');
  const statusOf = (id: string) =>
    (view.devices.find((d) => d.deviceIdentification === id)!.data as { status: { lightValues: Array<{ on: boolean }> } }).status;
  expect(statusOf(ids()[0]).lightValues.every((l) => l.on)).toBe(true);
  expect(statusOf(ids()[3]).lightValues.every((l) => !l.on)).toBe(true);
});

test('an organisation without authorization gets 403 naming the device, and nothing is sent', async () => {
  const other = platform.client(await platform.createOrganisation(`contractor-${run}`));
  const before = fleet.devices[0].received.length;
  const refused = await other.publicLighting.setLight({
    body: { deviceIdentifications: [ids()[0]], lightValues: [{ index: 0, on: false }] },
  });
  expect(refused.status).toBe(403);
  expect(JSON.stringify(refused.body)).toContain(ids()[0]);
  expect(fleet.devices[0].received.length).toBe(before);
});

test('a device that never answers ends NOT_OK without blocking the others', async () => {
  const silent = fleet.devices[4];
  silent.misbehave({ kind: 'never-answer' });
  const accepted = await city.publicLighting.setLight({
    body: { deviceIdentifications: [ids()[3], silent.identification], lightValues: [{ index: 0, on: true }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);

  // The answering device's result is there while the silent one is still being retried.
  const partial = await waitForRequest(city, accepted.body.correlationUid, {
    until: (v) => v.devices.some((d) => d.deviceIdentification === ids()[3]),
  });
  expect(partial.state).toBe('IN_PROGRESS');
  expect(partial.devices.find((d) => d.deviceIdentification === silent.identification)).toBeUndefined();

  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.state).toBe('NOT_OK');
  const result = view.devices.find((d) => d.deviceIdentification === silent.identification)!;
  expect(result).toMatchObject({ result: 'NOT_OK', errorCode: 'RESPONSE_TIMEOUT', attempts: 3 });
  expect(silent.receivedCount('setLightRequest')).toBe(3);
  expect(view.devices.find((d) => d.deviceIdentification === ids()[3])).toMatchObject({ result: 'OK', attempts: 1 });
  silent.misbehave({ kind: 'normal' });
});

test.each([
  ['reject', 'DEVICE_REJECTED'],
  ['sign-wrongly', 'BAD_SIGNATURE'],
] as const)('a device that answers %s ends NOT_OK with %s after one attempt', async (kind, errorCode) => {
  const device = fleet.devices[2];
  device.misbehave({ kind });
  const accepted = await city.publicLighting.setLight({
    body: { deviceIdentifications: [device.identification], lightValues: [{ index: 1, on: false }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  device.misbehave({ kind: 'normal' });
  expect(view.devices[0]).toMatchObject({ result: 'NOT_OK', errorCode, attempts: 1 });
  expect(view.devices[0].message).toContain(device.identification);
});

test('a device that drops the connection twice is retried and switched on the third attempt', async () => {
  const device = fleet.devices[1];
  device.misbehave({ kind: 'fail-times', times: 2 });
  const accepted = await city.publicLighting.setLight({
    body: { deviceIdentifications: [device.identification], lightValues: [{ index: 2, on: true, dimValue: 30 }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.devices[0]).toMatchObject({ result: 'OK', attempts: 3 });
  expect(device.state.lights.find((l) => l.index === 2)).toMatchObject({ on: true, dimValue: 30 });
});

test('repeating a request with the same Idempotency-Key returns the same correlationUid and switches once', async () => {
  const device = fleet.devices[0];
  const before = device.receivedCount('setLightRequest');
  const send = () =>
    city.publicLighting.setLight({
      headers: { 'idempotency-key': `evening-${run}` },
      body: { deviceIdentifications: [device.identification], lightValues: [{ index: 0, on: false }] },
    });
  const first = await send();
  const second = await send();
  if (first.status !== 202 || second.status !== 202) throw new Error('setLight was not accepted');
  expect(second.body.correlationUid).toBe(first.body.correlationUid);
  await waitForRequest(city, first.body.correlationUid);
  const third = await send();
  if (third.status !== 202) throw new Error('setLight was not accepted');
  expect(third.body.correlationUid).toBe(first.body.correlationUid);
  expect(device.receivedCount('setLightRequest')).toBe(before + 1);

  const changed = await city.publicLighting.setLight({
    headers: { 'idempotency-key': `evening-${run}` },
    body: { deviceIdentifications: [device.identification], lightValues: [{ index: 0, on: true }] },
  });
  expect(changed.status).toBe(409);
});

test('the API refuses a missing key (401), invalid input naming the field (400) and an unknown request (404)', async () => {
  const noKey = await fetch(`${platform.baseUrl}/v1/requests/x`);
  expect(noKey.status).toBe(401);

  const invalid = await city.publicLighting.setLight({
    body: { deviceIdentifications: [ids()[0]], lightValues: [{ index: 0, on: true, dimValue: 150 }] },
  });
  expect(invalid.status).toBe(400);
  expect(invalid.body).toMatchObject({ error: 'VALIDATION_FAILED', issues: [{ field: 'body.lightValues.0.dimValue' }] });

  const garbage = await fetch(`${platform.baseUrl}/v1/public-lighting/set-light`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cityKey}`, 'content-type': 'application/json' },
    body: '{"deviceIdentifications": [',
  });
  expect(garbage.status).toBe(400);
  expect(await garbage.text()).not.toMatch(/at .*\.ts:\d+/);

  const unknown = await city.requests.getRequest({ params: { correlationUid: `city-${run}-nope` }, query: {} });
  expect(unknown.status).toBe(404);

  const unknownDevice = await city.publicLighting.setLight({
    body: { deviceIdentifications: ['NO-SUCH-DEVICE'], lightValues: [{ index: 0, on: true }] },
  });
  expect(unknownDevice.status).toBe(404);
});

test('request options: a scheduled request is accepted now and switches at its time; bad options name the header', async () => {
  const device = fleet.devices[3];
  const before = device.receivedCount('setLightRequest');
  const scheduleTime = new Date(Date.now() + 3_000).toISOString();
  const accepted = await city.publicLighting.setLight({
    headers: { 'x-osgp-schedule-time': scheduleTime, 'x-osgp-priority': 8, 'x-osgp-bypass-retry': 'true' },
    body: { deviceIdentifications: [device.identification], lightValues: [{ index: 3, on: true, dimValue: 40 }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  // Not yet: the request waits for its time.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(device.receivedCount('setLightRequest')).toBe(before);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.devices[0]).toMatchObject({ result: 'OK', attempts: 1 });
  expect(Date.parse(view.devices[0].finishedAt)).toBeGreaterThanOrEqual(Date.parse(scheduleTime));
  expect(device.state.lights.find((l) => l.index === 3)).toMatchObject({ on: true, dimValue: 40 });

  const invalid = await fetch(`${platform.baseUrl}/v1/public-lighting/set-light`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cityKey}`, 'content-type': 'application/json', 'x-osgp-priority': '12' },
    body: JSON.stringify({ deviceIdentifications: [device.identification], lightValues: [{ index: 0, on: true }] }),
  });
  expect(invalid.status).toBe(400);
  expect(await invalid.json()).toMatchObject({ issues: [{ field: 'header.x-osgp-priority' }] });
});

test('a replayed registration is rejected by the listener and shows in the device message log', async () => {
  const keys = generateKeyPair();
  const deviceUid = randomBytes(12);
  const identification = `REPLAY-${run}`;
  const added = await city.core.addDevice({
    body: {
      deviceIdentification: identification,
      protocol: 'OSLP',
      deviceUid: deviceUid.toString('base64'),
      publicKey: publicKeyToPem(keys.publicKey),
    },
  });
  expect(added.status).toBe(201);
  const registration = encodeEnvelope(
    {
      sequenceNumber: 4711,
      deviceUid,
      payload: encodeMessage({
        registerDeviceRequest: {
          deviceIdentification: identification,
          ipAddress: Buffer.from([127, 0, 0, 1]),
          deviceType: 'SSLD',
          hasSchedule: false,
          randomDevice: 815,
        },
      }),
    },
    keys.privateKey,
  );
  const send = async () =>
    decodeMessage(
      decodeEnvelope(
        await sendRequest({ host: '127.0.0.1', port: platform.listenerPort, frame: registration, connectTimeoutMs: 2_000, responseTimeoutMs: 5_000 }),
      ).payload,
    ).registerDeviceResponse?.status;

  expect(await send()).toBe('OK');
  // The same signed frame again, as an eavesdropper would replay it.
  expect(await send()).toBe('REJECTED');
  const log = await platform.db.prisma.deviceMessageLog.findMany({
    where: { deviceIdentification: identification, direction: 'TO_DEVICE' },
    orderBy: { id: 'asc' },
  });
  expect(log.map((l) => l.result)).toEqual(['OK', 'REJECTED']);
});
