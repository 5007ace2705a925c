/**
 * Reproducers of the OSLP listener defects fuzzing found (issue 10, defects 7-11), against the platform's
 * real listener and handler, PostgreSQL and TCP: replays of signed frames, registrations with values the
 * database cannot hold or addresses nobody can connect to, and frames whose signature fails.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { generateKeyPair, publicKeyOf, publicKeyToPem, type OslpKeyPair } from '../../adapters/oslp/envelope';
import type { OslpMessage, RegisterDeviceRequest } from '../../adapters/oslp/messages';
import { answerTo, exchangeRaw, signedFrame, withOtherPadding, withOtherSignature } from '../support/oslp-frames';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
let platform: TestPlatform;
let devices = 0;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.stop();
});

interface TestDevice {
  identification: string;
  uid: Buffer;
  keys: OslpKeyPair;
  frame(sequenceNumber: number, message: OslpMessage | Buffer): Buffer;
  send(frame: Buffer): Promise<OslpMessage | null>;
}

async function addDevice(): Promise<TestDevice> {
  devices += 1;
  const identification = `REPLAY-${run}-${devices}`;
  const uid = randomBytes(12);
  const keys = generateKeyPair();
  const added = await platform.client(platform.adminKey).core.addDevice({
    body: { deviceIdentification: identification, protocol: 'OSLP', deviceUid: uid.toString('base64'), publicKey: publicKeyToPem(keys.publicKey), port: 12999 },
  });
  expect(added.status).toBe(201);
  const platformPublicKey = publicKeyOf(platform.platformKey.privateKey);
  return {
    identification,
    uid,
    keys,
    frame: (sequenceNumber, message) => signedFrame(uid, keys.privateKey, sequenceNumber, message),
    send: (frame) => answerTo(platform.listenerPort, frame, platformPublicKey),
  };
}

const registration = (device: TestDevice, randomDevice: number, ipAddress = Buffer.from([127, 0, 0, 1])): OslpMessage => ({
  registerDeviceRequest: {
    deviceIdentification: device.identification,
    ipAddress,
    deviceType: 'SSLD',
    hasSchedule: false,
    randomDevice,
  } satisfies RegisterDeviceRequest,
});

/** Registers and confirms; returns the confirmed sequence number. */
async function register(device: TestDevice, sequenceNumber: number, randomDevice: number): Promise<number> {
  const answer = await device.send(device.frame(sequenceNumber, registration(device, randomDevice)));
  expect(answer?.registerDeviceResponse?.status).toBe('OK');
  const randomPlatform = answer?.registerDeviceResponse?.randomPlatform ?? -1;
  const confirmed = await device.send(device.frame(sequenceNumber + 1, { confirmRegisterDeviceRequest: { randomDevice, randomPlatform } }));
  expect(confirmed?.confirmRegisterDeviceResponse?.status).toBe('OK');
  return sequenceNumber + 1;
}

const event = (description: string): OslpMessage => ({
  eventNotificationRequest: { notifications: [{ event: 'DIAG_EVENTS_GENERAL', description, timestamp: '20261205120000' }] },
});
const eventStatus = (answer: OslpMessage | null) => answer?.eventNotificationResponse?.status;
const storedEvents = (device: TestDevice) => platform.db.prisma.deviceEvent.count({ where: { deviceIdentification: device.identification } });
const stored = (device: TestDevice) => platform.db.prisma.device.findUniqueOrThrow({ where: { identification: device.identification } });

describe('a signed EventNotification', () => {
  test('is accepted once: the same frame, its other ECDSA signature or other padding again are refused', async () => {
    const device = await addDevice();
    const confirmed = await register(device, 1000, 11);
    const frame = device.frame(confirmed + 1, event('first'));
    expect(eventStatus(await device.send(frame))).toBe('OK');
    expect(eventStatus(await device.send(frame))).toBe('REJECTED');
    expect(eventStatus(await device.send(withOtherSignature(frame)))).toBe('REJECTED');
    expect(eventStatus(await device.send(withOtherPadding(frame)))).toBe('REJECTED');
    expect(await storedEvents(device)).toBe(1);
  });

  test('older than the last accepted is refused, within the window too', async () => {
    const device = await addDevice();
    const confirmed = await register(device, 2000, 12);
    const older = device.frame(confirmed + 1, event('older'));
    expect(eventStatus(await device.send(device.frame(confirmed + 3, event('newer'))))).toBe('OK');
    expect(eventStatus(await device.send(older))).toBe('REJECTED');
    expect(await storedEvents(device)).toBe(1);
    expect((await stored(device)).sequenceNumber).toBe(confirmed + 3);
  });

  test('sent many times at once is accepted by exactly one', async () => {
    const device = await addDevice();
    const confirmed = await register(device, 3000, 13);
    const frame = device.frame(confirmed + 1, event('concurrent'));
    const statuses = await Promise.all(Array.from({ length: 8 }, () => device.send(frame).then(eventStatus)));
    expect(statuses.filter((status) => status === 'OK')).toHaveLength(1);
    expect(await storedEvents(device)).toBe(1);
  });
});

describe('RegisterDevice', () => {
  test('an older registration frame sent again is refused, and the newer registration stays', async () => {
    const device = await addDevice();
    const older = device.frame(4000, registration(device, 21));
    const olderAnswer = await device.send(older);
    expect(olderAnswer?.registerDeviceResponse?.status).toBe('OK');
    await register(device, 5000, 22);
    const before = await stored(device);
    expect((await device.send(older))?.registerDeviceResponse?.status).toBe('REJECTED');
    const after = await stored(device);
    expect({ randomDevice: after.randomDevice, pending: after.pendingRegistrationSequenceNumber, sequenceNumber: after.sequenceNumber }).toEqual({
      randomDevice: before.randomDevice,
      pending: before.pendingRegistrationSequenceNumber,
      sequenceNumber: before.sequenceNumber,
    });
  });

  test('with randomDevice outside 0-65535 is answered REJECTED and stores nothing', async () => {
    const device = await addDevice();
    for (const randomDevice of [65536, 2 ** 31, 2 ** 32 - 1]) {
      const answer = await device.send(device.frame(randomInt(0, 65536), registration(device, randomDevice)));
      expect(answer?.registerDeviceResponse?.status).toBe('REJECTED');
    }
    expect(await stored(device)).toMatchObject({ randomDevice: null, pendingRegistrationSequenceNumber: null });
  });

  test.each([
    ['0.0.0.0', Buffer.from([0, 0, 0, 0])],
    ['an empty IP', Buffer.alloc(0)],
  ])('with %s stores the IP it connected from, without its source port, and keeps the device port', async (_name, ipAddress) => {
    const device = await addDevice();
    const answer = await device.send(device.frame(6000, registration(device, 31, ipAddress)));
    expect(answer?.registerDeviceResponse?.status).toBe('OK');
    expect(await stored(device)).toMatchObject({ networkAddress: '127.0.0.1', port: 12999 });
  });
});

describe('frames whose signature fails', () => {
  async function refusedBadSignatures(): Promise<number> {
    const metrics = await (await fetch(`${platform.baseUrl}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('osgp_oslp_frames_refused_total{code="BAD_SIGNATURE"}'));
    return line ? Number(line.split(' ')[1]) : 0;
  }

  test('are counted, not answered, and write no message-log row', async () => {
    const device = await addDevice();
    const confirmed = await register(device, 7000, 41);
    const logRows = () => platform.db.prisma.deviceMessageLog.count({ where: { deviceIdentification: device.identification } });
    const rowsBefore = await logRows();
    const countedBefore = await refusedBadSignatures();
    const stranger = generateKeyPair();
    const forged = Array.from({ length: 25 }, (_, i) => signedFrame(device.uid, stranger.privateKey, confirmed + 1 + i, event('forged')));
    for (const frame of forged) expect((await exchangeRaw(platform.listenerPort, frame)).length).toBe(0);
    expect(await refusedBadSignatures()).toBe(countedBefore + forged.length);
    expect(await logRows()).toBe(rowsBefore);
    expect(await storedEvents(device)).toBe(0);
  });
});
