/**
 * Standing fuzz suite of the OSLP listener (issue 10): the platform's real listener and handler, on real TCP
 * and PostgreSQL, fed generated and mutated frames: random bytes, truncated headers, wrong lengths,
 * oversize, random protobuf (signed and not), mutated real frames, forged signatures, unknown devices, and
 * replays of accepted frames (the same bytes, the other ECDSA signature, other padding, older after newer),
 * between fresh events of a registered device. Seeded: see test/support/fuzz.ts.
 *
 * The oracle is independent of the listener: a frame is authentic when its signed part and DER signature are
 * bytes this test signed. Asserted: only authentic frames are answered; each fresh event is accepted and no
 * replay is; no database row is written for an unauthenticated frame; the listener serves on; and the heap
 * comes back to where it was once the frames are done.
 */
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import {
  decodeEnvelope,
  ENVELOPE_HEADER_LENGTH,
  generateKeyPair,
  MAX_PAYLOAD_LENGTH,
  publicKeyOf,
  publicKeyToPem,
  SIGNATURE_FIELD_LENGTH,
  trimSignature,
  verifyEnvelope,
} from '../../adapters/oslp/envelope';
import { startOslpListener, type OslpListener, type OslpRejectionCode } from '../../adapters/oslp/listener';
import { decodeMessage, type OslpMessage } from '../../adapters/oslp/messages';
import { createOslpInboundHandler } from '../../adapters/oslp/inbound';
import { createOslpInboundStore } from '../../activities/oslp/inbound-store';
import { createDeviceEventFollowUp } from '../../core/devices/device-events';
import { createLogger } from '../../common/logger';
import { openDatabase, type Database } from '../../db/client';
import { fuzzCases, fuzzSeed } from '../support/fuzz';
import { exchangeRaw, signedFrame, withOtherPadding, withOtherSignature } from '../support/oslp-frames';
import { requireTestServers } from '../support/platform';

jest.setTimeout(300_000);

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const seed = fuzzSeed('OSLP listener');
const frameCount = fuzzCases(20_000);
const warmUpCount = 1_000;
const concurrency = 32;
const run = Date.now().toString(36);

// ---------------------------------------------------------------- the cases

type Edit = { kind: 'set' | 'cut' | 'insert'; at: number; value: number };
type FrameCase =
  | { kind: 'random-bytes'; bytes: Uint8Array }
  | { kind: 'truncated'; length: number }
  | { kind: 'wrong-length'; declared: number; payloadLength: number }
  | { kind: 'oversize'; declared: number; withPayload: boolean }
  | { kind: 'random-protobuf'; payload: Uint8Array; signedBy: 'device' | 'nobody' | 'unknown-device' }
  | { kind: 'forged'; description: string }
  | { kind: 'mutated'; pick: number; edits: Edit[] }
  | { kind: 'replay'; pick: number; variant: 'same' | 'other-signature' | 'other-padding' }
  | { kind: 'fresh'; skip: number };

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom<Edit['kind']>('set', 'set', 'set', 'cut', 'insert'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

const frameCase: fc.Arbitrary<FrameCase> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('random-bytes' as const), bytes: fc.uint8Array({ maxLength: 400 }) }) },
  { weight: 15, arbitrary: fc.record({ kind: fc.constant('truncated' as const), length: fc.integer({ min: 0, max: ENVELOPE_HEADER_LENGTH + 10 }) }) },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('wrong-length' as const),
      declared: fc.integer({ min: 0, max: MAX_PAYLOAD_LENGTH }),
      payloadLength: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('oversize' as const),
      declared: fc.integer({ min: MAX_PAYLOAD_LENGTH + 1, max: 0xffff }),
      withPayload: fc.boolean(),
    }),
  },
  {
    weight: 15,
    arbitrary: fc.record({
      kind: fc.constant('random-protobuf' as const),
      payload: fc.uint8Array({ maxLength: 120 }),
      signedBy: fc.constantFrom<'device' | 'nobody' | 'unknown-device'>('nobody', 'nobody', 'unknown-device', 'device'),
    }),
  },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('forged' as const), description: fc.string({ maxLength: 30 }) }) },
  { weight: 15, arbitrary: fc.record({ kind: fc.constant('mutated' as const), pick: fc.nat(), edits: fc.array(edit, { minLength: 1, maxLength: 4 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('replay' as const),
      pick: fc.nat(),
      variant: fc.constantFrom<'same' | 'other-signature' | 'other-padding'>('same', 'other-signature', 'other-padding'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fresh' as const), skip: fc.integer({ min: 0, max: 6 }) }) },
);

// ---------------------------------------------------------------- the platform side

let db: Database;
let listener: OslpListener;
const refusals = new Map<OslpRejectionCode, number>();
const deviceKeys = generateKeyPair();
const strangerKeys = generateKeyPair();
const platformKeys = generateKeyPair();
const deviceUid = randomBytes(12);
const unknownUid = randomBytes(12);
const identification = `FUZZ-${run}`;

beforeAll(async () => {
  db = await openDatabase({ url: requireTestServers().databaseUrl, embeddedDir: '' });
  await db.prisma.device.create({
    data: { identification, protocol: 'OSLP', oslpDeviceUid: deviceUid.toString('base64'), publicKey: publicKeyToPem(deviceKeys.publicKey), port: 12122 },
  });
  const logger = createLogger({ component: 'oslp-fuzz' }, 'error');
  // The platform's handler and store, as the OSLP adapter wires them (no Temporal: events are stored, not acted on).
  const handler = createOslpInboundHandler(
    createOslpInboundStore({ prisma: db.prisma, followUp: createDeviceEventFollowUp({ prisma: db.prisma, logger }) }),
    { logger },
  );
  listener = await startOslpListener({
    host: '127.0.0.1',
    port: 0,
    platformPrivateKey: platformKeys.privateKey,
    handler: {
      ...handler,
      onRejected(rejection, remoteAddress) {
        refusals.set(rejection.code, (refusals.get(rejection.code) ?? 0) + 1);
        handler.onRejected?.(rejection, remoteAddress);
      },
    },
    readTimeoutMs: 5_000,
  });
});

afterAll(async () => {
  await listener?.close();
  await db?.close();
});

// ---------------------------------------------------------------- the device side and the oracle

/** Frames this test signed, by their signed part: the DER signatures that make each authentic. */
const signed = new Map<string, Buffer[]>();
/** Event frames the platform accepted, oldest first: replay material. */
const accepted: Buffer[] = [];
let lastSequenceNumber = 0;

function remember(frame: Buffer): Buffer {
  const envelope = decodeEnvelope(frame);
  const der = trimSignature(envelope.signature);
  const other = trimSignature(withOtherSignature(frame).subarray(0, SIGNATURE_FIELD_LENGTH));
  signed.set(envelope.signedPart.toString('hex'), [der, other].filter((d): d is Buffer => d !== null));
  return frame;
}

/** Independent of the listener's code: the bytes begin with a signed part and a DER signature this test made. */
function isAuthentic(sent: Buffer): boolean {
  if (sent.length < ENVELOPE_HEADER_LENGTH) return false;
  const signedPart = sent.subarray(SIGNATURE_FIELD_LENGTH, ENVELOPE_HEADER_LENGTH + sent.readUInt16BE(ENVELOPE_HEADER_LENGTH - 2));
  const ders = signed.get(signedPart.toString('hex'));
  return ders?.some((der) => sent.subarray(0, der.length).equals(der)) ?? false;
}

const event = (description: string): OslpMessage => ({
  eventNotificationRequest: { notifications: [{ event: 'DIAG_EVENTS_GENERAL', description, timestamp: '20261205120000' }] },
});
const deviceFrame = (sequenceNumber: number, message: OslpMessage | Buffer) =>
  remember(signedFrame(deviceUid, deviceKeys.privateKey, sequenceNumber, message));

/** The bytes of a case, and whether the listener may see the frame end (half-close) to refuse it at once. */
function bytesOf(c: Exclude<FrameCase, { kind: 'fresh' | 'replay' }>): { bytes: Buffer; incomplete: boolean } {
  const template = accepted[0];
  const header = (declared: number) => {
    const h = Buffer.from(template.subarray(0, ENVELOPE_HEADER_LENGTH));
    h.writeUInt16BE(declared, ENVELOPE_HEADER_LENGTH - 2);
    return h;
  };
  switch (c.kind) {
    case 'random-bytes': {
      const bytes = Buffer.from(c.bytes);
      const complete = bytes.length >= ENVELOPE_HEADER_LENGTH && bytes.length >= ENVELOPE_HEADER_LENGTH + bytes.readUInt16BE(ENVELOPE_HEADER_LENGTH - 2);
      return { bytes, incomplete: !complete };
    }
    case 'truncated':
      return { bytes: template.subarray(0, Math.min(c.length, template.length - 1)), incomplete: true };
    case 'wrong-length': {
      const bytes = Buffer.concat([header(c.declared), randomPayload(c.payloadLength)]);
      return { bytes, incomplete: c.payloadLength < c.declared };
    }
    case 'oversize':
      return { bytes: Buffer.concat([header(c.declared), c.withPayload ? randomPayload(300) : Buffer.alloc(0)]), incomplete: false };
    case 'random-protobuf': {
      const payload = Buffer.from(c.payload);
      if (c.signedBy === 'device') return { bytes: deviceFrame(olderSequenceNumber(), payload), incomplete: false };
      const uid = c.signedBy === 'unknown-device' ? unknownUid : deviceUid;
      const frame = signedFrame(uid, strangerKeys.privateKey, lastSequenceNumber, payload);
      if (c.signedBy === 'nobody') randomBytes(SIGNATURE_FIELD_LENGTH).copy(frame, 0);
      return { bytes: frame, incomplete: false };
    }
    case 'forged':
      return { bytes: signedFrame(deviceUid, strangerKeys.privateKey, (lastSequenceNumber + 1) % 65536, event(c.description)), incomplete: false };
    case 'mutated': {
      let bytes = Buffer.from(accepted[c.pick % accepted.length]);
      for (const e of c.edits) {
        const at = e.at % bytes.length;
        if (e.kind === 'set') bytes[at] = e.value;
        else if (e.kind === 'cut') bytes = bytes.subarray(0, Math.max(1, at));
        else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([e.value]), bytes.subarray(at)]);
      }
      const complete = bytes.length >= ENVELOPE_HEADER_LENGTH && bytes.length >= ENVELOPE_HEADER_LENGTH + bytes.readUInt16BE(ENVELOPE_HEADER_LENGTH - 2);
      return { bytes, incomplete: !complete };
    }
  }
}

/** Payload bytes for frames whose signature fails anyway (content does not matter, length does). */
function randomPayload(length: number): Buffer {
  return Buffer.alloc(length, 0x08);
}

/** A number the device used already: a signed frame carrying it is refused as a replay if it decodes at all. */
function olderSequenceNumber(): number {
  return (lastSequenceNumber + 65536 - 1) % 65536;
}

// ---------------------------------------------------------------- running the cases

interface Figures {
  frames: number;
  authentic: number;
  /** Authentic frames answered: the handler logs the request and the answer. */
  authenticAnswered: number;
  answeredUnauthentic: number;
  freshAccepted: number;
  freshRefused: number;
  replaysAccepted: number;
  replaysTried: number;
}

const figures: Figures = { frames: 0, authentic: 0, authenticAnswered: 0, answeredUnauthentic: 0, freshAccepted: 0, freshRefused: 0, replaysAccepted: 0, replaysTried: 0 };
const platformPublicKey = () => publicKeyOf(platformKeys.privateKey);

function statusOf(answer: Buffer): string | undefined {
  const envelope = decodeEnvelope(answer);
  if (!verifyEnvelope(envelope, platformPublicKey())) throw new Error('an answer not signed with the platform key');
  const message = decodeMessage(envelope.payload);
  return message.eventNotificationResponse?.status ?? message.registerDeviceResponse?.status ?? message.confirmRegisterDeviceResponse?.status;
}

async function sendUnchecked(bytes: Buffer, incomplete: boolean): Promise<void> {
  const answer = await exchangeRaw(listener.port, bytes, incomplete);
  figures.frames += 1;
  if (isAuthentic(bytes)) {
    figures.authentic += 1;
    if (answer.length > 0) figures.authenticAnswered += 1;
    // An authentic frame here is never fresh: answered at all, it must be refused.
    if (answer.length > 0 && statusOf(answer) === 'OK') figures.replaysAccepted += 1;
  } else if (answer.length > 0) figures.answeredUnauthentic += 1;
}

async function sendFresh(skip: number): Promise<void> {
  const sequenceNumber = (lastSequenceNumber + 1 + skip) % 65536;
  const frame = deviceFrame(sequenceNumber, event(`fresh ${sequenceNumber}`));
  const answer = await exchangeRaw(listener.port, frame);
  figures.frames += 1;
  figures.authentic += 1;
  if (answer.length > 0) figures.authenticAnswered += 1;
  if (answer.length > 0 && statusOf(answer) === 'OK') {
    figures.freshAccepted += 1;
    lastSequenceNumber = sequenceNumber;
    accepted.push(frame);
  } else figures.freshRefused += 1;
}

async function sendReplay(pick: number, variant: 'same' | 'other-signature' | 'other-padding'): Promise<void> {
  const original = accepted[pick % accepted.length];
  const frame = variant === 'same' ? original : variant === 'other-signature' ? withOtherSignature(original) : withOtherPadding(original, pick % 255 + 1);
  const answer = await exchangeRaw(listener.port, frame);
  figures.frames += 1;
  figures.authentic += 1;
  if (answer.length > 0) figures.authenticAnswered += 1;
  figures.replaysTried += 1;
  if (answer.length > 0 && statusOf(answer) === 'OK') figures.replaysAccepted += 1;
}

/** Unauthenticated cases run `concurrency` at a time; the device's own frames wait for them and go one by one. */
async function runCases(cases: FrameCase[]): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const c of cases) {
    if (c.kind === 'fresh' || c.kind === 'replay') {
      await Promise.all(inFlight);
      if (c.kind === 'fresh') await sendFresh(c.skip);
      else await sendReplay(c.pick, c.variant);
      continue;
    }
    const { bytes, incomplete } = bytesOf(c);
    const sending = sendUnchecked(bytes, incomplete).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function register(): Promise<void> {
  const randomDevice = 4711;
  const registration = deviceFrame(100, {
    registerDeviceRequest: { deviceIdentification: identification, ipAddress: Buffer.from([127, 0, 0, 1]), deviceType: 'SSLD', hasSchedule: false, randomDevice },
  });
  const registered = decodeMessage(decodeEnvelope(await exchangeRaw(listener.port, registration)).payload).registerDeviceResponse;
  expect(registered?.status).toBe('OK');
  const confirm = deviceFrame(101, { confirmRegisterDeviceRequest: { randomDevice, randomPlatform: registered?.randomPlatform ?? -1 } });
  expect(statusOf(await exchangeRaw(listener.port, confirm))).toBe('OK');
  lastSequenceNumber = 101;
  // The registration, sent again, is replay material like any accepted frame.
  accepted.push(registration);
}

const heapUsed = () => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

test(`the listener survives ${frameCount} generated and mutated frames, answers only authentic ones and accepts no replay`, async () => {
  await register();
  await sendFresh(0);
  const cases = fc.sample(frameCase, { seed, numRuns: warmUpCount + frameCount });
  const logRows = () => db.prisma.deviceMessageLog.count({ where: { deviceIdentification: identification } });

  // Warm-up first (code compiled, pools filled), so the heap measured after is compared with a settled one.
  await runCases(cases.slice(0, warmUpCount));
  const heapBefore = heapUsed();
  const rowsBefore = await logRows();
  const authenticBefore = figures.authentic;
  const answeredBefore = figures.authenticAnswered;
  const started = Date.now();

  await runCases(cases.slice(warmUpCount));

  const seconds = (Date.now() - started) / 1000;
  const authenticSent = figures.authentic - authenticBefore;
  const authenticAnswered = figures.authenticAnswered - answeredBefore;
  const rowsWritten = (await logRows()) - rowsBefore;
  // Still serving: the next fresh event is accepted.
  const freshBefore = figures.freshAccepted;
  await sendFresh(0);
  const heapGrowth = heapUsed() - heapBefore;
  const storedEvents = await db.prisma.deviceEvent.count({ where: { deviceIdentification: identification } });

  process.stdout.write(
    `[fuzz] OSLP listener: ${figures.frames} frames in all (${frameCount} measured, in ${seconds.toFixed(1)} s), ` +
      `${figures.authentic} authentic, ${figures.freshAccepted} fresh events accepted, ${figures.replaysTried} replays tried, ` +
      `${figures.replaysAccepted} replays accepted, ${figures.answeredUnauthentic} unauthentic frames answered, ` +
      `${rowsWritten} message-log rows for ${authenticSent} authentic frames, heap ${(heapGrowth / 1e6).toFixed(1)} MB after, ` +
      `refusals ${JSON.stringify(Object.fromEntries(refusals))}\n`,
  );

  expect(figures.answeredUnauthentic).toBe(0);
  expect(figures.replaysAccepted).toBe(0);
  expect(figures.freshRefused).toBe(0);
  expect(figures.freshAccepted).toBe(freshBefore + 1);
  expect(storedEvents).toBe(figures.freshAccepted);
  // A request row and an answer row per authentic frame answered, at most a request row per other authentic
  // one (a kind the platform does not handle); none for the thousands of unauthenticated frames.
  expect(rowsWritten).toBeLessThanOrEqual(2 * authenticAnswered + (authenticSent - authenticAnswered));
  expect(figures.replaysTried).toBeGreaterThan(100);
  // The listener keeps no memory per frame: what is left after all the frames is noise, not 20,000 of anything.
  expect(heapGrowth).toBeLessThan(8 * 1024 * 1024);
});
