/**
 * One simulated OSLP light controller (SSLD): its keys, uid, lights and sequence number.
 *
 * It does not own a socket. The fleet's server hands it each decoded request envelope and carries
 * out the returned action (answer now, answer later, hang, or close). Device-initiated exchanges
 * (register, sendEvent) open their own connection to the platform listener.
 *
 * Decisions, where OSLP leaves the device's behaviour open:
 *  - A request whose platform signature does not verify is not answered: the connection is closed
 *    (counted in `stats.badSignatures`, not in `received`). A forger learns nothing that way.
 *  - A request whose sequence number is more than the window away from the stored number + 1 is
 *    not answered either: the connection is closed (counted in `stats.outOfSequence`, recorded in
 *    `received` with outcome 'out-of-sequence'). Before its first registration a device accepts any
 *    number and adopts it.
 *  - Requests the device does not implement are closed without answer (outcome 'unsupported').
 *  - StartSelfTest switches every light on for the test; StopSelfTest puts the lights back as
 *    they were before it and reports a one-octet result, 0 (passed). Both are idempotent, so a retried
 *    command does no harm: a second start keeps the state from before the first, and a stop without a
 *    running test answers OK and changes nothing.
 *  - SetEventNotifications stores the mask, which GetStatus shows. SetReboot counts a start (GetStatus's
 *    startupCounter) and keeps the lights and the mask, as a controller that stores them would.
 *  - SetSchedule keeps every page received (`schedulePages`) and the schedule it builds per schedule type
 *    (`schedules`): a message without pageInfo replaces the schedule; pages are collected from page 1 and the
 *    schedule is replaced when the last one arrives. A page out of order (or over 50 entries) answers FAILURE.
 *  - Configuration: two banks (0 and 1) of OSLP configuration fields, starting with OSLP's defaults. SetConfiguration
 *    changes the fields it carries in the active bank and keeps the others (a repeated field sent empty is "not
 *    given"); GetConfiguration reports the active bank; SwitchConfiguration makes the other bank active (a bank
 *    other than 0 or 1 answers FAILURE). SetConfiguration also keeps the astronomical offsets; ResumeSchedule and SetTransition are recorded
 *    (`resumes`, `transitions`) and answered OK: this simulator runs no clock-driven schedule.
 *  - Relays: every output has a type (LIGHT by default; `configureRelays`). OSLP's GetStatus carries no relay
 *    type, so it reports every output's state as it is on the hardware; what a TARIFF_REVERSED relay means is
 *    the platform's business.
 *  - A light measurement device (`becomeLightMeasurementDevice`) reports dark and light on demand
 *    (`reportLightSensor`). OSLP 0.6.1 has no light sensor event code, so it sends DIAG_EVENTS_GENERAL (OSLP's
 *    multi-purpose event, "see description") with the description LIGHT_SENSOR_REPORTS_DARK or
 *    LIGHT_SENSOR_REPORTS_LIGHT, OSGP's event type names; the platform recognises them from devices it knows
 *    as light measurement devices.
 *  - Firmware: UpdateFirmware is answered OK at once; then the device downloads http://<domain><url>, checks
 *    the image against the SHA-256 the platform sends with it (X-OSGP-Firmware-SHA256; OSLP itself carries
 *    no hash) and its length, takes the version the platform names (X-OSGP-Firmware-Version), restarts
 *    (answers nothing for `firmwareRestartMs`) and runs it: GetFirmwareVersion and GetStatus report it. It keeps
 *    every version it ran, so SwitchFirmware to one of them answers OK (any other: FAILURE). On demand
 *    (`firmwareFault`) it fails the download, refuses certain versions (keeps its own) or goes silent once
 *    it took the update (answers nothing any more).
 *  - SetDeviceVerificationKey: a P-256 public key (DER SPKI) is accepted and, from the next message on, every
 *    platform message must verify with it (answers to the device's own requests too); anything else, or any key
 *    while `refuseVerificationKeys` is set, answers REJECTED and keeps the old key. UpdateDeviceSslCertification
 *    is recorded (`sslCertifications`) and answered OK.
 */
import { createHash, type KeyObject } from 'node:crypto';
import net from 'node:net';
import {
  decodeEnvelope,
  decodeMessage,
  encodeEnvelope,
  encodeMessage,
  generateKeyPair,
  isWithinWindow,
  messageKind,
  newestSequenceNumber,
  nextSequenceNumber,
  publicKeyToPem,
  randomUint16,
  sendRequest,
  verifyEnvelope,
  DEFAULT_SEQUENCE_WINDOW,
  OSLP_ALL_LIGHTS_INDEX,
  OSLP_MAX_LIGHT_INDEX,
  OSLP_MAX_SCHEDULES_PER_MESSAGE,
  OSLP_NOTIFICATION_BITS,
  OSLP_RESPONSE_KIND,
  OslpProtocolError,
  OslpTransportError,
  isRequestKind,
  type DecodedOslpEnvelope,
  type EventNotification,
  type LightValue,
  type OslpLightType,
  type OslpLinkType,
  type OslpMessage,
  type OslpMessageKind,
  type OslpRequestKind,
  type OslpStatus,
  type ResumeScheduleRequest,
  type Schedule,
  type SetScheduleRequest,
  type SetTransitionRequest,
  type OslpConfiguration,
  type UpdateDeviceSslCertificationRequest,
  publicKeyFromBase64Der,
  publicKeyToBase64Der,
} from '../../adapters/oslp';

export type OslpMisbehaviour =
  | { kind: 'normal' }
  | { kind: 'never-answer' }
  | { kind: 'answer-late'; delayMs: number }
  | { kind: 'reject' }
  | { kind: 'sign-wrongly' }
  | { kind: 'drop-connection' }
  /** Drops the connection for the next `times` requests, then behaves as `then` (default normal). */
  | { kind: 'fail-times'; times: number; then?: OslpMisbehaviour };

/** How a silent device treats the platform's requests: closes the connection unanswered, or never answers. */
export type SilenceMode = 'drop' | 'hang';

export interface SimulatedLight {
  /** 1..6 */
  index: number;
  on: boolean;
  /** 1..100, or null when never dimmed. */
  dimValue: number | null;
}

export interface SimulatedDeviceState {
  lights: SimulatedLight[];
  /** Newest sequence number exchanged with the platform; null before the first registration. */
  sequenceNumber: number | null;
  sequenceWindow: number;
  randomDevice: number | null;
  randomPlatform: number | null;
  registered: boolean;
  eventNotificationMask: number;
  lightType: OslpLightType;
  linkType: OslpLinkType;
  /** The lights as they were when the running self test started; null when no test runs. */
  selfTest: { lightsBefore: SimulatedLight[] } | null;
  /** Starts of the device, reboots included (GetStatus's startupCounter). */
  startupCounter: number;
  /** Every SetSchedule message received, in order (pages included). */
  schedulePages: SetScheduleRequest[];
  /** The schedule in force per schedule type, as assembled from its pages. */
  schedules: { LIGHT: Schedule[]; TARIFF: Schedule[] };
  /** Pages of a paged schedule being received: the pages so far. */
  pendingSchedule: { scheduleType: 'LIGHT' | 'TARIFF'; totalPages: number; received: number; schedules: Schedule[] } | null;
  /** SetConfiguration's astronomical offsets, seconds (0 until set). */
  astronomicalOffsets: { sunrise: number; sunset: number };
  resumes: ResumeScheduleRequest[];
  transitions: SetTransitionRequest[];
  /** The type of each output (1..6). */
  relayTypes: Record<number, SimulatedRelayType>;
  lightMeasurementDevice: boolean;
  /** The firmware version the device runs (GetFirmwareVersion, GetStatus). */
  firmwareVersion: string;
  /** Every version the device ran: SwitchFirmware may go back to these. */
  installedFirmwareVersions: string[];
  /** Each firmware download and what came of it. */
  firmwareDownloads: Array<{ url: string; outcome: 'installed' | 'download-failed' | 'hash-mismatch' | 'refused' | 'silent'; version?: string; at: Date }>;
  /** Restarting after an update: every request is dropped until then (epoch ms). */
  restartingUntil: number | null;
  /** The two configuration banks and the one in force. */
  configurationBanks: [OslpConfiguration, OslpConfiguration];
  activeConfigurationBank: number;
  /** Every UpdateDeviceSslCertification received. */
  sslCertifications: UpdateDeviceSslCertificationRequest[];
  /** Verification keys accepted (Base64 DER), oldest first. */
  verificationKeys: string[];
  /** While true, SetDeviceVerificationKey answers REJECTED. */
  refuseVerificationKeys: boolean;
}

/** What goes wrong with a firmware update, on demand. */
export type FirmwareFault =
  | { kind: 'none' }
  /** The download fails (the device does not fetch the image, or the fetch errs): it keeps its version. */
  | { kind: 'fail-download' }
  /** The device refuses to install these versions and keeps its own. */
  | { kind: 'refuse-version'; versions: string[] }
  /** Once it accepted an update the device answers nothing any more. */
  | { kind: 'go-silent' };

export type SimulatedRelayType = 'LIGHT' | 'TARIFF' | 'TARIFF_REVERSED';

export const LIGHT_SENSOR_EVENT_DESCRIPTIONS = { dark: 'LIGHT_SENSOR_REPORTS_DARK', light: 'LIGHT_SENSOR_REPORTS_LIGHT' } as const;

export type ReceivedOutcome = 'answered' | 'rejected' | 'ignored' | 'dropped' | 'out-of-sequence' | 'unsupported';

export interface ReceivedCommand {
  kind: OslpMessageKind;
  sequenceNumber: number;
  at: Date;
  outcome: ReceivedOutcome;
}

/** What the fleet's connection does for one request. */
export type DeviceAction =
  | { kind: 'answer'; frame: Buffer; delayMs: number }
  | { kind: 'hang' }
  | { kind: 'close' };

export interface PlatformEndpoint {
  host: string;
  port: number;
}

export interface SimulatedDeviceOptions {
  identification: string;
  deviceUid: Buffer;
  platformPublicKey: KeyObject;
  /** Where register() and sendEvent() connect to. */
  platform?: PlatformEndpoint;
  /** IPv4 address announced in RegisterDevice. */
  advertisedAddress: string;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** The version the device runs at first (default R01). */
  firmwareVersion?: string;
  /** How long the device restarts after installing a firmware (default 200 ms). */
  firmwareRestartMs?: number;
}

const LIGHT_COUNT = OSLP_MAX_LIGHT_INDEX;
const ALL_EVENTS_MASK = Object.values(OSLP_NOTIFICATION_BITS).reduce((mask, bit) => mask | bit, 0);
const FIRMWARE_VERSION = 'R01';
const SELF_TEST_PASSED = 0;

export class SimulatedOslpDevice {
  readonly identification: string;
  readonly deviceUid: Buffer;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly received: ReceivedCommand[] = [];
  readonly stats = { badSignatures: 0, malformed: 0, outOfSequence: 0 };
  readonly state: SimulatedDeviceState;

  private readonly privateKey: KeyObject;
  /** A key the platform does not know, for 'sign-wrongly'. */
  private get wrongKey(): KeyObject {
    // Made when first needed: a fleet of tens of thousands of devices should not pay for a second key each.
    return (this.wrongKeyMade ??= generateKeyPair().privateKey);
  }
  private wrongKeyMade: KeyObject | undefined;
  private mode: OslpMisbehaviour = { kind: 'normal' };
  private silence: SilenceMode | null = null;
  /** The platform key this device verifies every platform message with (SetDeviceVerificationKey changes it). */
  private platformKey: KeyObject;

  constructor(private readonly options: SimulatedDeviceOptions) {
    const keys = generateKeyPair();
    this.privateKey = keys.privateKey;
    this.publicKey = keys.publicKey;
    this.publicKeyPem = publicKeyToPem(keys.publicKey);
    this.identification = options.identification;
    this.deviceUid = options.deviceUid;
    this.platformKey = options.platformPublicKey;
    this.state = {
      lights: Array.from({ length: LIGHT_COUNT }, (_, i) => ({ index: i + 1, on: false, dimValue: null })),
      sequenceNumber: null,
      sequenceWindow: DEFAULT_SEQUENCE_WINDOW,
      randomDevice: null,
      randomPlatform: null,
      registered: false,
      eventNotificationMask: ALL_EVENTS_MASK,
      lightType: 'RELAY',
      linkType: 'ETHERNET',
      selfTest: null,
      startupCounter: 1,
      schedulePages: [],
      schedules: { LIGHT: [], TARIFF: [] },
      pendingSchedule: null,
      astronomicalOffsets: { sunrise: 0, sunset: 0 },
      resumes: [],
      transitions: [],
      relayTypes: Object.fromEntries(Array.from({ length: LIGHT_COUNT }, (_, i) => [i + 1, 'LIGHT' as const])),
      lightMeasurementDevice: false,
      firmwareVersion: options.firmwareVersion ?? FIRMWARE_VERSION,
      installedFirmwareVersions: [options.firmwareVersion ?? FIRMWARE_VERSION],
      firmwareDownloads: [],
      restartingUntil: null,
      configurationBanks: [defaultConfiguration(), defaultConfiguration()],
      activeConfigurationBank: 0,
      sslCertifications: [],
      verificationKeys: [],
      refuseVerificationKeys: false,
    };
  }

  /** The configuration in force (the active bank). */
  get configuration(): OslpConfiguration {
    return this.state.configurationBanks[this.state.activeConfigurationBank];
  }

  private firmwareFaultMode: FirmwareFault = { kind: 'none' };
  /** Settles when the last firmware installation this device started has ended (tests wait on it). */
  firmwareInstallation: Promise<void> = Promise.resolve();

  /** What goes wrong with the next firmware updates (until set again). */
  firmwareFault(fault: FirmwareFault): void {
    this.firmwareFaultMode = fault;
  }

  /** Sets the type of some outputs; the others keep theirs. */
  configureRelays(relays: Array<{ index: number; type: SimulatedRelayType }>): void {
    for (const relay of relays) {
      if (!Number.isInteger(relay.index) || relay.index < 1 || relay.index > LIGHT_COUNT) {
        throw new RangeError(`relay index must be 1..${LIGHT_COUNT}, got ${relay.index}`);
      }
      this.state.relayTypes[relay.index] = relay.type;
    }
  }

  /** Puts an output in a state, as a local switch or the device's own schedule would. */
  setOutput(index: number, on: boolean): void {
    const light = this.state.lights.find((l) => l.index === index);
    if (!light) throw new RangeError(`no output ${index}`);
    light.on = on;
  }

  becomeLightMeasurementDevice(): void {
    this.state.lightMeasurementDevice = true;
  }

  /** A light measurement device's verdict, sent to the platform as an event notification. */
  async reportLightSensor(verdict: 'dark' | 'light', at: Date = new Date()): Promise<OslpStatus> {
    if (!this.state.lightMeasurementDevice) {
      throw new OslpProtocolError('INVALID_ARGUMENT', `${this.identification} is no light measurement device`);
    }
    return this.sendEvent([
      { event: 'DIAG_EVENTS_GENERAL', description: LIGHT_SENSOR_EVENT_DESCRIPTIONS[verdict], timestamp: oslpTimestamp(at) },
    ]);
  }

  /**
   * Stops answering and calling in, as a device that lost power or its link (status monitoring): requests are
   * dropped ('drop': the connection closes unanswered) or left hanging until the platform gives up ('hang'),
   * and register()/sendEvent() fail. resume() brings it back with its state as it was.
   */
  goSilent(mode: SilenceMode = 'drop'): void {
    this.silence = mode;
  }

  resume(): void {
    this.silence = null;
  }

  get silent(): boolean {
    return this.silence !== null;
  }

  misbehave(mode: OslpMisbehaviour): void {
    this.mode = mode;
  }

  get misbehaviour(): OslpMisbehaviour {
    return this.mode;
  }

  /** Number of received commands of one kind, e.g. to count retries. */
  receivedCount(kind: OslpMessageKind): number {
    return this.received.filter((command) => command.kind === kind).length;
  }

  // ------------------------------------------------------------ platform-initiated requests

  /** Decides the answer to one request envelope. Synchronous, so no two requests interleave on state. */
  handleRequest(envelope: DecodedOslpEnvelope): DeviceAction {
    if (!verifyEnvelope(envelope, this.platformKey)) {
      this.stats.badSignatures += 1;
      return { kind: 'close' };
    }
    let message: OslpMessage;
    try {
      message = decodeMessage(envelope.payload);
    } catch {
      this.stats.malformed += 1;
      return { kind: 'close' };
    }
    const kind = messageKind(message);
    const record = (outcome: ReceivedOutcome, action: DeviceAction): DeviceAction => {
      this.received.push({ kind, sequenceNumber: envelope.sequenceNumber, at: new Date(), outcome });
      return action;
    };
    if (this.silence) return record('ignored', this.silence === 'hang' ? { kind: 'hang' } : { kind: 'close' });
    const mode = this.takeMode();
    if (mode.kind === 'never-answer') return record('ignored', { kind: 'hang' });
    if (this.state.restartingUntil !== null) {
      if (Date.now() < this.state.restartingUntil) return record('dropped', { kind: 'close' });
      this.state.restartingUntil = null;
    }
    if (mode.kind === 'drop-connection') return record('dropped', { kind: 'close' });
    if (!this.acceptsSequenceNumber(envelope.sequenceNumber)) {
      this.stats.outOfSequence += 1;
      return record('out-of-sequence', { kind: 'close' });
    }
    const response = mode.kind === 'reject' ? rejectionFor(kind) : this.execute(kind, message);
    if (!response) return record('unsupported', { kind: 'close' });
    return record(mode.kind === 'reject' ? 'rejected' : 'answered', this.answer(envelope.sequenceNumber, response, mode));
  }

  /** The mode for this request; counts down 'fail-times' and moves on to its follow-up. */
  private takeMode(): OslpMisbehaviour {
    const mode = this.mode;
    if (mode.kind !== 'fail-times') return mode;
    if (mode.times <= 0) {
      this.mode = mode.then ?? { kind: 'normal' };
      return this.takeMode();
    }
    this.mode = mode.times === 1 ? (mode.then ?? { kind: 'normal' }) : { ...mode, times: mode.times - 1 };
    return { kind: 'drop-connection' };
  }

  private acceptsSequenceNumber(sequenceNumber: number): boolean {
    const stored = this.state.sequenceNumber;
    return stored === null || isWithinWindow(nextSequenceNumber(stored), sequenceNumber, this.state.sequenceWindow);
  }

  private answer(requestSequenceNumber: number, response: OslpMessage, mode: OslpMisbehaviour): DeviceAction {
    const answerSequenceNumber = nextSequenceNumber(requestSequenceNumber);
    this.state.sequenceNumber = newestSequenceNumber(this.state.sequenceNumber, answerSequenceNumber);
    const key = mode.kind === 'sign-wrongly' ? this.wrongKey : this.privateKey;
    const frame = encodeEnvelope(
      { sequenceNumber: answerSequenceNumber, deviceUid: this.deviceUid, payload: encodeMessage(response) },
      key,
    );
    return { kind: 'answer', frame, delayMs: mode.kind === 'answer-late' ? mode.delayMs : 0 };
  }

  /** Carries out a request on the simulated hardware; null when this device does not implement it. */
  private execute(kind: OslpMessageKind, message: OslpMessage): OslpMessage | null {
    switch (kind) {
      case 'setLightRequest':
        return { setLightResponse: { status: this.switchLights(message.setLightRequest?.values ?? []) } };
      case 'getStatusRequest':
        return { getStatusResponse: this.status() };
      case 'setEventNotificationsRequest':
        this.state.eventNotificationMask = message.setEventNotificationsRequest?.NotificationMask ?? this.state.eventNotificationMask;
        return { setEventNotificationsResponse: { status: 'OK' } };
      case 'getFirmwareVersionRequest':
        return { getFirmwareVersionResponse: { firmwareVersion: this.state.firmwareVersion } };
      case 'updateFirmwareRequest': {
        const request = message.updateFirmwareRequest;
        if (!request) return { updateFirmwareResponse: { status: 'FAILURE' } };
        // Answered now; the device downloads and installs on its own afterwards, as a real one does.
        this.firmwareInstallation = this.installFirmware(request.firmwareDomain, request.firmwareUrl);
        return { updateFirmwareResponse: { status: 'OK' } };
      }
      case 'switchFirmwareRequest': {
        const version = message.switchFirmwareRequest?.newFirmwareVersion ?? '';
        if (!this.state.installedFirmwareVersions.includes(version)) return { switchFirmwareResponse: { status: 'FAILURE' } };
        this.state.firmwareVersion = version;
        this.state.startupCounter += 1;
        return { switchFirmwareResponse: { status: 'OK' } };
      }
      case 'startSelfTestRequest':
        this.startSelfTest();
        return { startSelfTestResponse: { status: 'OK' } };
      case 'stopSelfTestRequest':
        this.stopSelfTest();
        return { stopSelfTestResponse: { status: 'OK', selfTestResult: Buffer.from([SELF_TEST_PASSED]) } };
      case 'setRebootRequest':
        this.state.startupCounter += 1;
        return { setRebootResponse: { status: 'OK' } };
      case 'setScheduleRequest':
        return { setScheduleResponse: { status: this.storeSchedule(message.setScheduleRequest) } };
      case 'setConfigurationRequest': {
        const configuration = message.setConfigurationRequest ?? {};
        this.state.astronomicalOffsets = {
          sunrise: configuration.astroGateSunRiseOffset ?? this.state.astronomicalOffsets.sunrise,
          sunset: configuration.astroGateSunSetOffset ?? this.state.astronomicalOffsets.sunset,
        };
        this.state.configurationBanks[this.state.activeConfigurationBank] = mergeOslpConfiguration(this.configuration, configuration);
        return { setConfigurationResponse: { status: 'OK' } };
      }
      case 'getConfigurationRequest':
        return { getConfigurationResponse: { status: 'OK', ...this.configuration } };
      case 'switchConfigurationRequest': {
        const bank = message.switchConfigurationRequest?.newConfigurationSet;
        if (bank !== 0 && bank !== 1) return { switchConfigurationResponse: { status: 'FAILURE' } };
        this.state.activeConfigurationBank = bank;
        return { switchConfigurationResponse: { status: 'OK' } };
      }
      case 'setDeviceVerificationKeyRequest':
        return { setDeviceVerificationKeyResponse: { status: this.takeVerificationKey(message.setDeviceVerificationKeyRequest?.certificateChunk) } };
      case 'updateDeviceSslCertificationRequest':
        if (message.updateDeviceSslCertificationRequest) this.state.sslCertifications.push(message.updateDeviceSslCertificationRequest);
        return { updateDeviceSslCertificationResponse: { status: 'OK' } };
      case 'resumeScheduleRequest':
        if (message.resumeScheduleRequest) this.state.resumes.push(message.resumeScheduleRequest);
        return { resumeScheduleResponse: { status: 'OK' } };
      case 'setTransitionRequest':
        if (message.setTransitionRequest) this.state.transitions.push(message.setTransitionRequest);
        return { setTransitionResponse: { status: 'OK' } };
      default:
        return null;
    }
  }

  /** A new platform key, verified with from the next message on; REJECTED (old key kept) when unusable or refused. */
  private takeVerificationKey(chunk: Buffer | undefined): OslpStatus {
    if (!chunk || this.state.refuseVerificationKeys) return 'REJECTED';
    let key: KeyObject;
    try {
      key = publicKeyFromBase64Der(chunk.toString('base64'));
    } catch {
      return 'REJECTED';
    }
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'REJECTED';
    this.platformKey = key;
    this.state.verificationKeys.push(publicKeyToBase64Der(key));
    return 'OK';
  }

  /** One SetSchedule message: a whole schedule, or one page of it (see the decisions above). */
  private storeSchedule(request: SetScheduleRequest | undefined): OslpStatus {
    if (!request || request.scheduleType === 'RT_NOT_SET' || request.schedules.length > OSLP_MAX_SCHEDULES_PER_MESSAGE) return 'FAILURE';
    this.state.schedulePages.push(request);
    const scheduleType = request.scheduleType;
    const page = request.pageInfo;
    if (!page) {
      this.state.schedules[scheduleType] = [...request.schedules];
      this.state.pendingSchedule = null;
      return 'OK';
    }
    const pending = this.state.pendingSchedule;
    if (page.currentPage === 1) {
      this.state.pendingSchedule = { scheduleType, totalPages: page.totalPages, received: 1, schedules: [...request.schedules] };
    } else if (
      pending &&
      pending.scheduleType === scheduleType &&
      pending.totalPages === page.totalPages &&
      page.currentPage === pending.received + 1
    ) {
      pending.received += 1;
      pending.schedules.push(...request.schedules);
    } else {
      this.state.pendingSchedule = null;
      return 'FAILURE';
    }
    const current = this.state.pendingSchedule;
    if (current && current.received === current.totalPages) {
      this.state.schedules[scheduleType] = current.schedules;
      this.state.pendingSchedule = null;
    }
    return 'OK';
  }

  private startSelfTest(): void {
    // A repeated start keeps the lights from before the first one, to put back at the stop.
    this.state.selfTest ??= { lightsBefore: this.state.lights.map((light) => ({ ...light })) };
    for (const light of this.state.lights) light.on = true;
  }

  private stopSelfTest(): void {
    const test = this.state.selfTest;
    if (!test) return;
    for (const light of this.state.lights) {
      const before = test.lightsBefore.find((l) => l.index === light.index);
      if (before) Object.assign(light, before);
    }
    this.state.selfTest = null;
  }

  /** Applies all values or none: a value with an index the device lacks fails the whole request. */
  private switchLights(values: LightValue[]): OslpStatus {
    const valid = values.every(
      (value) =>
        (value.index ?? OSLP_ALL_LIGHTS_INDEX) <= LIGHT_COUNT &&
        (value.dimValue === undefined || (value.dimValue >= 1 && value.dimValue <= 100)),
    );
    if (!valid) return 'FAILURE';
    for (const value of values) {
      const index = value.index ?? OSLP_ALL_LIGHTS_INDEX;
      for (const light of this.state.lights) {
        if (index !== OSLP_ALL_LIGHTS_INDEX && light.index !== index) continue;
        light.on = value.on;
        if (value.dimValue !== undefined) light.dimValue = value.dimValue;
      }
    }
    return 'OK';
  }

  private status(): NonNullable<OslpMessage['getStatusResponse']> {
    return {
      status: 'OK',
      value: this.state.lights.map((light) => ({
        index: light.index,
        on: light.on,
        ...(light.dimValue === null ? {} : { dimValue: light.dimValue }),
      })),
      preferredLinktype: this.state.linkType,
      actualLinktype: this.state.linkType,
      lightType: this.state.lightType,
      eventNotificationMask: this.state.eventNotificationMask,
      numberOfOutputs: LIGHT_COUNT,
      startupCounter: this.state.startupCounter,
      firmwareVersion: this.state.firmwareVersion,
    };
  }

  /** Downloads, checks and installs an image (see the decisions above); never throws. */
  private async installFirmware(domain: string, relativeUrl: string): Promise<void> {
    const url = `http://${domain}${relativeUrl}`;
    const note = (outcome: SimulatedDeviceState['firmwareDownloads'][number]['outcome'], version?: string): void => {
      this.state.firmwareDownloads.push({ url, outcome, ...(version !== undefined ? { version } : {}), at: new Date() });
    };
    const fault = this.firmwareFaultMode;
    if (fault.kind === 'go-silent') {
      this.mode = { kind: 'never-answer' };
      note('silent');
      return;
    }
    if (fault.kind === 'fail-download') {
      note('download-failed');
      return;
    }
    let image: Buffer;
    let expectedHash: string | null;
    let version: string | null;
    let declaredLength: number | null;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) {
        note('download-failed');
        return;
      }
      image = Buffer.from(await response.arrayBuffer());
      expectedHash = response.headers.get('x-osgp-firmware-sha256');
      version = response.headers.get('x-osgp-firmware-version');
      const length = response.headers.get('content-length');
      declaredLength = length === null ? null : Number(length);
    } catch {
      note('download-failed');
      return;
    }
    const complete = image.length > 0 && (declaredLength === null || declaredLength === image.length);
    if (!expectedHash || !version || !complete || createHash('sha256').update(image).digest('hex') !== expectedHash) {
      note('hash-mismatch', version ?? undefined);
      return;
    }
    if (fault.kind === 'refuse-version' && fault.versions.includes(version)) {
      note('refused', version);
      return;
    }
    // Restart into the new firmware: nothing is answered meanwhile.
    this.state.restartingUntil = Date.now() + (this.options.firmwareRestartMs ?? 200);
    this.state.firmwareVersion = version;
    if (!this.state.installedFirmwareVersions.includes(version)) this.state.installedFirmwareVersions.push(version);
    this.state.startupCounter += 1;
    note('installed', version);
  }

  // ------------------------------------------------------------ device-initiated exchanges

  /** Two-step registration with the platform listener; throws OslpProtocolError/OslpTransportError on failure. */
  async register(): Promise<void> {
    const registerSequenceNumber = randomUint16();
    const randomDevice = randomUint16();
    const registered = await this.exchange(registerSequenceNumber, {
      registerDeviceRequest: {
        deviceIdentification: this.identification,
        ipAddress: ipv4Octets(this.options.advertisedAddress),
        deviceType: 'SSLD',
        hasSchedule: false,
        randomDevice,
      },
    });
    const registerResponse = registered.registerDeviceResponse;
    if (!registerResponse || registerResponse.status !== 'OK' || registerResponse.randomDevice !== randomDevice) {
      throw new OslpProtocolError('UNEXPECTED_RESPONSE', `registration of ${this.identification} refused: ${describe(registered)}`);
    }
    const confirmSequenceNumber = nextSequenceNumber(registerSequenceNumber);
    const randomPlatform = registerResponse.randomPlatform;
    const confirmed = await this.exchange(confirmSequenceNumber, { confirmRegisterDeviceRequest: { randomDevice, randomPlatform } });
    const confirmResponse = confirmed.confirmRegisterDeviceResponse;
    if (
      !confirmResponse ||
      confirmResponse.status !== 'OK' ||
      confirmResponse.randomDevice !== randomDevice ||
      confirmResponse.randomPlatform !== randomPlatform
    ) {
      throw new OslpProtocolError('UNEXPECTED_RESPONSE', `confirmation of ${this.identification} refused: ${describe(confirmed)}`);
    }
    Object.assign(this.state, {
      sequenceNumber: confirmSequenceNumber,
      sequenceWindow: confirmResponse.sequenceWindow,
      randomDevice,
      randomPlatform,
      registered: true,
    });
  }

  /** Sends an EventNotification with the next sequence number; returns the platform's status. */
  async sendEvent(notifications: EventNotification[]): Promise<OslpStatus> {
    if (this.state.sequenceNumber === null) {
      throw new OslpProtocolError('INVALID_ARGUMENT', `${this.identification} must register before sending events`);
    }
    const sequenceNumber = nextSequenceNumber(this.state.sequenceNumber);
    const answer = await this.exchange(sequenceNumber, { eventNotificationRequest: { notifications } });
    if (!answer.eventNotificationResponse) {
      throw new OslpProtocolError('UNEXPECTED_RESPONSE', `expected eventNotificationResponse, got ${describe(answer)}`);
    }
    this.state.sequenceNumber = newestSequenceNumber(this.state.sequenceNumber, sequenceNumber);
    return answer.eventNotificationResponse.status;
  }

  /** One signed request to the platform; the platform answers with the same sequence number. */
  private async exchange(sequenceNumber: number, message: OslpMessage): Promise<OslpMessage> {
    if (this.silence) throw new OslpTransportError('CONNECT_FAILED', `${this.identification} is silent (goSilent): it sends nothing`);
    const platform = this.options.platform;
    if (!platform) throw new OslpProtocolError('INVALID_ARGUMENT', 'no platform endpoint configured for this simulator');
    const frame = encodeEnvelope({ sequenceNumber, deviceUid: this.deviceUid, payload: encodeMessage(message) }, this.privateKey);
    const responseFrame = await sendRequest({
      host: platform.host,
      port: platform.port,
      frame,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      responseTimeoutMs: this.options.responseTimeoutMs ?? 30_000,
    });
    const envelope = decodeEnvelope(responseFrame);
    if (!verifyEnvelope(envelope, this.platformKey)) {
      throw new OslpProtocolError('BAD_SIGNATURE', 'platform answer does not verify with the platform key');
    }
    if (!envelope.deviceUid.equals(this.deviceUid)) {
      throw new OslpProtocolError('WRONG_DEVICE', 'platform answered for another device uid');
    }
    if (envelope.sequenceNumber !== sequenceNumber) {
      throw new OslpProtocolError('OUT_OF_SEQUENCE', `platform answered ${envelope.sequenceNumber}, expected ${sequenceNumber}`);
    }
    return decodeMessage(envelope.payload);
  }
}

function statusOnlyResponse(kind: OslpRequestKind, status: OslpStatus): OslpMessage | null {
  switch (OSLP_RESPONSE_KIND[kind]) {
    case 'startSelfTestResponse':
      return { startSelfTestResponse: { status } };
    case 'setLightResponse':
      return { setLightResponse: { status } };
    case 'resumeScheduleResponse':
      return { resumeScheduleResponse: { status } };
    case 'setEventNotificationsResponse':
      return { setEventNotificationsResponse: { status } };
    case 'setScheduleResponse':
      return { setScheduleResponse: { status } };
    case 'setConfigurationResponse':
      return { setConfigurationResponse: { status } };
    case 'setRebootResponse':
      return { setRebootResponse: { status } };
    case 'setTransitionResponse':
      return { setTransitionResponse: { status } };
    case 'updateFirmwareResponse':
      return { updateFirmwareResponse: { status } };
    case 'switchFirmwareResponse':
      return { switchFirmwareResponse: { status } };
    case 'switchConfigurationResponse':
      return { switchConfigurationResponse: { status } };
    case 'setDeviceVerificationKeyResponse':
      return { setDeviceVerificationKeyResponse: { status } };
    case 'updateDeviceSslCertificationResponse':
      return { updateDeviceSslCertificationResponse: { status } };
    case 'getConfigurationResponse':
      return { getConfigurationResponse: { status } };
    default:
      return null;
  }
}

/** The answer of a device that refuses a request it received in the wrong state. */
function rejectionFor(kind: OslpMessageKind): OslpMessage | null {
  if (!isRequestKind(kind)) return null;
  if (kind === 'getStatusRequest') {
    return {
      getStatusResponse: {
        status: 'REJECTED',
        value: [],
        preferredLinktype: 'LINK_NOT_SET',
        actualLinktype: 'LINK_NOT_SET',
        lightType: 'LT_NOT_SET',
        eventNotificationMask: 0,
      },
    };
  }
  if (kind === 'stopSelfTestRequest') return { stopSelfTestResponse: { status: 'REJECTED', selfTestResult: Buffer.alloc(0) } };
  return statusOnlyResponse(kind, 'REJECTED');
}

/** What a new device has: OSLP's defaults, a relay light controller with six LIGHT outputs, DHCP on. */
function defaultConfiguration(): OslpConfiguration {
  return {
    lightType: 'RELAY',
    relayConfiguration: {
      addressMap: Array.from({ length: LIGHT_COUNT }, (_, i) => ({ index: i + 1, address: i + 1, relayType: 'LIGHT' as const })),
    },
    preferredLinkType: 'ETHERNET',
    timeSyncFrequency: 86_400,
    isDhcpEnabled: true,
    communicationTimeout: 20,
    communicationNumberOfRetries: 3,
    communicationPauseTimeBetweenConnectionTrials: 60,
    isTestButtonEnabled: true,
    isAutomaticSummerTimingEnabled: true,
    astroGateSunRiseOffset: 0,
    astroGateSunSetOffset: 0,
    switchingDelay: [0, 0, 0, 0],
    relayLinking: [],
    relayRefreshing: true,
    summerTimeDetails: '0360100',
    winterTimeDetails: '1060200',
  };
}

/** The fields a SetConfiguration carries replace the bank's; a repeated field sent empty counts as not given. */
function mergeOslpConfiguration(bank: OslpConfiguration, change: OslpConfiguration): OslpConfiguration {
  const merged: OslpConfiguration = { ...bank };
  for (const [key, value] of Object.entries(change) as Array<[keyof OslpConfiguration, unknown]>) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** OSLP's UTC YYYYMMDDhhmmss. */
function oslpTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function ipv4Octets(address: string): Buffer {
  const usable = net.isIPv4(address) && address !== '0.0.0.0' ? address : '127.0.0.1';
  return Buffer.from(usable.split('.').map(Number));
}

function describe(message: OslpMessage): string {
  try {
    const kind = messageKind(message);
    const body = message[kind];
    const status = body && 'status' in body ? body.status : 'no status';
    return `${kind} (${status})`;
  } catch {
    return 'an empty message';
  }
}
