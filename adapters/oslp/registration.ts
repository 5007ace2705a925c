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
 * Replays are refused: a RegisterDevice that repeats the randomDevice of the latest registration or a
 * registration the device made before (the caller remembers those, see registrationFingerprint), and a
 * Confirm with no registration pending (it was already confirmed) or with other randoms. Any other message
 * must carry a number newer than the stored one, so each number is accepted once and never an older one.
 */
import type {
  ConfirmRegisterDeviceRequest,
  ConfirmRegisterDeviceResponse,
  RegisterDeviceRequest,
  RegisterDeviceResponse,
} from './messages';
import {
  DEFAULT_SEQUENCE_WINDOW,
  isSequenceNumber,
  isWithinWindow,
  newestSequenceNumber,
  nextSequenceNumber,
  sequenceDistance,
} from './sequence';

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
  | 'RANDOM_DEVICE_OUT_OF_RANGE'
  | 'NO_REGISTRATION_PENDING'
  | 'RANDOM_DEVICE_MISMATCH'
  | 'RANDOM_PLATFORM_MISMATCH'
  | 'OUT_OF_SEQUENCE';

export type OslpSequenceRejection = 'NOT_REGISTERED' | 'REPLAYED' | 'OUT_OF_SEQUENCE';

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
  /** True when the device registered with this registrationFingerprint before: the frame is a replay. */
  registeredBefore?: boolean;
}

/**
 * What tells one RegisterDevice from another: its sequence number and randomDevice, both fresh randoms of the
 * device. The caller keeps the fingerprints of accepted registrations, so that an older registration frame
 * sent again is refused, not only the latest one.
 */
export function registrationFingerprint(sequenceNumber: number, request: Pick<RegisterDeviceRequest, 'randomDevice'>) {
  return { sequenceNumber, randomDevice: request.randomDevice };
}

/**
 * The address the platform connects to the device at: the IPv4 address it registered with, or, when it
 * reports none (0.0.0.0, or not 4 octets), the IP address it connected from. Never that connection's port:
 * it is the device's ephemeral source port, and commands go to the device's own configured port.
 */
export function registrationAddress(reported: Buffer | undefined, sourceIp: string): string {
  if (reported && reported.length === 4 && reported.some((octet) => octet !== 0)) return [...reported].join('.');
  return plainIpAddress(sourceIp);
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.7, as a dual-stack socket reports IPv4 peers) as plain IPv4. */
export function plainIpAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
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
  const refuse = (reason: OslpRegistrationRejection) => ({
    accepted: false as const,
    reason,
    response: { status: 'REJECTED' as const, currentTime, randomDevice: request.randomDevice, randomPlatform: 0 },
    sequenceNumber,
    state,
  });
  // randomDevice is a 16-bit random; protobuf's uint32 lets a (buggy or hostile) device send more.
  if (!isSequenceNumber(request.randomDevice)) return refuse('RANDOM_DEVICE_OUT_OF_RANGE');
  // A device draws a fresh randomDevice for every registration; the same one again is a replay
  // (at worst a 1 in 65536 clash, after which the device simply registers again).
  if (inputs.registeredBefore || (state.randomDevice !== null && request.randomDevice === state.randomDevice)) {
    return refuse('REPLAYED_REGISTRATION');
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
 * For any other device-initiated request (e.g. EventNotification): the device sends its stored number + 1,
 * or a little more when messages were lost. Accept a number that is newer than the platform's stored one by
 * at most the window + 1, and store it. A number not newer was accepted already (or is older than one that
 * was): the frame is a replay, whatever its signature bytes. Answer with the request's own number either way;
 * when refused, with a REJECTED status (as OSGP).
 */
export function checkDeviceInitiatedSequenceNumber(
  state: OslpDeviceSequenceState,
  sequenceNumber: number,
  sequenceWindow: number = DEFAULT_SEQUENCE_WINDOW,
): OslpSequenceCheck {
  if (state.sequenceNumber === null) return { accepted: false, reason: 'NOT_REGISTERED', state };
  const ahead = sequenceDistance(state.sequenceNumber, sequenceNumber);
  if (ahead <= 0) return { accepted: false, reason: 'REPLAYED', state };
  if (ahead > sequenceWindow + 1) return { accepted: false, reason: 'OUT_OF_SEQUENCE', state };
  return { accepted: true, state: { ...state, sequenceNumber } };
}

/** After a platform-initiated exchange: keep the newer of the stored number and the device's answer. */
export function recordDeviceAnswer(state: OslpDeviceSequenceState, answerSequenceNumber: number): OslpDeviceSequenceState {
  return { ...state, sequenceNumber: newestSequenceNumber(state.sequenceNumber, answerSequenceNumber) };
}
