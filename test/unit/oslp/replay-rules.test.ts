/** The OSLP replay and registration rules issue 10 found missing, as pure functions. */
import type { RegisterDeviceRequest } from '../../../adapters/oslp/messages';
import {
  checkDeviceInitiatedSequenceNumber,
  handleConfirmRegisterDevice,
  handleRegisterDevice,
  registrationAddress,
  UNREGISTERED_DEVICE_STATE,
  type OslpDeviceSequenceState,
} from '../../../adapters/oslp/registration';
import { SEQUENCE_NUMBER_MODULUS } from '../../../adapters/oslp/sequence';

const now = new Date('2026-12-05T08:00:00Z');

function registerRequest(randomDevice: number, ipAddress: number[] = [10, 0, 0, 7]): RegisterDeviceRequest {
  return { deviceIdentification: 'SIM-1', ipAddress: Buffer.from(ipAddress), deviceType: 'SSLD', hasSchedule: false, randomDevice };
}

function registeredAt(sequenceNumber: number): OslpDeviceSequenceState {
  const pending = handleRegisterDevice(UNREGISTERED_DEVICE_STATE, sequenceNumber - 1, registerRequest(1), { randomPlatform: 2, now }).state;
  const confirmed = handleConfirmRegisterDevice(pending, sequenceNumber, { randomDevice: 1, randomPlatform: 2 });
  if (!confirmed.accepted) throw new Error('setup: confirm refused');
  return confirmed.state;
}

describe('a device-initiated message', () => {
  test('is accepted once per sequence number: the same number again is a replay', () => {
    const first = checkDeviceInitiatedSequenceNumber(registeredAt(100), 101);
    expect(first.accepted).toBe(true);
    expect(checkDeviceInitiatedSequenceNumber(first.state, 101)).toMatchObject({ accepted: false, reason: 'REPLAYED' });
  });

  test('older than the last accepted is refused, even within the window', () => {
    const newer = checkDeviceInitiatedSequenceNumber(registeredAt(100), 104);
    expect(newer.accepted).toBe(true);
    for (const older of [101, 102, 103]) {
      expect(checkDeviceInitiatedSequenceNumber(newer.state, older)).toMatchObject({ accepted: false, reason: 'REPLAYED', state: newer.state });
    }
  });

  test('walking through every number from any start, each is accepted exactly once', () => {
    let state = registeredAt(SEQUENCE_NUMBER_MODULUS - 3);
    for (let step = 0; step < 10; step += 1) {
      const next = ((state.sequenceNumber ?? 0) + 1) % SEQUENCE_NUMBER_MODULUS;
      const accepted = checkDeviceInitiatedSequenceNumber(state, next);
      expect(accepted.accepted).toBe(true);
      expect(checkDeviceInitiatedSequenceNumber(accepted.state, next).accepted).toBe(false);
      state = accepted.state;
    }
  });
});

describe('RegisterDevice', () => {
  test('with a randomDevice outside 0-65535 is refused, and nothing is stored', () => {
    for (const randomDevice of [65536, 2 ** 31, 2 ** 32 - 1]) {
      const outcome = handleRegisterDevice(UNREGISTERED_DEVICE_STATE, 7, registerRequest(randomDevice), { randomPlatform: 5, now });
      expect(outcome).toMatchObject({ accepted: false, reason: 'RANDOM_DEVICE_OUT_OF_RANGE', state: UNREGISTERED_DEVICE_STATE });
      expect(outcome.response.status).toBe('REJECTED');
    }
    expect(handleRegisterDevice(UNREGISTERED_DEVICE_STATE, 7, registerRequest(65535), { randomPlatform: 5, now }).accepted).toBe(true);
  });

  test('that the device sent before (an older registration replayed) is refused', () => {
    const state = registeredAt(100);
    const outcome = handleRegisterDevice(state, 4000, registerRequest(3), { randomPlatform: 5, now, registeredBefore: true });
    expect(outcome).toMatchObject({ accepted: false, reason: 'REPLAYED_REGISTRATION', state });
  });
});

describe('the address a registration stores', () => {
  test('is the reported IPv4 address', () => {
    expect(registrationAddress(Buffer.from([192, 168, 1, 20]), '10.9.8.7')).toBe('192.168.1.20');
  });

  test('without one (0.0.0.0, empty, not 4 octets) is the source IP, never with the source port', () => {
    expect(registrationAddress(Buffer.from([0, 0, 0, 0]), '10.9.8.7')).toBe('10.9.8.7');
    expect(registrationAddress(Buffer.alloc(0), '::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(registrationAddress(Buffer.from([1, 2, 3]), '::1')).toBe('::1');
    expect(registrationAddress(undefined, '2001:db8::5')).toBe('2001:db8::5');
  });
});
