/**
 * The production topology survives its faults: 2 API processes, 2 core workers and 2 OSLP adapters (each its
 * own `tsx cli/start.ts --role …` process, configured by environment only), on a Temporal cluster with mutual
 * TLS and PostgreSQL persistence, and the platform's own PostgreSQL; simulated OSLP lights over real TCP.
 *
 * Faults, one per test, on the same running topology:
 *   1. an adapter and a core worker SIGKILLed during a group switch (OSGP_CLUSTER_DEVICES devices, default
 *      1,000 to keep CI's time; the issue's 10,000 runs with OSGP_CLUSTER_DEVICES=10000);
 *   2. the Temporal server killed and restarted mid-request;
 *   3. the platform's PostgreSQL stopped for 30 s mid-request and started again;
 *   4. an API process killed while requests are being accepted.
 * Each ends with every device's result recorded exactly once, no request left PENDING or IN_PROGRESS, and
 * every accepted request found and finished; the counts are printed.
 */
import { Client } from '@temporalio/client';
import { issueApiKey } from '../../api/api-keys';
import type { RequestView } from '../../api/client';
import { openDatabase, type Database } from '../../db/client';
import { startOslpSimulatorFleet, type OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform, platformClient, type PlatformClient } from '../../simulators/oslp/provision';
import { publicKeyOf } from '../../adapters/oslp/envelope';
import { startClusterTopology, type ClusterTopology } from '../support/cluster-topology';
import { waitForRequest } from '../support/requests';

const deviceCount = Number(process.env.OSGP_CLUSTER_DEVICES ?? 1_000);
const outageMs = Number(process.env.OSGP_CLUSTER_DB_OUTAGE_MS ?? 30_000);
jest.setTimeout(15 * 60_000);

const run = Date.now().toString(36);
let topology: ClusterTopology;
let fleet: OslpSimulatorFleet;
let db: Database;
let city: PlatformClient;
let cityViaApi2: PlatformClient;
let organisationId: string;

interface Counts {
  devices: number;
  results: number;
  distinctDevices: number;
  ok: number;
  notOk: number;
  /** Error codes of the NOT_OK results, with how many of each. */
  failures: Record<string, number>;
  state: string;
}

/** What the platform's database holds for a request: its state and its device results. */
async function countsOf(correlationUid: string): Promise<Counts> {
  const request = await db.prisma.requestRecord.findUniqueOrThrow({ where: { correlationUid } });
  const rows = await db.prisma.deviceResult.findMany({
    where: { correlationUid },
    select: { deviceIdentification: true, result: true, errorCode: true },
  });
  const failures: Record<string, number> = {};
  for (const row of rows.filter((r) => r.result === 'NOT_OK')) failures[row.errorCode ?? 'none'] = (failures[row.errorCode ?? 'none'] ?? 0) + 1;
  return {
    devices: request.deviceCount,
    results: rows.length,
    distinctDevices: new Set(rows.map((r) => r.deviceIdentification)).size,
    ok: rows.filter((r) => r.result === 'OK').length,
    notOk: rows.filter((r) => r.result === 'NOT_OK').length,
    failures,
    state: request.state,
  };
}

function expectExactlyOnce(label: string, counts: Counts, expectedDevices: number): void {
  console.log(`[cluster] ${label}: ${JSON.stringify(counts)}`);
  expect(counts.devices).toBe(expectedDevices);
  expect(counts.results).toBe(expectedDevices);
  expect(counts.distinctDevices).toBe(expectedDevices);
  expect(['OK', 'NOT_OK']).toContain(counts.state);
}

/** No request of this test's organisation is left unfinished, in the database or in Temporal. */
async function expectNothingStuck(): Promise<void> {
  const unfinished = await db.prisma.requestRecord.count({ where: { organisationId, state: { in: ['PENDING', 'IN_PROGRESS'] } } });
  const connection = await topology.temporal.connect();
  try {
    const client = new Client({ connection, namespace: topology.temporal.namespace });
    // SQL visibility with the platform's search attributes: the organisation's workflows still running.
    const running = await client.workflow.count(`OsgpOrganisation = '${`cluster-city-${run}`}' AND ExecutionStatus = 'Running'`);
    console.log(`[cluster] unfinished requests in the database: ${unfinished}; running workflows of the organisation: ${running.count}`);
    expect(unfinished).toBe(0);
    expect(running.count).toBe(0);
  } finally {
    await connection.close();
  }
}

async function setLight(client: PlatformClient, body: { deviceIdentifications?: string[]; groupIdentification?: string }, dimValue: number, key?: string) {
  const accepted = await client.publicLighting.setLight({
    body: { ...body, lightValues: [{ index: 0, on: true, dimValue }] },
    headers: key ? { 'idempotency-key': key } : {},
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  return accepted.body.correlationUid;
}

const waitLong = (client: PlatformClient, correlationUid: string, until?: (v: RequestView) => boolean) =>
  waitForRequest(client, correlationUid, { timeoutMs: 10 * 60_000, intervalMs: 500, ...(until ? { until } : {}) });

beforeAll(async () => {
  const started = Date.now();
  topology = await startClusterTopology({
    processes: {
      'worker-1': 'worker',
      'worker-2': 'worker',
      'adapter-1': 'adapter-oslp',
      'adapter-2': 'adapter-oslp',
      'api-1': 'api',
      'api-2': 'api',
    },
    env: { DEVICE_REQUEST_MAX_CONCURRENCY: '100', DEVICE_COMMAND_MAX_ATTEMPTS: '6' },
  });
  db = await openDatabase({ url: topology.databaseUrl, embeddedDir: '' });
  const organisation = await db.prisma.organisation.create({
    data: { identification: `cluster-city-${run}`, name: `cluster-city-${run}`, platformFunctionGroup: 'USER' },
  });
  organisationId = organisation.id;
  const key = await issueApiKey(db.prisma, organisation.id, 'cluster test');
  city = platformClient(topology.byName('api-1').baseUrl!, key);
  cityViaApi2 = platformClient(topology.byName('api-2').baseUrl!, key);
  fleet = await startOslpSimulatorFleet({
    count: deviceCount,
    identificationPrefix: `CL-${run}-`,
    platformPublicKey: publicKeyOf(topology.platformKey.privateKey),
  });
  // Slow enough answers that every fault finds commands in flight.
  for (const device of fleet.devices) device.misbehave({ kind: 'answer-late', delayMs: 100 });
  expect(await addFleetToPlatform(city, fleet, { networkAddress: '127.0.0.1', concurrency: 50 })).toBe(deviceCount);
  console.log(
    `[cluster] Temporal cluster (mutual TLS, PostgreSQL) + 2 API, 2 core workers, 2 OSLP adapters and ${deviceCount} devices ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}, 15 * 60_000);

afterAll(async () => {
  await fleet?.close();
  await db?.close();
  await topology?.stop();
});

const ids = () => fleet.devices.map((d) => d.identification);

test(`an adapter and a core worker SIGKILLed during a ${deviceCount}-device group switch`, async () => {
  const created = await city.core.createDeviceGroup({ body: { groupIdentification: 'cluster-city', kind: 'STATIC' } });
  expect(created.status).toBe(201);
  for (let i = 0; i < deviceCount; i += 1_000) {
    const added = await city.core.addDeviceGroupMembers({
      params: { groupIdentification: 'cluster-city' },
      body: { deviceIdentifications: ids().slice(i, i + 1_000) },
    });
    expect(added.status).toBe(200);
  }
  // Slower answers for this one: the kills must find most commands not yet answered.
  for (const device of fleet.devices) device.misbehave({ kind: 'answer-late', delayMs: 400 });
  const reached = () => fleet.devices.filter((d) => d.receivedCount('setLightRequest') > 0).length;
  const started = Date.now();
  const correlationUid = await setLight(city, { groupIdentification: 'cluster-city' }, 61);
  // Kill once a tenth of the devices have received their command (the batches are then in flight).
  while (reached() < deviceCount / 10) await new Promise((resolve) => setTimeout(resolve, 50));
  await Promise.all([topology.byName('adapter-1').kill(), topology.byName('worker-1').kill()]);
  const atKill = await countsOf(correlationUid);
  console.log(`[cluster] killed adapter-1 and worker-1 (SIGKILL) with ${reached()} devices reached and ${atKill.results}/${deviceCount} results recorded`);
  expect(atKill.results).toBeLessThan(deviceCount);

  const view = await waitLong(city, correlationUid);
  console.log(`[cluster] group switch of ${deviceCount} devices finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(view.progress)}`);
  expectExactlyOnce('group switch', await countsOf(correlationUid), deviceCount);
  expect(view.progress).toEqual({ total: deviceCount, done: deviceCount, ok: deviceCount, failed: 0 });
  expect(fleet.devices.every((d) => d.state.lights.every((l) => l.on && l.dimValue === 61))).toBe(true);
  for (const device of fleet.devices) device.misbehave({ kind: 'answer-late', delayMs: 100 });
  // Back to full strength for the next faults.
  await Promise.all([topology.byName('adapter-1').restart(), topology.byName('worker-1').restart()]);
});

test('the Temporal server restarted mid-request', async () => {
  const devices = ids().slice(0, Math.min(300, deviceCount));
  const correlationUid = await setLight(city, { deviceIdentifications: devices }, 62);
  const midway = await waitLong(city, correlationUid, (v) => v.progress.done >= 20);
  const restarted = Date.now();
  await topology.temporal.restart();
  console.log(`[cluster] Temporal server killed and serving again in ${((Date.now() - restarted) / 1000).toFixed(1)} s (${midway.progress.done}/${devices.length} done at the kill)`);
  const view = await waitLong(city, correlationUid);
  expectExactlyOnce('Temporal restart', await countsOf(correlationUid), devices.length);
  expect(view.progress).toEqual({ total: devices.length, done: devices.length, ok: devices.length, failed: 0 });
});

test(`the platform's PostgreSQL stopped for ${outageMs / 1000} s mid-request and started again`, async () => {
  const devices = ids().slice(0, Math.min(300, deviceCount));
  const correlationUid = await setLight(city, { deviceIdentifications: devices }, 63);
  const midway = await waitLong(city, correlationUid, (v) => v.progress.done >= 20);
  await db.close();
  await topology.postgres.pause();
  console.log(`[cluster] platform PostgreSQL stopped with ${midway.progress.done}/${devices.length} done`);
  // The outage itself: this long, whatever the platform does meanwhile.
  await new Promise((resolve) => setTimeout(resolve, outageMs));
  await topology.postgres.resume();
  db = await openDatabase({ url: topology.databaseUrl, embeddedDir: '' });
  console.log('[cluster] platform PostgreSQL started again');
  const view = await waitLong(city, correlationUid);
  const counts = await countsOf(correlationUid);
  expectExactlyOnce('PostgreSQL outage', counts, devices.length);
  expect(view.progress).toMatchObject({ total: devices.length, done: devices.length });
  // A command whose attempts all fell in the outage may end NOT_OK (seen once in a 10,000-device run): that is a
  // recorded, visible failure with its code, not a loss. Most devices must have been switched.
  expect(counts.failures.none).toBeUndefined();
  expect(counts.ok).toBeGreaterThan(devices.length * 0.9);
});

test('an API process killed while requests are being accepted', async () => {
  const requestCount = 40;
  const perRequest = Math.min(10, deviceCount);
  const accepted = new Map<string, { correlationUid: string; devices: string[] }>();
  const retriedOnOtherApi: string[] = [];
  let killed = false;
  const submit = async (i: number) => {
    const key = `cluster-api-kill-${run}-${i}`;
    const devices = ids().slice((i * perRequest) % deviceCount, ((i * perRequest) % deviceCount) + perRequest);
    const first = i % 2 === 0 ? city : cityViaApi2;
    try {
      accepted.set(key, { correlationUid: await setLight(first, { deviceIdentifications: devices }, 64, key), devices });
    } catch {
      // The API died under this call (connection reset): the caller repeats it, with the same key, elsewhere.
      retriedOnOtherApi.push(key);
      accepted.set(key, { correlationUid: await setLight(cityViaApi2, { deviceIdentifications: devices }, 64, key), devices });
    }
  };
  const submissions: Array<Promise<void>> = [];
  for (let i = 0; i < requestCount; i++) {
    submissions.push(submit(i));
    if (i === requestCount / 2 && !killed) {
      killed = true;
      await topology.byName('api-1').kill();
      console.log(`[cluster] killed api-1 (SIGKILL) after ${i} submissions`);
      city = cityViaApi2;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await Promise.all(submissions);
  expect(accepted.size).toBe(requestCount);
  const uids = new Set([...accepted.values()].map((a) => a.correlationUid));
  // A repeat with the same key is the same request, never a second one.
  expect(uids.size).toBe(requestCount);
  let results = 0;
  for (const { correlationUid, devices } of accepted.values()) {
    await waitLong(cityViaApi2, correlationUid);
    const counts = await countsOf(correlationUid);
    expect(counts.results).toBe(devices.length);
    expect(counts.distinctDevices).toBe(devices.length);
    results += counts.results;
  }
  console.log(
    `[cluster] API kill: ${accepted.size} requests accepted (${retriedOnOtherApi.length} repeated on api-2 after api-1 died), ${results} device results, each device once per request`,
  );
  await topology.byName('api-1').restart();
});

test('nothing is left unfinished, and no process died but those killed', async () => {
  await expectNothingStuck();
  expect(topology.unexpectedExits).toEqual([]);
});
