/**
 * Platform-side rules for device-initiated OSLP messages, as pure functions: given what is stored for
 * a device and what it sent, they return the answer and what to store next. No I/O, no clock, no
 * randomness of their own, so the caller chooses storage and tests choose the numbers.
 *
 * Registration takes two steps:
 *  1. RegisterDevice (device's random sequence number S, randomDevice). The platform answers with S,
 *     randomDevice echoed, a fresh randomPlatform and the UTC time, and remembers S as pending.
 *  2. ConfirmRegisterDevice (S + 1, both randoms). The platform checks both randoms and the number,
 *     stores the number and answers with it and its sequence window.
 * Replays are refused: a RegisterDevice that repeats the randomDevice of the latest registration,
 * and a Confirm with no registration pending (it was already confirmed) or with other randoms.
 */
import type {
  ConfirmRegisterDeviceRequest,
  ConfirmRegisterDeviceResponse,
  RegisterDeviceRequest,
  RegisterDeviceResponse,
} from './messages';
import { DEFAULT_SEQUENCE_WINDOW, isWithinWindow, newestSequenceNumber, nextSequenceNumber } from './sequence';

/** What the platform keeps per device for the OSLP exchange. */
export interface OslpDeviceSequenceState {
  /** Newest sequence number exchanged since the last confirmed registration; null if never confirmed. */
  sequenceNumber: number | null;
  /** Random numbers of the latest RegisterDevice exchange. */
  randomDevice: number | null;
  randomPlatform: number | null;
  /** Sequence number of a RegisterDevice awaiting its ConfirmRegisterDevice; null when none is pending. */
  pendingRegistrationSequenceNumber: number | null;
}

export const UNREGISTERED_DEVICE_STATE: Readonly<OslpDeviceSequenceState> = Object.freeze({
  sequenceNumber: null,
  randomDevice: null,
  randomPlatform: null,
  pendingRegistrationSequenceNumber: null,
});

export type OslpRegistrationRejection =
  | 'REPLAYED_REGISTRATION'
  | 'NO_REGISTRATION_PENDING'
  | 'RANDOM_DEVICE_MISMATCH'
  | 'RANDOM_PLATFORM_MISMATCH'
  | 'OUT_OF_SEQUENCE';

export type OslpSequenceRejection = 'NOT_REGISTERED' | 'OUT_OF_SEQUENCE';

/**
 * Outcome of one device-initiated message. The response and `sequenceNumber` are what to answer
 * with (a REJECTED status when refused); `state` is what to store (unchanged when refused).
 */
export type OslpDeviceMessageOutcome<Response, Rejection extends string> =
  | { accepted: true; response: Response; sequenceNumber: number; state: OslpDeviceSequenceState }
  | { accepted: false; reason: Rejection; response: Response; sequenceNumber: number; state: OslpDeviceSequenceState };

export interface RegisterDeviceInputs {
  /** A fresh 16-bit random from the platform (see randomUint16). */
  randomPlatform: number;
  now: Date;
}

/** YYYYMMDDhhmmss in UTC, the time format of OSLP. */
export function formatOslpTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function handleRegisterDevice(
  state: OslpDeviceSequenceState,
  sequenceNumber: number,
  request: RegisterDeviceRequest,
  inputs: RegisterDeviceInputs,
): OslpDeviceMessageOutcome<RegisterDeviceResponse, OslpRegistrationRejection> {
  const currentTime = formatOslpTime(inputs.now);
  // A device draws a fresh randomDevice for every registration; the same one again is a replay
  // (at worst a 1 in 65536 clash, after which the device simply registers again).
  if (state.randomDevice !== null && request.randomDevice === state.randomDevice) {
    return {
      accepted: false,
      reason: 'REPLAYED_REGISTRATION',
      response: { status: 'REJECTED', currentTime, randomDevice: request.randomDevice, randomPlatform: 0 },
      sequenceNumber,
      state,
    };
  }
  return {
    accepted: true,
    response: { status: 'OK', currentTime, randomDevice: request.randomDevice, randomPlatform: inputs.randomPlatform },
    sequenceNumber,
    state: {
      ...state,
      randomDevice: request.randomDevice,
      randomPlatform: inputs.randomPlatform,
      pendingRegistrationSequenceNumber: sequenceNumber,
    },
  };
}

function whyConfirmIsRefused(
  state: OslpDeviceSequenceState,
  sequenceNumber: number,
  request: ConfirmRegisterDeviceRequest,
  sequenceWindow: number,
): OslpRegistrationRejection | null {
  if (state.pendingRegistrationSequenceNumber === null) return 'NO_REGISTRATION_PENDING';
  if (request.randomDevice !== state.randomDevice) return 'RANDOM_DEVICE_MISMATCH';
  if (request.randomPlatform !== state.randomPlatform) return 'RANDOM_PLATFORM_MISMATCH';
  const expected = nextSequenceNumber(state.pendingRegistrationSequenceNumber);
  if (!isWithinWindow(expected, sequenceNumber, sequenceWindow)) return 'OUT_OF_SEQUENCE';
  return null;
}

export function handleConfirmRegisterDevice(
  state: OslpDeviceSequenceState,
  sequenceNumber: number,
  request: ConfirmRegisterDeviceRequest,
  sequenceWindow: number = DEFAULT_SEQUENCE_WINDOW,
): OslpDeviceMessageOutcome<ConfirmRegisterDeviceResponse, OslpRegistrationRejection> {
  const reason = whyConfirmIsRefused(state, sequenceNumber, request, sequenceWindow);
  const answer = { randomDevice: request.randomDevice, randomPlatform: request.randomPlatform, sequenceWindow };
  if (reason !== null) {
    return { accepted: false, reason, response: { status: 'REJECTED', ...answer }, sequenceNumber, state };
  }
  return {
    accepted: true,
    response: { status: 'OK', ...answer },
    sequenceNumber,
    state: { ...state, sequenceNumber, pendingRegistrationSequenceNumber: null },
  };
}

export type OslpSequenceCheck =
  | { accepted: true; state: OslpDeviceSequenceState }
  | { accepted: false; reason: OslpSequenceRejection; state: OslpDeviceSequenceState };

/**
 * For any other device-initiated request (e.g. EventNotification): the device sends its stored
 * number + 1; accept it within the window of the platform's stored number + 1 and store the newer.
 * Answer with the request's own number either way; when refused, with a REJECTED status (as OSGP).
 */
export function checkDeviceInitiatedSequenceNumber(
  state: OslpDeviceSequenceState,
  sequenceNumber: number,
  sequenceWindow: number = DEFAULT_SEQUENCE_WINDOW,
): OslpSequenceCheck {
  if (state.sequenceNumber === null) return { accepted: false, reason: 'NOT_REGISTERED', state };
  if (!isWithinWindow(nextSequenceNumber(state.sequenceNumber), sequenceNumber, sequenceWindow)) {
    return { accepted: false, reason: 'OUT_OF_SEQUENCE', state };
  }
  return { accepted: true, state: { ...state, sequenceNumber: newestSequenceNumber(state.sequenceNumber, sequenceNumber) } };
}

/** After a platform-initiated exchange: keep the newer of the stored number and the device's answer. */
export function recordDeviceAnswer(state: OslpDeviceSequenceState, answerSequenceNumber: number): OslpDeviceSequenceState {
  return { ...state, sequenceNumber: newestSequenceNumber(state.sequenceNumber, answerSequenceNumber) };
}
