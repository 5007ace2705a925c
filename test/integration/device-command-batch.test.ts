/**
 * The OSLP adapter's batch activity against real simulated devices (TCP, signed envelopes) and the real
 * database: one attempt per device with each device's own outcome, cancellation that stops sending, and a
 * retried attempt that skips what the last heartbeat says was done.
 */
import { randomInt } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { OslpClient } from '../../adapters/oslp/client';
import { generateKeyPair, publicKeyOf } from '../../adapters/oslp/envelope';
import { createOslpBatchActivities } from '../../activities/oslp/device-command-batch';
import type { BatchAdapterActivities } from '../../core/adapter-contract';
import { PublicKeyCache } from '../../activities/oslp/device-exchange';
import type { DeviceBatchItemResult, DeviceBatchRequest, DeviceBatchResult } from '../../common/device-commands';
import { createLogger } from '../../common/logger';
import { openDatabase, type Database } from '../../db/client';
import { startOslpSimulatorFleet, type OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { fleetEntries } from '../../simulators/oslp/provision';
import { seedRegisteredDevices } from '../../bench/seed-devices';
import { requireTestServers } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
const platformKey = generateKeyPair().privateKey;
let db: Database;
let fleet: OslpSimulatorFleet;
let activities: BatchAdapterActivities;
const heartbeatIntervalMs = 50;

beforeAll(async () => {
  db = await openDatabase({ url: requireTestServers().databaseUrl, embeddedDir: '' });
  fleet = await startOslpSimulatorFleet({
    count: 60,
    platformPublicKey: publicKeyOf(platformKey),
    identificationPrefix: `BATCH-${run}-`,
    firstDeviceNumber: randomInt(1, 1e9),
  });
  const owner = await db.prisma.organisation.create({ data: { identification: `batch-${run}`, name: 'batch', platformFunctionGroup: 'USER' } });
  expect(await seedRegisteredDevices(db.prisma, owner.id, fleetEntries(fleet))).toBe(60);
  activities = createOslpBatchActivities({
    prisma: db.prisma,
    client: new OslpClient({ platformPrivateKey: platformKey, connectTimeoutMs: 1_000, responseTimeoutMs: 500 }),
    logger: createLogger({ component: 'test' }, 'error'),
    publicKeys: new PublicKeyCache(),
    heartbeatIntervalMs,
  });
});

afterAll(async () => {
  await fleet?.close();
  await db?.close();
});

const device = (i: number) => fleet.devices[i];
const ids = (from: number, to: number) => fleet.devices.slice(from, to).map((d) => d.identification);
const setLightOn = (correlationUid: string, deviceIdentifications: string[], concurrency = 10): DeviceBatchRequest => ({
  correlationUid,
  deviceIdentifications,
  command: { kind: 'setLight', lightValues: [{ index: 0, on: true, dimValue: 60 }] },
  attempt: 1,
  concurrency,
});
const runBatch = (env: MockActivityEnvironment, request: DeviceBatchRequest): Promise<DeviceBatchResult> =>
  env.run((r: DeviceBatchRequest) => activities.executeDeviceCommandBatch(r), request);
const byDevice = (results: DeviceBatchItemResult[]) => new Map(results.map((r) => [r.deviceIdentification, r]));
const receivedSetLights = (from: number, to: number) =>
  fleet.devices.slice(from, to).reduce((sum, d) => sum + d.receivedCount('setLightRequest'), 0);

test('one batch gives each device its own outcome: OK, permanent (unknown, unregistered, REJECTED, bad signature), transient (no answer, dropped)', async () => {
  // Devices 0-2 behave; 3 rejects, 4 signs with a key the platform does not know, 5 never answers, 6 drops the connection.
  device(3).misbehave({ kind: 'reject' });
  device(4).misbehave({ kind: 'sign-wrongly' });
  device(5).misbehave({ kind: 'never-answer' });
  device(6).misbehave({ kind: 'drop-connection' });
  const unregistered = `BATCH-${run}-unregistered`;
  await db.prisma.device.create({ data: { identification: unregistered, protocol: 'OSLP' } });
  const unknown = `BATCH-${run}-unknown`;
  const correlationUid = `batch-mixed-${run}`;
  const before = await db.prisma.device.findMany({ where: { identification: { in: ids(0, 7) } }, select: { identification: true, sequenceNumber: true } });
  expect(before.every((d) => d.sequenceNumber === 0)).toBe(true);

  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const started = Date.now();
  const { results } = await runBatch(env, setLightOn(correlationUid, [...ids(0, 7), unregistered, unknown]));

  const outcome = byDevice(results);
  expect(results).toHaveLength(9);
  for (const i of [0, 1, 2]) {
    expect(outcome.get(device(i).identification)).toMatchObject({ outcome: 'OK', response: { kind: 'setLight' } });
    expect(device(i).state.lights.every((light) => light.on && light.dimValue === 60)).toBe(true);
  }
  expect(outcome.get(device(3).identification)).toMatchObject({ outcome: 'PERMANENT_FAILURE', errorCode: 'DEVICE_REJECTED' });
  expect(outcome.get(device(4).identification)).toMatchObject({ outcome: 'PERMANENT_FAILURE', errorCode: 'BAD_SIGNATURE' });
  expect(outcome.get(device(5).identification)).toMatchObject({ outcome: 'TRANSIENT_FAILURE', errorCode: 'RESPONSE_TIMEOUT' });
  expect(outcome.get(device(6).identification)).toMatchObject({ outcome: 'TRANSIENT_FAILURE', errorCode: 'CONNECTION_CLOSED' });
  expect(outcome.get(unregistered)).toMatchObject({ outcome: 'PERMANENT_FAILURE', errorCode: 'DEVICE_NOT_REACHABLE_CONFIG' });
  expect(outcome.get(unknown)).toMatchObject({ outcome: 'PERMANENT_FAILURE', errorCode: 'DEVICE_UNKNOWN' });
  for (const result of results) {
    expect(result.finishedAtMs).toBeGreaterThanOrEqual(started);
    expect(result.finishedAtMs).toBeLessThanOrEqual(Date.now());
  }
  // The quick answers did not wait for the device that never answers.
  expect(outcome.get(device(0).identification)!.finishedAtMs).toBeLessThan(outcome.get(device(5).identification)!.finishedAtMs);
  // One attempt each: every device got the command once.
  for (const i of [0, 1, 2, 3, 4, 5, 6]) expect(device(i).received).toHaveLength(1);

  // The sequence numbers of trusted answers (OK and REJECTED) are stored; a bad signature, silence or a drop leaves them.
  const after = new Map(
    (await db.prisma.device.findMany({ where: { identification: { in: ids(0, 7) } }, select: { identification: true, sequenceNumber: true } })).map((d) => [
      d.identification,
      d.sequenceNumber,
    ]),
  );
  for (const i of [0, 1, 2, 3]) expect(after.get(device(i).identification)).toBe(device(i).state.sequenceNumber);
  for (const i of [4, 5, 6]) expect(after.get(device(i).identification)).toBe(0);

  // The message log: the request and the answer for answered devices, the failure for the others.
  const log = await db.prisma.deviceMessageLog.findMany({ where: { correlationUid } });
  const logOf = (i: number) => log.filter((l) => l.deviceIdentification === device(i).identification).map((l) => [l.direction, l.result]);
  expect(logOf(0)).toEqual(expect.arrayContaining([['TO_DEVICE', 'SENT'], ['FROM_DEVICE', 'OK']]));
  expect(logOf(3)).toEqual(expect.arrayContaining([['TO_DEVICE', 'SENT'], ['FROM_DEVICE', 'REJECTED']]));
  expect(logOf(4)).toEqual([['TO_DEVICE', 'BAD_SIGNATURE']]);
  expect(logOf(5)).toEqual([['TO_DEVICE', 'RESPONSE_TIMEOUT']]);
  expect(logOf(6)).toEqual([['TO_DEVICE', 'CONNECTION_CLOSED']]);
  expect(log).toHaveLength(4 * 2 + 3);

  // The last heartbeat names every result: a retry after a crash now would send nothing.
  expect(byDevice(heartbeats.at(-1) as DeviceBatchItemResult[]).size).toBe(9);

  for (const i of [3, 4, 5, 6]) device(i).misbehave({ kind: 'normal' });
});

test('a cancelled batch stops sending: devices not reached get nothing, and what was done is recorded', async () => {
  const slow = fleet.devices.slice(10, 40);
  for (const d of slow) d.misbehave({ kind: 'answer-late', delayMs: 200 });
  const correlationUid = `batch-cancel-${run}`;
  const env = new MockActivityEnvironment();
  let heartbeatCount = 0;
  env.on('heartbeat', () => {
    heartbeatCount += 1;
    // Cancellation reaches an activity through its heartbeat: cancel on the third one (about 150 ms in).
    if (heartbeatCount === 3) env.cancel();
  });
  const started = Date.now();
  const error = await runBatch(env, setLightOn(correlationUid, ids(10, 40), 2)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CancelledFailure);
  // 30 devices two at a time at 200 ms each would take 3 s; the cancel came after about 150 ms.
  expect(Date.now() - started).toBeLessThan(1_500);
  const sentAtCancel = receivedSetLights(10, 40);
  expect(sentAtCancel).toBeGreaterThan(0);
  expect(sentAtCancel).toBeLessThanOrEqual(6);
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(receivedSetLights(10, 40)).toBe(sentAtCancel);
  // Every command that went out is in the log with its answer: nothing done is forgotten.
  const log = await db.prisma.deviceMessageLog.findMany({ where: { correlationUid, direction: 'TO_DEVICE' } });
  expect(log).toHaveLength(sentAtCancel);
  // The cancellation carries the results of the devices reached, for the workflow to record them.
  const done = (error as CancelledFailure).details[0] as DeviceBatchItemResult[];
  expect(done).toHaveLength(sentAtCancel);
  expect(done.every((r) => r.outcome === 'OK')).toBe(true);
  expect(new Set(done.map((r) => r.deviceIdentification))).toEqual(new Set(log.map((l) => l.deviceIdentification)));
  for (const d of slow) d.misbehave({ kind: 'normal' });
});

test('a retried attempt skips the devices of the last heartbeat and returns their earlier results with the new ones', async () => {
  const correlationUid = `batch-retry-${run}`;
  const earlier: DeviceBatchItemResult[] = ids(40, 45).map((deviceIdentification) => ({
    deviceIdentification,
    outcome: 'OK',
    response: { kind: 'setLight' },
    finishedAtMs: Date.now() - 1_000,
  }));
  const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: earlier });
  const { results } = await runBatch(env, setLightOn(correlationUid, ids(40, 50)));

  expect(receivedSetLights(40, 45)).toBe(0);
  expect(receivedSetLights(45, 50)).toBe(5);
  expect(results).toHaveLength(10);
  expect(results.slice(0, 5)).toEqual(earlier);
  expect(results.slice(5).every((r) => r.outcome === 'OK')).toBe(true);
  expect(new Set(results.map((r) => r.deviceIdentification))).toEqual(new Set(ids(40, 50)));
});

test('a batch over more devices than its concurrency keeps at most that many exchanges in flight', async () => {
  const slow = fleet.devices.slice(50, 60);
  for (const d of slow) d.misbehave({ kind: 'answer-late', delayMs: 100 });
  const env = new MockActivityEnvironment();
  const started = Date.now();
  const { results } = await runBatch(env, setLightOn(`batch-concurrency-${run}`, ids(50, 60), 5));
  const elapsed = Date.now() - started;
  expect(results.every((r) => r.outcome === 'OK')).toBe(true);
  // 10 devices, 5 at a time, 100 ms each: two rounds, so at least 200 ms, and well under ten rounds.
  expect(elapsed).toBeGreaterThanOrEqual(190);
  expect(elapsed).toBeLessThan(900);
  const finished = results.map((r) => r.finishedAtMs - started).sort((a, b) => a - b);
  expect(finished[4]).toBeLessThan(finished[5] - 50);
  for (const d of slow) d.misbehave({ kind: 'normal' });
});
