/**
 * The OSLP simulator adds its devices through the API as a new user would: past the platform's own rate limit
 * (it waits for Retry-After), a second run with another prefix next to the first (uids differ per
 * identification), and a re-run reports the devices already there instead of claiming them.
 */
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { provisionFleet } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
let platform: TestPlatform;
const fleets: OslpSimulatorFleet[] = [];

beforeAll(async () => {
  // A limit the first run is sure to exceed (see below).
  platform = await startTestPlatform({ rateLimit: { perSecond: 4, burst: 4 } });
});

afterAll(async () => {
  await Promise.all(fleets.map((fleet) => fleet.close()));
  await platform?.stop();
});

async function fleet(prefix: string, count: number): Promise<OslpSimulatorFleet> {
  const started = await startFleetFor(platform, {
    count,
    identificationPrefix: prefix,
    firstDeviceNumber: 1,
  });
  fleets.push(started);
  return started;
}

test('runs past the rate limit, side by side with another prefix, and report what they did not add', async () => {
  const client = platform.client(await platform.createOrganisation(`sim-${run}`));

  const first = await fleet(`A-${run}-`, 12);
  // Two devices per call: six calls against a burst of four.
  const firstReport = await provisionFleet(client, first, { batchSize: 2, concurrency: 3 });
  expect(firstReport).toEqual({ added: expect.any(Array), present: [], existing: [], refused: [] });
  expect(firstReport.added.sort()).toEqual(first.devices.map((d) => d.identification).sort());
  expect(await first.registerAll()).toEqual({ registered: 12, failed: [] });

  // Same numbers, another prefix: other uids, so every device is added and registers.
  const second = await fleet(`B-${run}-`, 3);
  expect(await provisionFleet(client, second)).toMatchObject({ added: expect.arrayContaining([`B-${run}-000001`]), present: [], existing: [], refused: [] });
  expect(await second.registerAll()).toEqual({ registered: 3, failed: [] });

  // The first run's devices again: reported as already there, not counted as added.
  const again = await fleet(`A-${run}-`, 2);
  const againReport = await provisionFleet(client, again);
  expect(againReport.added).toEqual([]);
  expect(againReport.existing.map((d) => d.identification).sort()).toEqual([`A-${run}-000001`, `A-${run}-000002`]);
  expect(againReport.existing[0].reason).toMatch(/^DEVICE_EXISTS/);
});
