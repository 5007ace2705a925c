/**
 * A device command that fails is one warning line in the log: the adapter's own, which names the device, the
 * request and the code. The Temporal SDK logged the same failure again at WARN ("Activity failed"), so every
 * such warning was written twice; failures the activity has logged itself are now marked benign, which the
 * SDK logs at DEBUG only.
 */
import { randomInt } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { OslpClient } from '../../adapters/oslp/client';
import { generateKeyPair, publicKeyOf } from '../../adapters/oslp/envelope';
import { createOslpActivities } from '../../activities/oslp/device-command';
import { createLogger } from '../../common/logger';
import { freePort } from '../../common/free-port';
import { openDatabase, type Database } from '../../db/client';
import { startOslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { fleetEntries } from '../../simulators/oslp/provision';
import { seedRegisteredDevices } from '../../bench/seed-devices';
import { requireTestServers } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
const platformKey = generateKeyPair().privateKey;
let db: Database;

beforeAll(async () => {
  db = await openDatabase({ url: requireTestServers().databaseUrl, embeddedDir: '' });
});
afterAll(async () => {
  await db?.close();
});

test('a failed device command is logged as a warning once', async () => {
  const fleet = await startOslpSimulatorFleet({ count: 1, platformPublicKey: publicKeyOf(platformKey), identificationPrefix: `WARN-${run}-`, firstDeviceNumber: randomInt(1, 1e9) });
  const [entry] = fleetEntries(fleet);
  await fleet.close();
  const owner = await db.prisma.organisation.create({ data: { identification: `warn-${run}`, name: 'warn', platformFunctionGroup: 'USER' } });
  // Nobody listens on this port: the command fails with a transient connection error.
  await seedRegisteredDevices(db.prisma, owner.id, [{ ...entry, port: await freePort() }]);

  const lines: string[] = [];
  const sdkEntries: LogEntry[] = [];
  const activities = createOslpActivities({
    prisma: db.prisma,
    client: new OslpClient({ platformPrivateKey: platformKey, connectTimeoutMs: 1_000, responseTimeoutMs: 500 }),
    logger: createLogger({}, 'debug', (line) => lines.push(line)),
  });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('DEBUG', (e) => sdkEntries.push(e)) });
  await expect(
    env.run(activities.executeDeviceCommand, {
      correlationUid: `warn-${run}`,
      deviceIdentification: entry.identification,
      command: { kind: 'getStatus' as const },
    }),
  ).rejects.toThrow();

  const warnings = [
    ...lines.map((line) => JSON.parse(line) as { level: string; message: string }).filter((l) => l.level === 'warn').map((l) => l.message),
    ...sdkEntries.filter((e) => e.level === 'WARN').map((e) => e.message),
  ];
  expect(warnings).toEqual(['device command failed']);
});
