import type net from 'node:net';
import { OslpClient, type OslpDeviceEndpoint } from '../../../adapters/oslp/client';
import { buildDeviceUid, decodeEnvelope, encodeEnvelope, generateKeyPair } from '../../../adapters/oslp/envelope';
import { readFrame } from '../../../adapters/oslp/framing';
import { encodeMessage, type OslpMessage } from '../../../adapters/oslp/messages';
import { startOslpSimulatorFleet, type OslpSimulatorFleet } from '../../../simulators/oslp/fleet';
import type { SimulatedOslpDevice } from '../../../simulators/oslp/simulated-device';
import { closedPort, rejectionCode, startServer } from './helpers';

const platformKeys = generateKeyPair();
const client = new OslpClient({ platformPrivateKey: platformKeys.privateKey, connectTimeoutMs: 1000, responseTimeoutMs: 2000 });

describe('OslpClient against the simulator fleet', () => {
  let fleet: OslpSimulatorFleet;
  /** Sequence number the "platform" stored per device, as the lead's storage would. */
  const stored = new Map<string, number>();

  beforeAll(async () => {
    fleet = await startOslpSimulatorFleet({ count: 12, platformPublicKey: platformKeys.publicKey, identificationPrefix: 'T-' });
  });
  afterAll(async () => {
    await fleet.close();
  });

  function endpoint(device: SimulatedOslpDevice): OslpDeviceEndpoint {
    return {
      host: fleet.host,
      port: fleet.port,
      deviceUid: device.deviceUid,
      publicKey: device.publicKey,
      sequenceNumber: stored.get(device.identification) ?? 1000,
    };
  }

  async function request(device: SimulatedOslpDevice, message: OslpMessage, responseTimeoutMs = 2000) {
    const result = await client.request(endpoint(device), message, { responseTimeoutMs });
    stored.set(device.identification, result.sequenceNumber);
    return result;
  }

  it('names devices with prefix and zero-padded number, each with its own uid and key', () => {
    expect(fleet.devices.map((d) => d.identification).slice(0, 2)).toEqual(['T-000001', 'T-000002']);
    expect(new Set(fleet.devices.map((d) => d.deviceUid.toString('hex'))).size).toBe(12);
    expect(new Set(fleet.devices.map((d) => d.publicKeyPem)).size).toBe(12);
    expect(fleet.deviceByIdentification('T-000003')).toBe(fleet.devices[2]);
  });

  it('switches lights with setLight and getStatus reports the new state', async () => {
    const device = fleet.devices[0];
    const switched = await request(device, { setLightRequest: { values: [{ index: 2, on: true, dimValue: 70 }] } });
    expect(switched.response).toEqual({ setLightResponse: { status: 'OK' } });
    expect(switched.requestSequenceNumber).toBe(1001);
    expect(switched.sequenceNumber).toBe(1002); // the device answers with the request's number + 1

    const status = await request(device, { getStatusRequest: {} });
    expect(status.requestSequenceNumber).toBe(1003);
    const answer = status.response.getStatusResponse;
    expect(answer?.status).toBe('OK');
    expect(answer?.value.find((v) => v.index === 2)).toEqual({ index: 2, on: true, dimValue: 70 });
    expect(answer?.value.filter((v) => v.on)).toHaveLength(1);
    expect(answer).toMatchObject({ preferredLinktype: 'ETHERNET', actualLinktype: 'ETHERNET', lightType: 'RELAY', eventNotificationMask: 255 });
    expect(device.received.map((c) => c.kind)).toEqual(['setLightRequest', 'getStatusRequest']);
  });

  it('switches all lights with index 0 and fails the request for an index the device lacks', async () => {
    const device = fleet.devices[1];
    await request(device, { setLightRequest: { values: [{ index: 0, on: true }] } });
    expect(device.state.lights.every((light) => light.on)).toBe(true);
    const refused = await request(device, { setLightRequest: { values: [{ index: 7, on: false }] } });
    expect(refused.response.setLightResponse?.status).toBe('FAILURE');
    expect(device.state.lights.every((light) => light.on)).toBe(true);
  });

  it('never-answer gives RESPONSE_TIMEOUT; the device still counts the command', async () => {
    const device = fleet.devices[2];
    device.misbehave({ kind: 'never-answer' });
    expect(await rejectionCode(request(device, { getStatusRequest: {} }, 150))).toBe('RESPONSE_TIMEOUT');
    expect(device.received).toMatchObject([{ kind: 'getStatusRequest', outcome: 'ignored' }]);
  });

  it('answer-late answers after the delay: too late for a short timeout, in time for a long one', async () => {
    const device = fleet.devices[3];
    device.misbehave({ kind: 'answer-late', delayMs: 300 });
    expect(await rejectionCode(request(device, { getStatusRequest: {} }, 100))).toBe('RESPONSE_TIMEOUT');
    const started = Date.now();
    const late = await request(device, { getStatusRequest: {} }, 2000);
    expect(late.response.getStatusResponse?.status).toBe('OK');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('reject gives a REJECTED status', async () => {
    const device = fleet.devices[4];
    device.misbehave({ kind: 'reject' });
    expect((await request(device, { setLightRequest: { values: [{ on: true }] } })).response.setLightResponse?.status).toBe('REJECTED');
    expect((await request(device, { getStatusRequest: {} })).response.getStatusResponse?.status).toBe('REJECTED');
    expect(device.state.lights.some((light) => light.on)).toBe(false);
  });

  it('sign-wrongly gives BAD_SIGNATURE', async () => {
    const device = fleet.devices[5];
    device.misbehave({ kind: 'sign-wrongly' });
    expect(await rejectionCode(request(device, { getStatusRequest: {} }))).toBe('BAD_SIGNATURE');
  });

  it('drop-connection gives CONNECTION_CLOSED', async () => {
    const device = fleet.devices[6];
    device.misbehave({ kind: 'drop-connection' });
    expect(await rejectionCode(request(device, { getStatusRequest: {} }))).toBe('CONNECTION_CLOSED');
    expect(device.received).toMatchObject([{ outcome: 'dropped' }]);
  });

  it('fail-times drops the first N requests, then behaves', async () => {
    const device = fleet.devices[7];
    device.misbehave({ kind: 'fail-times', times: 2 });
    const attempt = () => request(device, { setLightRequest: { values: [{ index: 1, on: true }] } });
    expect(await rejectionCode(attempt())).toBe('CONNECTION_CLOSED');
    expect(await rejectionCode(attempt())).toBe('CONNECTION_CLOSED');
    expect((await attempt()).response.setLightResponse?.status).toBe('OK');
    expect(device.receivedCount('setLightRequest')).toBe(3);
    expect(device.misbehaviour).toEqual({ kind: 'normal' });
  });

  it('fail-times hands over to its follow-up mode', async () => {
    const device = fleet.devices[8];
    device.misbehave({ kind: 'fail-times', times: 1, then: { kind: 'reject' } });
    expect(await rejectionCode(request(device, { getStatusRequest: {} }))).toBe('CONNECTION_CLOSED');
    expect((await request(device, { getStatusRequest: {} })).response.getStatusResponse?.status).toBe('REJECTED');
  });

  it('a device does not answer requests the platform did not sign', async () => {
    const device = fleet.devices[9];
    const impostor = new OslpClient({ platformPrivateKey: generateKeyPair().privateKey, responseTimeoutMs: 2000 });
    expect(await rejectionCode(impostor.request(endpoint(device), { getStatusRequest: {} }))).toBe('CONNECTION_CLOSED');
    expect(device.stats.badSignatures).toBe(1);
    expect(device.received).toEqual([]);
  });

  it('a device does not answer a request far out of sequence, and accepts one within the window', async () => {
    const device = fleet.devices[10];
    await request(device, { getStatusRequest: {} }); // device now stores 1002
    const far = { ...endpoint(device), sequenceNumber: 1002 + 7 }; // request 1010, expected 1003
    expect(await rejectionCode(client.request(far, { getStatusRequest: {} }))).toBe('CONNECTION_CLOSED');
    expect(device.stats.outOfSequence).toBe(1);
    const near = { ...endpoint(device), sequenceNumber: 1002 + 6 }; // request 1009: 6 ahead
    expect((await client.request(near, { getStatusRequest: {} })).sequenceNumber).toBe(1010);
  });

  it('a request for a uid the fleet does not host is closed without answer', async () => {
    const stranger = { ...endpoint(fleet.devices[11]), deviceUid: buildDeviceUid(0x5349, 999_999) };
    expect(await rejectionCode(client.request(stranger, { getStatusRequest: {} }))).toBe('CONNECTION_CLOSED');
  });

  it('wraps the sequence number from 65535 to 0', async () => {
    const device = fleet.devices[11];
    stored.set(device.identification, 65534);
    const first = await request(device, { getStatusRequest: {} });
    expect([first.requestSequenceNumber, first.sequenceNumber]).toEqual([65535, 0]);
    const second = await request(device, { getStatusRequest: {} });
    expect([second.requestSequenceNumber, second.sequenceNumber]).toEqual([1, 2]);
  });
});

/** A scripted device: answers each request with whatever `answer` builds from it. */
describe('OslpClient checks on the answer', () => {
  const deviceKeys = generateKeyPair();
  const deviceUid = buildDeviceUid(7, 7);
  let answer: (requestSequenceNumber: number) => Buffer;
  let server: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    server = await startServer((socket: net.Socket) => {
      void readFrame(socket, { timeoutMs: 1000, timeoutCode: 'READ_TIMEOUT' }).then((frame) => {
        socket.end(answer(decodeEnvelope(frame).sequenceNumber));
      });
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const device = (sequenceNumber = 100): OslpDeviceEndpoint => ({
    host: '127.0.0.1',
    port: server.port,
    deviceUid,
    publicKey: deviceKeys.publicKey,
    sequenceNumber,
  });
  const answerWith = (offset: number, message: OslpMessage = { getStatusResponse: okStatus }, uid = deviceUid) => {
    answer = (requestSequenceNumber) =>
      encodeEnvelope(
        { sequenceNumber: (requestSequenceNumber + offset + 65536) % 65536, deviceUid: uid, payload: encodeMessage(message) },
        deviceKeys.privateKey,
      );
  };
  const okStatus = {
    status: 'OK' as const,
    value: [],
    preferredLinktype: 'ETHERNET' as const,
    actualLinktype: 'ETHERNET' as const,
    lightType: 'RELAY' as const,
    eventNotificationMask: 0,
  };

  it.each([-5, 0, 1, 7])('accepts an answer numbered request + (%i): within 6 of request + 1', async (offset) => {
    answerWith(offset);
    const result = await client.request(device(), { getStatusRequest: {} });
    expect(result.sequenceNumber).toBe(101 + offset);
  });

  it.each([-6, 8, 100])('refuses an answer numbered request + (%i) as OUT_OF_SEQUENCE', async (offset) => {
    answerWith(offset);
    expect(await rejectionCode(client.request(device(), { getStatusRequest: {} }))).toBe('OUT_OF_SEQUENCE');
  });

  it('applies the window across the wrap-around', async () => {
    answerWith(7); // request 65535 -> expected 0, answer 6
    expect((await client.request(device(65534), { getStatusRequest: {} })).sequenceNumber).toBe(6);
    answerWith(8); // answer 7: one beyond the window
    expect(await rejectionCode(client.request(device(65534), { getStatusRequest: {} }))).toBe('OUT_OF_SEQUENCE');
  });

  it('refuses an answer from another device uid as WRONG_DEVICE', async () => {
    answerWith(1, { getStatusResponse: okStatus }, buildDeviceUid(7, 8));
    expect(await rejectionCode(client.request(device(), { getStatusRequest: {} }))).toBe('WRONG_DEVICE');
  });

  it('refuses an answer of another kind as UNEXPECTED_RESPONSE', async () => {
    answerWith(1, { setLightResponse: { status: 'OK' } });
    expect(await rejectionCode(client.request(device(), { getStatusRequest: {} }))).toBe('UNEXPECTED_RESPONSE');
  });

  it('refuses a validly signed answer whose payload is no OSLP message as MALFORMED', async () => {
    answer = (n) => encodeEnvelope({ sequenceNumber: n + 1, deviceUid, payload: Buffer.from([0xff, 0xff]) }, deviceKeys.privateKey);
    expect(await rejectionCode(client.request(device(), { getStatusRequest: {} }))).toBe('MALFORMED');
  });

  it('refuses to send something that is not a request', async () => {
    expect(await rejectionCode(client.request(device(), { setLightResponse: { status: 'OK' } }))).toBe('INVALID_ARGUMENT');
  });

  it('reports an unreachable device as CONNECT_FAILED', async () => {
    expect(await rejectionCode(client.request({ ...device(), port: await closedPort() }, { getStatusRequest: {} }))).toBe(
      'CONNECT_FAILED',
    );
  });
});
