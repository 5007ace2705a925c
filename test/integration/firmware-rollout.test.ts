/**
 * A staged firmware rollout with real parts: 200 simulated OSLP devices over TCP that download the image over
 * HTTP, 5 % of them failing (a failed download, a refused version). Three waves; a wave failing more than the
 * threshold pauses the rollout, which says so on its progress, on getRequest and to the organisation's
 * webhook; it resumes on request and ends with every device's final version in its history.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import type { RolloutProgress } from '../../core/firmware/rollout-model';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(600_000);

const run = Date.now().toString(36);
const manufacturer = `RO${run}`;
const deviceCount = 200;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let city: ReturnType<TestPlatform['client']>;
let webhook: http.Server;
const notifications: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  platform = await startTestPlatform({ deviceRequestOptions: { maxConcurrency: 50 } });
  fleet = await startFleetFor(platform, { count: deviceCount, identificationPrefix: `RO-${run}-`, firmwareRestartMs: 300 });
  const admin = platform.client(platform.adminKey);
  const cityKey = await platform.createOrganisation(`rollout-city-${run}`);
  city = platform.client(cityKey);
  expect(await addFleetToPlatform(city, fleet, { networkAddress: '127.0.0.1' })).toBe(deviceCount);

  expect((await admin.core.addManufacturer({ body: { code: manufacturer, name: 'Rollout Lights' } })).status).toBe(201);
  expect((await admin.core.addDeviceModel({ body: { manufacturer, modelCode: 'SSLD' } })).status).toBe(201);
  const model = await platform.db.prisma.deviceModel.findFirstOrThrow({ where: { modelCode: 'SSLD', manufacturer: { code: manufacturer } } });
  await platform.db.prisma.device.updateMany({ where: { identification: { startsWith: `RO-${run}-` } }, data: { deviceModelId: model.id } });
  const image = Buffer.from(`ROLLOUT FIRMWARE R02 ${run}\n`.repeat(100));
  expect(
    (await admin.core.addFirmware({ body: { identification: `R02-${run}`, version: 'R02', deviceModels: [{ manufacturer, modelCode: 'SSLD' }], file: image.toString('base64') } }))
      .status,
  ).toBe(201);

  webhook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/osgp`;
  expect((await city.core.setNotificationWebhook({ body: { url, secret: 'rollout-webhook-secret' } })).status).toBe(200);
});

afterAll(async () => {
  await fleet?.close();
  await new Promise((resolve) => webhook?.close(resolve));
  await platform?.stop();
});

async function progressOf(correlationUid: string): Promise<RolloutProgress> {
  const answer = await city.core.getFirmwareRollout({ params: { correlationUid } });
  if (answer.status !== 200) throw new Error(`getFirmwareRollout answered ${answer.status}`);
  return answer.body;
}

async function waitForRollout(correlationUid: string, until: (p: RolloutProgress) => boolean, timeoutMs = 300_000): Promise<RolloutProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = await progressOf(correlationUid);
    if (until(progress)) return progress;
    if (Date.now() > deadline) throw new Error(`rollout did not get there: ${JSON.stringify(progress)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('a 200-device rollout in three waves with 5 % failing devices pauses at the threshold, resumes and records every final version', async () => {
  // Waves of 10 %, 30 % and the rest, in identification order: 20, 60 and 120 devices. 10 devices (5 %) fail,
  // 2 in the first wave (10 %, above the 5 % threshold), 2 in the second (3.3 %), 6 in the last.
  const failing = [3, 11, 25, 40, 90, 110, 130, 150, 170, 190];
  const byOrder = [...fleet.devices].sort((a, b) => a.identification.localeCompare(b.identification));
  failing.forEach((n, i) =>
    byOrder[n].firmwareFault(i % 2 === 0 ? { kind: 'fail-download' } : { kind: 'refuse-version', versions: ['R02'] }),
  );

  const started = await city.core.startFirmwareRollout({
    body: {
      firmwareIdentification: `R02-${run}`,
      filter: { deviceIdentificationPrefix: `RO-${run}-` },
      waves: [10, 30, 60],
      failureThresholdPercent: 5,
      // Generous: a wave waits this long only for its failing devices.
      waveTimeoutSeconds: 30,
      pollIntervalSeconds: 1,
      rollbackFailed: false,
    },
  });
  expect(started.status).toBe(202);
  if (started.status !== 202) return;
  const { correlationUid } = started.body;

  const paused = await waitForRollout(correlationUid, (p) => p.state === 'PAUSED');
  expect(paused.pauseReason).toContain('wave 1');
  expect(paused.waves.map((w) => w.size)).toEqual([20, 60, 120]);
  expect(paused.waves[0]).toMatchObject({ state: 'DONE', ok: 18, failed: 2, waiting: 0 });
  expect(paused.waves[1].state).toBe('WAITING');
  // Paused: no device of the later waves was sent anything.
  expect(byOrder.slice(20).every((d) => d.receivedCount('updateFirmwareRequest') === 0)).toBe(true);
  // getRequest shows the same progress, and the webhook heard of the pause.
  const request = await city.requests.getRequest({ params: { correlationUid }, query: {} });
  expect(request.status === 200 && request.body.rollout?.state).toBe('PAUSED');
  await waitUntil(() => notifications.some((n) => n.notificationType === 'REQUEST_PAUSED' && n.correlationUid === correlationUid));

  // Resume (again whenever a wave pauses it) until it ends.
  let final: RolloutProgress;
  for (;;) {
    const resumed = await city.core.resumeFirmwareRollout({ params: { correlationUid } });
    expect(resumed.status).toBe(202);
    final = await waitForRollout(correlationUid, (p) => p.state === 'PAUSED' || p.state === 'COMPLETED');
    if (final.state === 'COMPLETED') break;
  }
  expect(final).toMatchObject({ total: 200, done: 200, ok: 190, failed: 10 });
  expect(final.waves.map((w) => [w.ok, w.failed])).toEqual([
    [18, 2],
    [58, 2],
    [114, 6],
  ]);

  const view = await waitForRequest(city, correlationUid, { timeoutMs: 60_000 });
  expect(view.state).toBe('NOT_OK');
  expect(view.progress).toEqual({ total: 200, done: 200, ok: 190, failed: 10 });

  // Every device was sent the firmware once, and its final version is in its history.
  expect(byOrder.every((d) => d.receivedCount('updateFirmwareRequest') === 1)).toBe(true);
  const histories = await platform.db.prisma.device.findMany({
    where: { identification: { startsWith: `RO-${run}-` } },
    select: { identification: true, firmwareHistory: { orderBy: { id: 'desc' }, take: 1, select: { version: true } } },
  });
  const failingIds = new Set(failing.map((n) => byOrder[n].identification));
  expect(histories).toHaveLength(200);
  for (const device of histories) {
    expect([device.identification, device.firmwareHistory[0]?.version]).toEqual([device.identification, failingIds.has(device.identification) ? 'R01' : 'R02']);
  }
  await waitUntil(() => notifications.some((n) => n.notificationType === 'REQUEST_FINISHED' && n.correlationUid === correlationUid));
});

test('abort ends a paused rollout: the devices not reached get ROLLOUT_ABORTED, failed ones are switched back', async () => {
  const admin = platform.client(platform.adminKey);
  const image = Buffer.from(`ROLLOUT FIRMWARE R03 ${run}\n`.repeat(50));
  expect(
    (await admin.core.addFirmware({ body: { identification: `R03-${run}`, version: 'R03', deviceModels: [{ manufacturer, modelCode: 'SSLD' }], file: image.toString('base64') } }))
      .status,
  ).toBe(201);
  // 20 devices of the fleet; the first (40) failed its download in the first test and still runs R01.
  const byOrder = [...fleet.devices].sort((a, b) => a.identification.localeCompare(b.identification)).slice(40, 60);
  for (const device of byOrder) device.firmwareFault({ kind: 'none' });
  byOrder[0].firmwareFault({ kind: 'refuse-version', versions: ['R03'] });

  const started = await city.core.startFirmwareRollout({
    body: {
      firmwareIdentification: `R03-${run}`,
      deviceIdentifications: byOrder.map((d) => d.identification),
      waves: [10, 90],
      failureThresholdPercent: 20,
      waveTimeoutSeconds: 15,
      pollIntervalSeconds: 1,
    },
  });
  if (started.status !== 202) throw new Error(`startFirmwareRollout answered ${started.status}`);
  const { correlationUid } = started.body;
  const paused = await waitForRollout(correlationUid, (p) => p.state === 'PAUSED');
  expect(paused.waves[0]).toMatchObject({ size: 2, ok: 1, failed: 1 });

  const aborted = await city.core.abortFirmwareRollout({ params: { correlationUid }, body: { rollbackFailed: true } });
  expect(aborted.status).toBe(202);
  const final = await waitForRollout(correlationUid, (p) => p.state === 'ABORTED');
  expect(final).toMatchObject({ total: 20, done: 20, ok: 1, failed: 19, rolledBack: 1 });
  const view = await waitForRequest(city, correlationUid, { timeoutMs: 60_000 });
  expect(view.state).toBe('CANCELLED');
  expect(view.devices.filter((d) => d.errorCode === 'ROLLOUT_ABORTED')).toHaveLength(18);
  // The failed device was switched back to the version it ran before the rollout.
  expect(byOrder[0].receivedCount('switchFirmwareRequest')).toBe(1);
  expect(byOrder[0].state.firmwareVersion).toBe('R01');
  // The devices of the wave that never ran got nothing more than the first test's update.
  expect(byOrder.slice(2).every((d) => d.receivedCount('updateFirmwareRequest') === 1)).toBe(true);
  // A finished rollout can no longer be steered.
  expect((await city.core.resumeFirmwareRollout({ params: { correlationUid } })).status).toBe(409);
});

async function waitUntil(check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
