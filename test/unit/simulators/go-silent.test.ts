// A simulated OSLP device told to go silent stops answering (the connection closes unanswered, or hangs until
// the platform's answer timeout) and stops calling in; resumed, it answers again with its state as it was.
import { OslpClient } from '../../../adapters/oslp/client';
import { generateKeyPair, publicKeyOf } from '../../../adapters/oslp/envelope';
import { OslpTransportError } from '../../../adapters/oslp/errors';
import { startOslpSimulatorFleet, type OslpSimulatorFleet } from '../../../simulators/oslp/fleet';

const platformKey = generateKeyPair();
let fleet: OslpSimulatorFleet;

beforeAll(async () => {
  fleet = await startOslpSimulatorFleet({
    count: 2,
    platformPublicKey: publicKeyOf(platformKey.privateKey),
    // register() would go here; a silent device must not even try.
    platform: { host: '127.0.0.1', port: 1 },
    identificationPrefix: 'QUIET-',
  });
});

afterAll(async () => {
  await fleet?.close();
});

const client = new OslpClient({ platformPrivateKey: platformKey.privateKey, connectTimeoutMs: 5_000, responseTimeoutMs: 300 });

function getStatus(index: number, sequenceNumber: number) {
  const device = fleet.devices[index]!;
  return client.request(
    { host: fleet.host, port: fleet.port, deviceUid: device.deviceUid, publicKey: device.publicKey, sequenceNumber },
    { getStatusRequest: {} },
  );
}

test('a silent device drops requests unanswered, sends nothing, and answers again once resumed; the others are not affected', async () => {
  const first = await getStatus(0, 10);
  expect(first.response.getStatusResponse?.status).toBe('OK');

  fleet.goSilent(['QUIET-000001']);
  expect(fleet.devices[0]!.silent).toBe(true);
  await expect(getStatus(0, first.sequenceNumber)).rejects.toBeInstanceOf(OslpTransportError);
  await expect(fleet.devices[0]!.register()).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  expect((await getStatus(1, 10)).response.getStatusResponse?.status).toBe('OK');

  fleet.resume(['QUIET-000001']);
  expect((await getStatus(0, first.sequenceNumber)).response.getStatusResponse?.status).toBe('OK');
  expect(fleet.devices[0]!.received.map((r) => r.outcome)).toEqual(['answered', 'ignored', 'answered']);
});

test("'hang' keeps the connection open without an answer until the platform gives up", async () => {
  fleet.goSilent(['QUIET-000002'], 'hang');
  await expect(getStatus(1, 30)).rejects.toMatchObject({ code: 'RESPONSE_TIMEOUT' });
  fleet.resume(['QUIET-000002']);
});

test('an unknown device cannot be silenced', () => {
  expect(() => fleet.goSilent(['NOPE'])).toThrow(/NOPE/);
});
