/**
 * What the OSLP listener does with verified device-initiated messages: the two-step registration (which
 * records the device's address and answers with the platform's UTC time) and event notifications (stored,
 * then acted on by the platform). The protocol rules are the pure functions of ./registration.ts; this
 * handler applies them to the device's stored state and answers. Where state is kept, and what the platform
 * does with registrations and events, is behind `OslpInboundStore`: the adapter knows no database.
 *
 * Light measurement devices (devices of type LMD): OSLP 0.6.1 has no light sensor event code, so an LMD
 * reports with DIAG_EVENTS_GENERAL (OSLP's multi-purpose event) and OSGP's event type name as description,
 * LIGHT_SENSOR_REPORTS_DARK or LIGHT_SENSOR_REPORTS_LIGHT. Such an event is reported under that event type.
 */
import { randomInt } from 'node:crypto';
import type { OslpInboundContext, OslpInboundReply, OslpKnownDevice, OslpListenerHandler, OslpLogger, OslpRejection } from './listener';
import type { EventNotification, OslpMessage } from './messages';
import {
  checkDeviceInitiatedSequenceNumber,
  handleConfirmRegisterDevice,
  handleRegisterDevice,
  registrationAddress,
  registrationFingerprint,
  type OslpDeviceSequenceState,
} from './registration';
import { isSequenceNumber } from './sequence';

/** A device as the handler needs it: who it is and its stored sequence state. */
export interface OslpInboundDevice {
  deviceIdentification: string;
  /** The platform's device type (e.g. SSLD, LMD). */
  deviceType: string;
  networkAddress: string | null;
  state: OslpDeviceSequenceState;
}

/** A device found by its uid: the key that verifies its frames and the state its messages are checked against. */
export interface OslpStoredDevice extends OslpKnownDevice {
  device: OslpInboundDevice;
}

export interface OslpMessageLogEntry {
  direction: 'TO_DEVICE' | 'FROM_DEVICE';
  message: OslpMessage;
  result: string;
}

/** An event as the device reported it, under the platform's event type. */
export interface OslpInboundEvent {
  eventType: string;
  index: number | null;
  description: string | null;
  /** The device's own time of the event, when it sent a valid one. */
  deviceTimestamp: Date | null;
}

/** What tells one RegisterDevice from another (see registrationFingerprint). */
export type OslpRegistrationFingerprint = ReturnType<typeof registrationFingerprint>;

/**
 * Where the handler keeps device state and hands over what devices report. Each method stores before it
 * resolves. A state change is stored only while the device's stored state is still `expected`, the one the
 * protocol rules decided on (false otherwise): of two copies of one frame arriving at once, one wins.
 */
export interface OslpInboundStore {
  /** The device with this uid: its key and, read in the same look-up, its stored state. */
  findDevice(deviceUid: Buffer): Promise<OslpStoredDevice | null>;
  /** The message log of one frame: what the device sent and, when answered, the answer (in that order), written together. */
  logMessages(context: OslpInboundContext, entries: OslpMessageLogEntry[]): Promise<void>;
  /** Whether the device registered with this fingerprint before (an older registration frame sent again). */
  hasRegistered(deviceIdentification: string, fingerprint: OslpRegistrationFingerprint): Promise<boolean>;
  /** A RegisterDevice accepted: the new state, the address the platform will reach the device at, and its fingerprint. */
  saveRegistration(
    deviceIdentification: string,
    expected: OslpDeviceSequenceState,
    state: OslpDeviceSequenceState,
    networkAddress: string,
    fingerprint: OslpRegistrationFingerprint,
  ): Promise<boolean>;
  confirmRegistration(deviceIdentification: string, expected: OslpDeviceSequenceState, state: OslpDeviceSequenceState, registeredAt: Date): Promise<boolean>;
  /**
   * An EventNotification accepted: the new state and the events together (a stored event always belongs
   * to an accepted message); what the platform does with them next must not fail the device's answer.
   */
  storeEvents(
    device: OslpInboundDevice,
    expected: OslpDeviceSequenceState,
    state: OslpDeviceSequenceState,
    events: OslpInboundEvent[],
    receivedAt: Date,
  ): Promise<boolean>;
  /**
   * A frame refused before it reached the handler (bad signature, unknown device, ...). Unauthenticated
   * input: count it, never store it (the listener logs a rate-limited sample).
   */
  onRejected?(rejection: OslpRejection, remoteAddress: string): void;
}

export interface OslpInboundOptions {
  logger: OslpLogger;
  now?: () => Date;
  /** The platform's random of a registration; default a fresh 16-bit random. */
  randomPlatform?: () => number;
}

/** The light sensor reports an LMD sends as the description of a DIAG_EVENTS_GENERAL event. */
const lightSensorReports: readonly string[] = ['LIGHT_SENSOR_REPORTS_DARK', 'LIGHT_SENSOR_REPORTS_LIGHT'];

/** The platform event type of an OSLP event: an LMD's light sensor report, or the OSLP event name. */
export function platformEventType(deviceType: string, notification: EventNotification): string {
  const description = notification.description?.trim() ?? '';
  if (deviceType === 'LMD' && notification.event === 'DIAG_EVENTS_GENERAL' && lightSensorReports.includes(description)) return description;
  return notification.event;
}

/** OSLP's UTC `YYYYMMDDhhmmss`; null when absent or not a real moment. */
export function parseOslpTimestamp(value: string | undefined): Date | null {
  const match = value ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return roundTrips ? date : null;
}

export function createOslpInboundHandler(
  store: OslpInboundStore,
  { logger, now = () => new Date(), randomPlatform = () => randomInt(0, 65536) }: OslpInboundOptions,
): OslpListenerHandler<OslpStoredDevice> {
  return {
    findDevice: (deviceUid) => store.findDevice(deviceUid),

    // The device's state comes with its key (one look-up per frame), and the frame's two message log rows are
    // written in one insert at the end: registering thousands of devices is bound by these database round trips.
    async handle(ctx, message, { device }): Promise<OslpInboundReply | null> {
      const { state } = device;
      const received: OslpMessageLogEntry = { direction: 'FROM_DEVICE', message, result: 'RECEIVED' };

      let reply: OslpInboundReply;
      let accepted: boolean;
      const { deviceIdentification } = device;
      if (message.registerDeviceRequest) {
        const request = message.registerDeviceRequest;
        const fingerprint = registrationFingerprint(ctx.sequenceNumber, request);
        const registeredBefore = isSequenceNumber(request.randomDevice) && (await store.hasRegistered(deviceIdentification, fingerprint));
        const outcome = handleRegisterDevice(state, ctx.sequenceNumber, request, { randomPlatform: randomPlatform(), now: now(), registeredBefore });
        accepted =
          outcome.accepted &&
          (await store.saveRegistration(deviceIdentification, state, outcome.state, registrationAddress(request.ipAddress, ctx.remoteIp), fingerprint));
        if (!accepted) logger.warn('registration refused', { device: deviceIdentification, reason: outcome.accepted ? 'CONCURRENT' : outcome.reason });
        const response = accepted ? outcome.response : { ...outcome.response, status: 'REJECTED' as const, randomPlatform: 0 };
        reply = { message: { registerDeviceResponse: response }, sequenceNumber: outcome.sequenceNumber };
      } else if (message.confirmRegisterDeviceRequest) {
        const outcome = handleConfirmRegisterDevice(state, ctx.sequenceNumber, message.confirmRegisterDeviceRequest);
        accepted = outcome.accepted && (await store.confirmRegistration(deviceIdentification, state, outcome.state, now()));
        if (accepted) logger.info('device registered', { device: deviceIdentification, address: device.networkAddress });
        else logger.warn('registration confirmation refused', { device: deviceIdentification, reason: outcome.accepted ? 'CONCURRENT' : outcome.reason });
        const response = accepted ? outcome.response : { ...outcome.response, status: 'REJECTED' as const };
        reply = { message: { confirmRegisterDeviceResponse: response }, sequenceNumber: outcome.sequenceNumber };
      } else if (message.eventNotificationRequest) {
        const check = checkDeviceInitiatedSequenceNumber(state, ctx.sequenceNumber);
        const events = message.eventNotificationRequest.notifications.map(
          (n): OslpInboundEvent => ({
            eventType: platformEventType(device.deviceType, n),
            index: n.index ?? null,
            description: n.description || null,
            deviceTimestamp: parseOslpTimestamp(n.timestamp),
          }),
        );
        accepted = check.accepted && (await store.storeEvents(device, state, check.state, events, now()));
        if (!accepted) logger.warn('event notification refused', { device: deviceIdentification, reason: check.accepted ? 'CONCURRENT' : check.reason });
        reply = {
          message: { eventNotificationResponse: { status: accepted ? 'OK' : 'REJECTED' } },
          sequenceNumber: ctx.sequenceNumber,
        };
      } else {
        logger.warn('unsupported device-initiated message', { device: deviceIdentification, kind: ctx.kind });
        await store.logMessages(ctx, [received]);
        return null;
      }
      await store.logMessages(ctx, [received, { direction: 'TO_DEVICE', message: reply.message, result: accepted ? 'OK' : 'REJECTED' }]);
      return reply;
    },

    // The listener logs a rate-limited sample of refused frames itself; the store only counts them.
    onRejected: store.onRejected && ((rejection, remoteAddress) => store.onRejected?.(rejection, remoteAddress)),
  };
}
