/** How the listener reports refused frames: every one to onRejected, to the log once and in a rate-limited sample. */
import { buildDeviceUid, encodeEnvelope, generateKeyPair } from '../../../adapters/oslp/envelope';
import { startOslpListener, type OslpListener, type OslpRejection } from '../../../adapters/oslp/listener';
import { encodeMessage } from '../../../adapters/oslp/messages';
import { RefusalSample } from '../../../adapters/oslp/refusal-log';
import { createLogger } from '../../../common/logger';
import { rawExchange } from './helpers';

const deviceKeys = generateKeyPair();
const forgerKeys = generateKeyPair();
const deviceUid = buildDeviceUid(0x0001, 42);

describe('refused frames', () => {
  let listener: OslpListener;
  let clock = 0;
  const lines: Array<Record<string, unknown>> = [];
  const rejections: OslpRejection[] = [];

  beforeAll(async () => {
    listener = await startOslpListener({
      host: '127.0.0.1',
      port: 0,
      platformPrivateKey: generateKeyPair().privateKey,
      handler: {
        findDevice: () => ({ deviceIdentification: 'DEV-42', publicKey: deviceKeys.publicKey }),
        handle: () => null,
        onRejected: (rejection) => rejections.push(rejection),
      },
      logger: createLogger({}, 'debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      refusalSample: new RefusalSample({ linesPerWindow: 5, windowMs: 1_000, now: () => clock }),
    });
  });
  afterAll(() => listener.close());

  const forged = (sequenceNumber: number) =>
    encodeEnvelope({ sequenceNumber, deviceUid, payload: encodeMessage({ getStatusRequest: {} }) }, forgerKeys.privateKey);
  const refusalLines = () => lines.filter((line) => line.message === 'OSLP frame refused');

  test('each reaches onRejected; the log gets one line per refusal, at most 5 a window, with its own message kept', async () => {
    for (let i = 0; i < 20; i += 1) expect((await rawExchange(listener.port, forged(i), false)).length).toBe(0);
    expect(rejections).toHaveLength(20);
    expect(rejections.every((rejection) => rejection.code === 'BAD_SIGNATURE')).toBe(true);
    expect(refusalLines()).toHaveLength(5);
    expect(refusalLines()[0]).toMatchObject({
      level: 'warn',
      message: 'OSLP frame refused',
      code: 'BAD_SIGNATURE',
      reason: 'signature does not verify with the device key',
      deviceIdentification: 'DEV-42',
      refusalsNotLoggedBefore: 0,
    });
  });

  test('the first line of the next window says how many were left out', async () => {
    clock += 1_000;
    expect((await rawExchange(listener.port, forged(99), false)).length).toBe(0);
    expect(refusalLines()).toHaveLength(6);
    expect(refusalLines()[5]).toMatchObject({ refusalsNotLoggedBefore: 15 });
  });
});
