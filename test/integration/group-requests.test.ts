/**
 * Device groups and group requests with real parts: 1,000 simulated OSLP lights (one TCP server, signed
 * envelopes) added through the API, grouped, and switched as one group request: a parent workflow paging
 * the group, child workflows per batch, the adapter's batch activity. 5% of the devices misbehave, and every
 * device ends with its own result. Also: a filter group, another organisation's group (404), request body
 * validation, and a cancelled group request that stops sending.
 */
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import type { OslpMisbehaviour, SimulatedOslpDevice } from '../../simulators/oslp/simulated-device';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import type { RequestView } from '../../api/client';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
const organisation = `groups-${run}`;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let city: ReturnType<TestPlatform['client']>;

beforeAll(async () => {
  platform = await startTestPlatform({
    oslpConnectTimeoutMs: 2_000,
    oslpResponseTimeoutMs: 2_000,
    deviceRequestOptions: { maxAttempts: 3, maxConcurrency: 50 },
    // 1,000 devices are added one call each.
    rateLimit: { perSecond: 2_000, burst: 2_000 },
  });
  fleet = await startFleetFor(platform, {
    count: 1_000,
    identificationPrefix: `GR-${run}-`,
  });
  city = platform.client(await platform.createOrganisation(organisation));
  const adding = Date.now();
  // Known address and port: the devices need not register first (a simulator accepts any first sequence number).
  expect(await addFleetToPlatform(city, fleet, { networkAddress: '127.0.0.1', concurrency: 50 })).toBe(1_000);
  console.log(`1,000 devices added through the API in ${((Date.now() - adding) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
});

const ids = (devices: SimulatedOslpDevice[] = fleet.devices) => devices.map((d) => d.identification);
const resultOf = (view: RequestView, id: string) => view.devices.find((d) => d.deviceIdentification === id);

async function createStaticGroup(groupIdentification: string, members: string[]): Promise<void> {
  const created = await city.core.createDeviceGroup({ body: { groupIdentification, kind: 'STATIC' } });
  expect(created.status).toBe(201);
  const added = await city.core.addDeviceGroupMembers({ params: { groupIdentification }, body: { deviceIdentifications: members } });
  expect(added).toMatchObject({ status: 200, body: { added: members.length, memberCount: members.length } });
}

test('a static group of 1,000 devices, 5% misbehaving, ends with the right result for every device', async () => {
  // Every 20th device misbehaves, in turn: never answers, rejects, drops the connection once, signs wrongly.
  const modes: OslpMisbehaviour[] = [
    { kind: 'never-answer' },
    { kind: 'reject' },
    { kind: 'fail-times', times: 1 },
    { kind: 'sign-wrongly' },
  ];
  const misbehaving = new Map<string, OslpMisbehaviour['kind']>();
  fleet.devices.forEach((device, i) => {
    if (i % 20 !== 7) return;
    const mode = modes[(i - 7) / 20 % modes.length];
    device.misbehave(mode);
    misbehaving.set(device.identification, mode.kind);
  });
  expect(misbehaving.size).toBe(50);

  await createStaticGroup('whole-city', ids());
  const group = await city.core.getDeviceGroup({ params: { groupIdentification: 'whole-city' } });
  expect(group).toMatchObject({ status: 200, body: { kind: 'STATIC', memberCount: 1_000 } });

  const started = Date.now();
  const accepted = await city.publicLighting.setLight({
    body: { groupIdentification: 'whole-city', lightValues: [{ index: 0, on: true, dimValue: 60 }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  const { correlationUid } = accepted.body;
  const view = await waitForRequest(city, correlationUid, { timeoutMs: 60_000, intervalMs: 500 });
  const seconds = (Date.now() - started) / 1000;

  expect(view.state).toBe('NOT_OK');
  expect(view.progress).toEqual({ total: 1_000, done: 1_000, ok: 962, failed: 38 });
  expect(view.devices).toHaveLength(1_000);
  // On a busy machine an answer may miss its timeout and be retried: good devices are OK, nearly all at once.
  let retried = 0;
  for (const device of fleet.devices) {
    const result = resultOf(view, device.identification);
    const mode = misbehaving.get(device.identification);
    if (mode === undefined) {
      expect([device.identification, result?.result]).toEqual([device.identification, 'OK']);
      if (result!.attempts > 1) retried += 1;
      expect(device.state.lights.every((light) => light.on && light.dimValue === 60)).toBe(true);
    } else if (mode === 'fail-times') {
      // The dropped connection costs one attempt.
      expect([device.identification, result?.result]).toEqual([device.identification, 'OK']);
      expect(result!.attempts).toBeGreaterThanOrEqual(2);
    } else if (mode === 'reject') {
      expect(result).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_REJECTED' });
    } else if (mode === 'sign-wrongly') {
      expect(result).toMatchObject({ result: 'NOT_OK', errorCode: 'BAD_SIGNATURE' });
    } else {
      expect(result).toMatchObject({ result: 'NOT_OK', attempts: 3 });
      expect(result?.errorCode).toMatch(/TIMEOUT/);
    }
  }
  expect(retried).toBeLessThan(250);
  // Each device's own answer time is recorded, not the time its batch was written.
  const answered = view.devices.map((d) => Date.parse(d.finishedAt));
  expect(Math.min(...answered)).toBeGreaterThanOrEqual(started - 1_000);

  // One parent workflow, children per batch; its progress query answers the totals.
  const handle = platform.temporal.workflow.getHandle(correlationUid);
  expect((await handle.describe()).type).toBe('groupRequestWorkflow');
  expect((await platform.temporal.workflow.getHandle(`${correlationUid}-batch-0`).describe()).type).toBe('deviceBatchWorkflow');
  expect(await handle.query('progress')).toEqual({ total: 1_000, done: 1_000, ok: 962, failed: 38 });
  console.log(`group of 1,000 (50 misbehaving) finished in ${seconds.toFixed(1)} s`);

  for (const device of fleet.devices) device.misbehave({ kind: 'normal' });
});

test('a filter group is resolved when the request runs; its members are listed and counted', async () => {
  const chosen = ids().slice(100, 105);
  for (const deviceIdentification of chosen) {
    const changed = await city.core.setDeviceLifecycleStatus({ params: { deviceIdentification }, body: { lifecycleStatus: 'IN_USE' } });
    expect(changed.status).toBe(200);
  }
  const created = await city.core.createDeviceGroup({
    body: {
      groupIdentification: 'in-use',
      kind: 'FILTER',
      description: 'lights in use',
      filter: { deviceIdentificationPrefix: `GR-${run}-`, lifecycleStatus: 'IN_USE' },
    },
  });
  expect(created.status).toBe(201);
  expect(await city.core.getDeviceGroup({ params: { groupIdentification: 'in-use' } })).toMatchObject({
    status: 200,
    body: { kind: 'FILTER', memberCount: 5, description: 'lights in use' },
  });
  const members = await city.core.findDeviceGroupMembers({ params: { groupIdentification: 'in-use' }, query: { limit: 3 } });
  if (members.status !== 200) throw new Error(`findDeviceGroupMembers answered ${members.status}`);
  expect(members.body.devices.map((d) => d.deviceIdentification)).toEqual(chosen.slice(0, 3));
  const rest = await city.core.findDeviceGroupMembers({
    params: { groupIdentification: 'in-use' },
    query: { limit: 3, after: members.body.nextCursor ?? undefined },
  });
  expect(rest.status === 200 && rest.body.devices.map((d) => d.deviceIdentification)).toEqual(chosen.slice(3));

  // A FILTER group's members are not added by name.
  const refused = await city.core.addDeviceGroupMembers({ params: { groupIdentification: 'in-use' }, body: { deviceIdentifications: [ids()[0]] } });
  expect(refused.status).toBe(409);

  const accepted = await city.publicLighting.getStatus({ body: { groupIdentification: 'in-use' } });
  if (accepted.status !== 202) throw new Error(`getStatus answered ${accepted.status}`);
  const view = await waitForRequest(city, accepted.body.correlationUid);
  expect(view.state).toBe('OK');
  expect(view.progress).toEqual({ total: 5, done: 5, ok: 5, failed: 0 });
  expect(view.devices.map((d) => d.deviceIdentification)).toEqual(chosen);
  expect(view.devices.every((d) => (d.data as { kind: string }).kind === 'getStatus')).toBe(true);
});

test('groups are per organisation: another organisation gets 404; unknown members are named; bodies are validated', async () => {
  const other = platform.client(await platform.createOrganisation(`other-${run}`));
  expect((await other.core.getDeviceGroup({ params: { groupIdentification: 'whole-city' } })).status).toBe(404);
  const foreign = await other.publicLighting.setLight({
    body: { groupIdentification: 'whole-city', lightValues: [{ index: 0, on: false }] },
  });
  expect(foreign.status).toBe(404);
  // The other organisation may have a group of the same name: its own.
  expect((await other.core.createDeviceGroup({ body: { groupIdentification: 'whole-city', kind: 'STATIC' } })).status).toBe(201);
  // Devices it holds no right on are unknown to it.
  const notYours = await other.core.addDeviceGroupMembers({
    params: { groupIdentification: 'whole-city' },
    body: { deviceIdentifications: [ids()[0], 'NO-SUCH-DEVICE'] },
  });
  expect(notYours.status).toBe(404);
  expect(JSON.stringify(notYours.body)).toContain('NO-SUCH-DEVICE');
  expect(JSON.stringify(notYours.body)).toContain(ids()[0]);

  const both = await city.publicLighting.setLight({
    body: { groupIdentification: 'whole-city', deviceIdentifications: [ids()[0]], lightValues: [{ index: 0, on: true }] },
  });
  expect(both.status).toBe(400);
  expect(JSON.stringify(both.body)).toContain('body.groupIdentification');
  const neither = await city.publicLighting.getStatus({ body: {} });
  expect(neither.status).toBe(400);
  expect(JSON.stringify(neither.body)).toContain('body.deviceIdentifications');
  const noFilter = await city.core.createDeviceGroup({ body: { groupIdentification: 'broken', kind: 'FILTER' } });
  expect(noFilter.status).toBe(400);
  expect(JSON.stringify(noFilter.body)).toContain('body.filter');

  const listed = await city.core.findDeviceGroups({ query: { kind: 'STATIC' } });
  expect(listed.status === 200 && listed.body.groups.map((g) => g.groupIdentification)).toEqual(['whole-city']);
});

test('a cancelled group request stops sending; devices that had not answered end CANCELLED', async () => {
  await createStaticGroup('slow', ids());
  for (const device of fleet.devices) device.misbehave({ kind: 'answer-late', delayMs: 700 });
  const before = new Map(fleet.devices.map((d) => [d.identification, d.received.length]));
  const received = () => fleet.devices.reduce((sum, d) => sum + d.received.length, 0);
  const sentBefore = received();

  const accepted = await city.publicLighting.setLight({ body: { groupIdentification: 'slow', lightValues: [{ index: 0, on: false }] } });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
  const { correlationUid } = accepted.body;
  // 50 in flight, 700 ms each: about 70 devices a second. Cancel once the devices have received 100 commands.
  const deadline = Date.now() + 30_000;
  while (received() < sentBefore + 100 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const cancelled = await city.requests.cancelRequest({ params: { correlationUid }, body: {} });
  expect(cancelled.status).toBe(202);

  const view = await waitForRequest(city, correlationUid, { timeoutMs: 30_000 });
  expect(view.state).toBe('CANCELLED');
  expect(view.progress.total).toBe(1_000);
  expect(view.progress.done).toBe(1_000);
  const sentAtEnd = received();
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect(received()).toBe(sentAtEnd);

  const reached = fleet.devices.filter((d) => d.received.length > before.get(d.identification)!);
  expect(reached.length).toBeLessThan(700);
  for (const device of fleet.devices) {
    const result = resultOf(view, device.identification);
    if (result?.result === 'OK') {
      expect(reached).toContain(device);
    } else {
      expect([device.identification, result?.errorCode]).toEqual([device.identification, 'CANCELLED']);
    }
  }
  const cancelledCount = view.devices.filter((d) => d.errorCode === 'CANCELLED').length;
  expect(cancelledCount).toBeGreaterThanOrEqual(1_000 - reached.length);

  // Finished requests cannot be cancelled (again); other organisations do not see it at all.
  expect((await city.requests.cancelRequest({ params: { correlationUid }, body: {} })).status).toBe(409);
  const other = platform.client(await platform.createOrganisation(`stranger-${run}`));
  expect((await other.requests.cancelRequest({ params: { correlationUid }, body: {} })).status).toBe(404);
  const listed = await city.requests.findRequests({ query: { state: 'CANCELLED' } });
  expect(listed.status === 200 && listed.body.requests.map((r) => r.correlationUid)).toContain(correlationUid);
});
