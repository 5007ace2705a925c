import type { KeyObject } from 'node:crypto';
import {
  buildDeviceUid,
  decodeEnvelope,
  encodeEnvelope,
  generateKeyPair,
  verifyEnvelope,
  MAX_PAYLOAD_LENGTH,
} from '../../../adapters/oslp/envelope';
import { sendRequest } from '../../../adapters/oslp/framing';
import {
  startOslpListener,
  type OslpInboundContext,
  type OslpInboundReply,
  type OslpListener,
  type OslpListenerHandler,
  type OslpRejection,
} from '../../../adapters/oslp/listener';
import { decodeMessage, encodeMessage, type OslpMessage } from '../../../adapters/oslp/messages';
import {
  checkDeviceInitiatedSequenceNumber,
  handleConfirmRegisterDevice,
  handleRegisterDevice,
  UNREGISTERED_DEVICE_STATE,
  type OslpDeviceSequenceState,
} from '../../../adapters/oslp/registration';
import { randomUint16 } from '../../../adapters/oslp/sequence';
import { startOslpSimulatorFleet, type OslpSimulatorFleet } from '../../../simulators/oslp/fleet';
import { rawExchange, rejectionCode } from './helpers';

const platformKeys = generateKeyPair();
const deviceKeys = generateKeyPair();
const strangerKeys = generateKeyPair();
const deviceUid = buildDeviceUid(0x0001, 1);
const unknownUid = buildDeviceUid(0x0001, 999);

/** A minimal platform: devices and their sequence state in memory, the pure registration rules on top. */
class InMemoryPlatform implements OslpListenerHandler {
  readonly devices = new Map<string, { deviceIdentification: string; publicKey: KeyObject; state: OslpDeviceSequenceState }>();
  readonly rejections: OslpRejection[] = [];
  readonly events: OslpMessage[] = [];
  failNext = false;

  add(uid: Buffer, deviceIdentification: string, publicKey: KeyObject): void {
    this.devices.set(uid.toString('hex'), { deviceIdentification, publicKey, state: UNREGISTERED_DEVICE_STATE });
  }

  findDevice(uid: Buffer) {
    return this.devices.get(uid.toString('hex')) ?? null;
  }

  handle(context: OslpInboundContext, message: OslpMessage): OslpInboundReply | null {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('storage down');
    }
    const device = this.devices.get(context.deviceUid.toString('hex'));
    if (!device) return null;
    if (message.registerDeviceRequest) {
      const outcome = handleRegisterDevice(device.state, context.sequenceNumber, message.registerDeviceRequest, {
        randomPlatform: randomUint16(),
        now: new Date(),
      });
      device.state = outcome.state;
      return { message: { registerDeviceResponse: outcome.response }, sequenceNumber: outcome.sequenceNumber };
    }
    if (message.confirmRegisterDeviceRequest) {
      const outcome = handleConfirmRegisterDevice(device.state, context.sequenceNumber, message.confirmRegisterDeviceRequest);
      device.state = outcome.state;
      return { message: { confirmRegisterDeviceResponse: outcome.response }, sequenceNumber: outcome.sequenceNumber };
    }
    if (message.eventNotificationRequest) {
      const check = checkDeviceInitiatedSequenceNumber(device.state, context.sequenceNumber);
      device.state = check.state;
      if (check.accepted) this.events.push(message);
      return { message: { eventNotificationResponse: { status: check.accepted ? 'OK' : 'REJECTED' } } };
    }
    return null;
  }

  onRejected(rejection: OslpRejection): void {
    this.rejections.push(rejection);
  }
}

function signedFrame(message: OslpMessage | Buffer, sequenceNumber: number, options: { key?: KeyObject; uid?: Buffer } = {}): Buffer {
  const payload = Buffer.isBuffer(message) ? message : encodeMessage(message);
  return encodeEnvelope({ sequenceNumber, deviceUid: options.uid ?? deviceUid, payload }, options.key ?? deviceKeys.privateKey);
}

describe('OSLP listener over TCP', () => {
  let platform: InMemoryPlatform;
  let listener: OslpListener;

  beforeEach(async () => {
    platform = new InMemoryPlatform();
    platform.add(deviceUid, 'DEV-1', deviceKeys.publicKey);
    listener = await startOslpListener({
      host: '127.0.0.1',
      port: 0,
      platformPrivateKey: platformKeys.privateKey,
      handler: platform,
      readTimeoutMs: 300,
    });
  });
  afterEach(async () => {
    await listener.close();
  });

  const send = (frame: Buffer) =>
    sendRequest({ host: '127.0.0.1', port: listener.port, frame, connectTimeoutMs: 1000, responseTimeoutMs: 2000 });

  /** Sends a frame and returns the verified, decoded answer and its sequence number. */
  async function exchange(frame: Buffer): Promise<{ message: OslpMessage; sequenceNumber: number }> {
    const envelope = decodeEnvelope(await send(frame));
    expect(verifyEnvelope(envelope, platformKeys.publicKey)).toBe(true);
    expect(envelope.deviceUid.equals(deviceUid)).toBe(true);
    return { message: decodeMessage(envelope.payload), sequenceNumber: envelope.sequenceNumber };
  }

  async function registerAndConfirm(): Promise<void> {
    const randomDevice = 4242;
    const registered = await exchange(
      signedFrame(
        { registerDeviceRequest: { deviceIdentification: 'DEV-1', ipAddress: Buffer.from([127, 0, 0, 1]), deviceType: 'SSLD', hasSchedule: false, randomDevice } },
        65535,
      ),
    );
    expect(registered.sequenceNumber).toBe(65535);
    const response = registered.message.registerDeviceResponse;
    expect(response).toMatchObject({ status: 'OK', randomDevice });
    expect(response?.currentTime).toMatch(/^\d{14}$/);

    const confirmed = await exchange(
      signedFrame({ confirmRegisterDeviceRequest: { randomDevice, randomPlatform: response?.randomPlatform ?? -1 } }, 0),
    );
    expect(confirmed.sequenceNumber).toBe(0);
    expect(confirmed.message.confirmRegisterDeviceResponse).toMatchObject({ status: 'OK', randomDevice, sequenceWindow: 6 });
    expect(platform.findDevice(deviceUid)?.state.sequenceNumber).toBe(0);
  }

  it('registers a device in two steps, answering signed with the platform key', async () => {
    await registerAndConfirm();
    expect(platform.rejections).toEqual([]);
  });

  it('drops bad frames without answer, reports why, and keeps serving', async () => {
    const oversizedHeader = Buffer.alloc(144);
    oversizedHeader.writeUInt16BE(MAX_PAYLOAD_LENGTH + 1, 142);
    const truncatedFrame = signedFrame({ getStatusRequest: {} }, 1).subarray(0, 100);

    // Each bad frame gets no answer: the connection is closed with nothing written.
    expect((await rawExchange(listener.port, Buffer.from('GET / HTTP/1.0\r\n\r\n'), true)).length).toBe(0); // garbage, cut short
    expect((await rawExchange(listener.port, truncatedFrame, true)).length).toBe(0);
    expect((await rawExchange(listener.port, truncatedFrame, false)).length).toBe(0); // stalls: read timeout
    expect((await rawExchange(listener.port, oversizedHeader, false)).length).toBe(0);
    expect(await rejectionCode(send(signedFrame({ getStatusRequest: {} }, 1, { uid: unknownUid })))).toBe('CONNECTION_CLOSED');
    expect(await rejectionCode(send(signedFrame({ getStatusRequest: {} }, 1, { key: strangerKeys.privateKey })))).toBe(
      'CONNECTION_CLOSED',
    );
    expect(await rejectionCode(send(signedFrame(Buffer.from([0xff, 0xff, 0xff]), 1)))).toBe('CONNECTION_CLOSED');
    // Field 27 (getPowerUsageHistoryRequest): an OSLP kind this adapter does not declare.
    expect(await rejectionCode(send(signedFrame(Buffer.from([0xda, 0x01, 0x00]), 1)))).toBe('CONNECTION_CLOSED');

    expect(platform.rejections.map((rejection) => rejection.code)).toEqual([
      'TRUNCATED',
      'TRUNCATED',
      'READ_TIMEOUT',
      'OVERSIZED',
      'UNKNOWN_DEVICE',
      'BAD_SIGNATURE',
      'MALFORMED',
      'UNSUPPORTED_MESSAGE',
    ]);
    expect(platform.rejections[5]).toMatchObject({ deviceIdentification: 'DEV-1' });

    await registerAndConfirm();
  });

  it('survives a failing handler', async () => {
    platform.failNext = true;
    expect(await rejectionCode(send(signedFrame({ getStatusRequest: {} }, 1)))).toBe('CONNECTION_CLOSED');
    expect(platform.rejections).toMatchObject([{ code: 'HANDLER_FAILED', message: 'storage down' }]);
    await registerAndConfirm();
  });

  it('refuses a replayed registration frame', async () => {
    const frame = signedFrame(
      { registerDeviceRequest: { deviceIdentification: 'DEV-1', ipAddress: Buffer.from([127, 0, 0, 1]), deviceType: 'SSLD', hasSchedule: false, randomDevice: 7 } },
      100,
    );
    expect((await exchange(frame)).message.registerDeviceResponse?.status).toBe('OK');
    expect((await exchange(frame)).message.registerDeviceResponse?.status).toBe('REJECTED');
  });
});

describe('simulated devices against the listener', () => {
  let platform: InMemoryPlatform;
  let listener: OslpListener;
  let fleet: OslpSimulatorFleet;

  beforeAll(async () => {
    platform = new InMemoryPlatform();
    listener = await startOslpListener({ host: '127.0.0.1', port: 0, platformPrivateKey: platformKeys.privateKey, handler: platform });
    fleet = await startOslpSimulatorFleet({
      count: 5,
      platformPublicKey: platformKeys.publicKey,
      platform: { host: '127.0.0.1', port: listener.port },
    });
    for (const device of fleet.devices) platform.add(device.deviceUid, device.identification, device.publicKey);
  });
  afterAll(async () => {
    await fleet.close();
    await listener.close();
  });

  it('register all devices, and both sides store the same sequence number', async () => {
    const summary = await fleet.registerAll({ concurrency: 2 });
    expect(summary).toEqual({ registered: 5, failed: [] });
    for (const device of fleet.devices) {
      expect(device.state.registered).toBe(true);
      expect(device.state.sequenceWindow).toBe(6);
      expect(platform.findDevice(device.deviceUid)?.state.sequenceNumber).toBe(device.state.sequenceNumber);
      expect(platform.findDevice(device.deviceUid)?.state.randomPlatform).toBe(device.state.randomPlatform);
    }
  });

  it('registerAll can skip devices that are registered already', async () => {
    const numbersBefore = fleet.devices.map((device) => device.state.sequenceNumber);
    expect(await fleet.registerAll({ skipRegistered: true })).toEqual({ registered: 0, failed: [] });
    expect(fleet.devices.map((device) => device.state.sequenceNumber)).toEqual(numbersBefore);
  });

  it('send events with the next sequence number', async () => {
    const device = fleet.devices[0];
    const before = device.state.sequenceNumber ?? -1;
    const status = await device.sendEvent([{ event: 'LIGHT_EVENTS_LIGHT_ON', index: 1, timestamp: '20261127120000' }]);
    expect(status).toBe('OK');
    expect(device.state.sequenceNumber).toBe((before + 1) % 65536);
    expect(platform.findDevice(device.deviceUid)?.state.sequenceNumber).toBe(device.state.sequenceNumber);
    expect(platform.events).toHaveLength(1);
  });

  it('a device the platform does not know fails to register', async () => {
    const strangers = await startOslpSimulatorFleet({
      count: 1,
      firstDeviceNumber: 100,
      platformPublicKey: platformKeys.publicKey,
      platform: { host: '127.0.0.1', port: listener.port },
    });
    try {
      expect(await rejectionCode(strangers.devices[0].register())).toBe('CONNECTION_CLOSED');
      expect(strangers.devices[0].state.registered).toBe(false);
    } finally {
      await strangers.close();
    }
  });
});
