/**
 * A platform kill during a rollout's wave loses nothing: the process running the core worker and the OSLP
 * adapter is killed (SIGKILL) while the first wave waits for its devices to report the new version, and
 * started again. The rollout continues where it was (Temporal), ends with every device updated, and no
 * device was sent the firmware twice.
 */
import type { ChildProcess } from 'node:child_process';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import type { RolloutProgress } from '../../core/firmware/rollout-model';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';
import { killProcessGroup, startWorkerProcess } from '../support/worker-process';

jest.setTimeout(300_000);

const run = Date.now().toString(36);
const manufacturer = `CRF${run}`;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let city: ReturnType<TestPlatform['client']>;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false, deviceRequestOptions: { maxConcurrency: 10, maxAttempts: 5 } });
  // Devices restart for 5 s after installing: the kill finds the wave waiting for them.
  fleet = await startFleetFor(platform, { count: 30, identificationPrefix: `CRF-${run}-`, firmwareRestartMs: 5_000 });
  city = platform.client(await platform.createOrganisation(`crash-rollout-${run}`));
  expect(await addFleetToPlatform(city, fleet, { networkAddress: '127.0.0.1' })).toBe(30);
  const admin = platform.client(platform.adminKey);
  expect((await admin.core.addManufacturer({ body: { code: manufacturer, name: 'Crash Lights' } })).status).toBe(201);
  expect((await admin.core.addDeviceModel({ body: { manufacturer, modelCode: 'SSLD' } })).status).toBe(201);
  const model = await platform.db.prisma.deviceModel.findFirstOrThrow({ where: { modelCode: 'SSLD', manufacturer: { code: manufacturer } } });
  await platform.db.prisma.device.updateMany({ where: { identification: { startsWith: `CRF-${run}-` } }, data: { deviceModelId: model.id } });
  const image = Buffer.from(`CRASH FIRMWARE R02 ${run}\n`.repeat(100));
  expect(
    (await admin.core.addFirmware({ body: { identification: `R02-${run}`, version: 'R02', deviceModels: [{ manufacturer, modelCode: 'SSLD' }], file: image.toString('base64') } }))
      .status,
  ).toBe(201);
});

afterAll(async () => {
  if (worker) await killProcessGroup(worker);
  await fleet?.close();
  await platform?.stop();
});

test('a platform killed while a wave waits for its devices loses nothing and updates no device twice', async () => {
  worker = await startWorkerProcess(platform.childEnv);
  const started = await city.core.startFirmwareRollout({
    body: {
      firmwareIdentification: `R02-${run}`,
      filter: { deviceIdentificationPrefix: `CRF-${run}-` },
      waves: [50, 50],
      failureThresholdPercent: 50,
      waveTimeoutSeconds: 120,
      pollIntervalSeconds: 1,
    },
  });
  if (started.status !== 202) throw new Error(`startFirmwareRollout answered ${started.status}`);
  const { correlationUid } = started.body;

  // Kill once the first wave has sent its updates and waits for the versions.
  for (;;) {
    const answer = await city.core.getFirmwareRollout({ params: { correlationUid } });
    const progress = answer.status === 200 ? (answer.body as RolloutProgress) : undefined;
    if (progress?.waves[0]?.state === 'VERIFYING') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await killProcessGroup(worker);
  const sentAtKill = fleet.devices.filter((d) => d.receivedCount('updateFirmwareRequest') > 0).length;
  expect(sentAtKill).toBe(15);

  worker = await startWorkerProcess(platform.childEnv);
  const view = await waitForRequest(city, correlationUid, { timeoutMs: 240_000 });
  expect(view.state).toBe('OK');
  expect(view.progress).toEqual({ total: 30, done: 30, ok: 30, failed: 0 });
  for (const device of fleet.devices) {
    expect([device.identification, device.receivedCount('updateFirmwareRequest'), device.state.firmwareVersion]).toEqual([device.identification, 1, 'R02']);
  }
});
