import type { RegisterDeviceRequest } from '../../../adapters/oslp/messages';
import {
  checkDeviceInitiatedSequenceNumber,
  formatOslpTime,
  handleConfirmRegisterDevice,
  handleRegisterDevice,
  recordDeviceAnswer,
  UNREGISTERED_DEVICE_STATE,
  type OslpDeviceSequenceState,
} from '../../../adapters/oslp/registration';

const now = new Date('2026-11-27T08:09:10.123Z');

function registerRequest(randomDevice: number): RegisterDeviceRequest {
  return {
    deviceIdentification: 'SIM-000001',
    ipAddress: Buffer.from([127, 0, 0, 1]),
    deviceType: 'SSLD',
    hasSchedule: false,
    randomDevice,
  };
}

/** Register with sequence number `registerSequenceNumber`, randomDevice 1111, randomPlatform 2222. */
function registered(state: OslpDeviceSequenceState = UNREGISTERED_DEVICE_STATE, registerSequenceNumber = 500) {
  return handleRegisterDevice(state, registerSequenceNumber, registerRequest(1111), { randomPlatform: 2222, now });
}

function confirmedState(): OslpDeviceSequenceState {
  const outcome = handleConfirmRegisterDevice(registered().state, 501, { randomDevice: 1111, randomPlatform: 2222 });
  if (!outcome.accepted) throw new Error('setup: confirm refused');
  return outcome.state;
}

describe('OSLP registration (platform side)', () => {
  it('formats UTC time as YYYYMMDDhhmmss', () => {
    expect(formatOslpTime(now)).toBe('20261127080910');
  });

  describe('happy path', () => {
    it('answers RegisterDevice with the same number, the echoed randomDevice, a randomPlatform and the time', () => {
      const outcome = registered();
      expect(outcome.accepted).toBe(true);
      expect(outcome.sequenceNumber).toBe(500);
      expect(outcome.response).toEqual({ status: 'OK', currentTime: '20261127080910', randomDevice: 1111, randomPlatform: 2222 });
      expect(outcome.state).toEqual({
        sequenceNumber: null,
        randomDevice: 1111,
        randomPlatform: 2222,
        pendingRegistrationSequenceNumber: 500,
      });
    });

    it('confirms with the next number, stores it and hands out the sequence window', () => {
      const outcome = handleConfirmRegisterDevice(registered().state, 501, { randomDevice: 1111, randomPlatform: 2222 });
      expect(outcome.accepted).toBe(true);
      expect(outcome.sequenceNumber).toBe(501);
      expect(outcome.response).toEqual({ status: 'OK', randomDevice: 1111, randomPlatform: 2222, sequenceWindow: 6 });
      expect(outcome.state.sequenceNumber).toBe(501);
      expect(outcome.state.pendingRegistrationSequenceNumber).toBeNull();
    });

    it('confirms across the wrap from 65535 to 0', () => {
      const outcome = handleConfirmRegisterDevice(registered(UNREGISTERED_DEVICE_STATE, 65535).state, 0, {
        randomDevice: 1111,
        randomPlatform: 2222,
      });
      expect(outcome.accepted).toBe(true);
      expect(outcome.state.sequenceNumber).toBe(0);
    });

    it('lets a registered device register again with fresh randoms, keeping its number until confirmed', () => {
      const again = handleRegisterDevice(confirmedState(), 9000, registerRequest(3333), { randomPlatform: 4444, now });
      expect(again.accepted).toBe(true);
      expect(again.state.sequenceNumber).toBe(501);
      expect(again.state.pendingRegistrationSequenceNumber).toBe(9000);
    });
  });

  describe('refusals leave the stored state as it was and answer REJECTED', () => {
    it('a confirm with the wrong randomDevice', () => {
      const pending = registered().state;
      const outcome = handleConfirmRegisterDevice(pending, 501, { randomDevice: 1112, randomPlatform: 2222 });
      expect(outcome).toMatchObject({ accepted: false, reason: 'RANDOM_DEVICE_MISMATCH', state: pending });
      expect(outcome.response.status).toBe('REJECTED');
    });

    it('a confirm with the wrong randomPlatform', () => {
      const pending = registered().state;
      const outcome = handleConfirmRegisterDevice(pending, 501, { randomDevice: 1111, randomPlatform: 2223 });
      expect(outcome).toMatchObject({ accepted: false, reason: 'RANDOM_PLATFORM_MISMATCH', state: pending });
      expect(outcome.response.status).toBe('REJECTED');
    });

    it('a confirm more than the window away from the registration number + 1', () => {
      const pending = registered().state;
      expect(handleConfirmRegisterDevice(pending, 507, { randomDevice: 1111, randomPlatform: 2222 }).accepted).toBe(true);
      const outcome = handleConfirmRegisterDevice(pending, 508, { randomDevice: 1111, randomPlatform: 2222 });
      expect(outcome).toMatchObject({ accepted: false, reason: 'OUT_OF_SEQUENCE', state: pending });
    });

    it('a confirm without a registration', () => {
      const outcome = handleConfirmRegisterDevice(UNREGISTERED_DEVICE_STATE, 1, { randomDevice: 0, randomPlatform: 0 });
      expect(outcome).toMatchObject({ accepted: false, reason: 'NO_REGISTRATION_PENDING' });
    });

    it('a replayed confirm', () => {
      const confirmed = confirmedState();
      const replay = handleConfirmRegisterDevice(confirmed, 501, { randomDevice: 1111, randomPlatform: 2222 });
      expect(replay).toMatchObject({ accepted: false, reason: 'NO_REGISTRATION_PENDING', state: confirmed });
    });

    it('an old confirm replayed into a newer pending registration', () => {
      const pendingAgain = handleRegisterDevice(confirmedState(), 9000, registerRequest(3333), { randomPlatform: 4444, now }).state;
      const replay = handleConfirmRegisterDevice(pendingAgain, 9001, { randomDevice: 1111, randomPlatform: 2222 });
      expect(replay.accepted).toBe(false);
      expect(replay.state).toBe(pendingAgain);
    });

    it('a replayed RegisterDevice, pending or already confirmed', () => {
      const pending = registered().state;
      const whilePending = handleRegisterDevice(pending, 500, registerRequest(1111), { randomPlatform: 7777, now });
      expect(whilePending).toMatchObject({ accepted: false, reason: 'REPLAYED_REGISTRATION', state: pending });
      expect(whilePending.response.status).toBe('REJECTED');

      const confirmed = confirmedState();
      const afterConfirm = handleRegisterDevice(confirmed, 500, registerRequest(1111), { randomPlatform: 7777, now });
      expect(afterConfirm).toMatchObject({ accepted: false, reason: 'REPLAYED_REGISTRATION', state: confirmed });
    });
  });

  describe('other device-initiated messages', () => {
    it('are refused before a confirmed registration', () => {
      expect(checkDeviceInitiatedSequenceNumber(registered().state, 501)).toMatchObject({ accepted: false, reason: 'NOT_REGISTERED' });
    });

    it('are accepted within the window of stored + 1 and the newer number is stored', () => {
      const confirmed = confirmedState(); // stored 501
      const ahead = checkDeviceInitiatedSequenceNumber(confirmed, 508);
      expect(ahead).toMatchObject({ accepted: true });
      expect(ahead.state.sequenceNumber).toBe(508);
    });

    it('are refused when not newer than the stored number (a replay), or beyond the window', () => {
      const confirmed = confirmedState();
      expect(checkDeviceInitiatedSequenceNumber(confirmed, 509)).toMatchObject({ accepted: false, reason: 'OUT_OF_SEQUENCE', state: confirmed });
      expect(checkDeviceInitiatedSequenceNumber(confirmed, 501)).toMatchObject({ accepted: false, reason: 'REPLAYED', state: confirmed });
      expect(checkDeviceInitiatedSequenceNumber(confirmed, 496)).toMatchObject({ accepted: false, reason: 'REPLAYED', state: confirmed });
    });

    it('wrap around 65535', () => {
      const state = { ...confirmedState(), sequenceNumber: 65533 };
      const outcome = checkDeviceInitiatedSequenceNumber(state, 3); // expected 65534, 5 ahead
      expect(outcome.accepted).toBe(true);
      expect(outcome.state.sequenceNumber).toBe(3);
      expect(checkDeviceInitiatedSequenceNumber(state, 6).accepted).toBe(false); // 8 ahead
    });
  });

  it('records a device answer to a platform request as the newer number', () => {
    expect(recordDeviceAnswer(confirmedState(), 503).sequenceNumber).toBe(503);
    expect(recordDeviceAnswer(confirmedState(), 499).sequenceNumber).toBe(501);
  });
});
