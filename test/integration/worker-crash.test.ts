/**
 * Nothing is lost when the worker dies: a process running the core worker and the OSLP adapter is killed
 * (SIGKILL) in the middle of a request over 50 devices and started again. Every device ends with a result
 * and in the requested state, and a device receives its command a second time only where the first attempt
 * was cut off, with its result counting the attempts.
 */
import type { ChildProcess } from 'node:child_process';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';
import { killProcessGroup, startWorkerProcess } from '../support/worker-process';

jest.setTimeout(180_000);

const run = Date.now().toString(36);
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  platform = await startTestPlatform({
    workers: false,
    oslpConnectTimeoutMs: 2_000,
    oslpResponseTimeoutMs: 3_000,
    deviceRequestOptions: { maxConcurrency: 10, maxAttempts: 5 },
  });
  fleet = await startFleetFor(platform, {
    count: 50,
    identificationPrefix: `CR-${run}-`,
  });
  const key = await platform.createOrganisation(`crash-city-${run}`);
  const client = platform.client(key);
  // Slow enough answers that the kill finds commands in flight.
  for (const device of fleet.devices) device.misbehave({ kind: 'answer-late', delayMs: 300 });
  expect(await addFleetToPlatform(client, fleet, { networkAddress: '127.0.0.1' })).toBe(50);
});

afterAll(async () => {
  if (worker) await killProcessGroup(worker);
  await fleet?.close();
  await platform?.stop();
});

test('a worker killed in the middle of a 50-device request loses nothing after a restart', async () => {
  const city = platform.client(await platform.createOrganisation(`crash-city-b-${run}`, 'ADMIN'));
  worker = await startWorkerProcess(platform.childEnv);
  const ids = fleet.devices.map((d) => d.identification);
  const accepted = await city.publicLighting.setLight({
    body: { deviceIdentifications: ids, lightValues: [{ index: 0, on: true, dimValue: 60 }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
  const { correlationUid } = accepted.body;

  // Kill as soon as a few devices are done: the rest are in flight or not yet sent.
  const midway = await waitForRequest(city, correlationUid, { until: (v) => v.progress.done >= 5 });
  await killProcessGroup(worker);
  const doneAtKill = midway.progress.done;
  expect(doneAtKill).toBeLessThan(50);

  worker = await startWorkerProcess(platform.childEnv);
  const view = await waitForRequest(city, correlationUid, { timeoutMs: 120_000 });

  expect(view.state).toBe('OK');
  expect(view.progress).toEqual({ total: 50, done: 50, ok: 50, failed: 0 });
  const attemptsOf = new Map(view.devices.map((d) => [d.deviceIdentification, d.attempts]));
  const repeated: string[] = [];
  for (const device of fleet.devices) {
    const received = device.receivedCount('setLightRequest');
    const attempts = attemptsOf.get(device.identification)!;
    expect(device.state.lights.every((l) => l.on && l.dimValue === 60)).toBe(true);
    expect(received).toBeGreaterThanOrEqual(1);
    // A second delivery happens only on a second attempt, i.e. where the first was cut off by the kill.
    expect(received).toBeLessThanOrEqual(attempts);
    if (attempts === 1) expect(received).toBe(1);
    if (received > 1) repeated.push(device.identification);
  }
  // The kill did cut some commands off, and only those were sent again.
  expect(repeated.length).toBeGreaterThan(0);
  expect(repeated.length).toBeLessThanOrEqual(50 - doneAtKill);
});
