// Meter secrets at rest (AES-256-GCM under the platform's DLMS key, bound to meter and purpose), and the
// translation between the generic JSON COSEM values of workflows and the DLMS client's A-XDR data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DlmsKeyStoreError, createDlmsKeyStore, loadOrCreateDlmsKeyStore } from '../../../core/keys/dlms-key-store';
import { fromDlmsData, toDlmsData, utcDateTime } from '../../../activities/dlms/translate';
import { KeyTransferRefusedError, classifyDlmsFailure } from '../../../activities/dlms/device-command';
import { DlmsError, type DlmsData } from '../../../adapters/dlms';
import type { CosemValue } from '../../../common/device-commands';

describe('DLMS key store', () => {
  const key = Buffer.alloc(32, 7);
  const secret = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

  test('seals a key so that only the same platform key, meter and purpose open it', () => {
    const store = createDlmsKeyStore(key);
    const sealed = store.seal(secret, 'E-METER-1', 'blockCipherKey');
    expect(sealed).not.toContain(secret.toString('hex'));
    expect(sealed).not.toContain(secret.toString('base64'));
    expect(store.open(sealed, 'E-METER-1', 'blockCipherKey')).toEqual(secret);
    // A sealed key moved to another meter or purpose, or opened under another platform key, does not open.
    expect(() => store.open(sealed, 'E-METER-2', 'blockCipherKey')).toThrow(DlmsKeyStoreError);
    expect(() => store.open(sealed, 'E-METER-1', 'authenticationKey')).toThrow(DlmsKeyStoreError);
    expect(() => createDlmsKeyStore(Buffer.alloc(32, 8)).open(sealed, 'E-METER-1', 'blockCipherKey')).toThrow(DlmsKeyStoreError);
    // Sealing twice gives different text (a fresh IV each time).
    expect(store.seal(secret, 'E-METER-1', 'blockCipherKey')).not.toBe(sealed);
  });

  test('seals deterministically when asked: equal for the same meter, purpose and secret only', () => {
    const store = createDlmsKeyStore(key);
    const sealed = store.seal(secret, 'E-METER-1', 'authenticationKey', { deterministic: true });
    expect(store.seal(secret, 'E-METER-1', 'authenticationKey', { deterministic: true })).toBe(sealed);
    expect(store.open(sealed, 'E-METER-1', 'authenticationKey')).toEqual(secret);
    expect(sealed).not.toContain(secret.toString('hex'));
    const others = [
      store.seal(secret, 'E-METER-2', 'authenticationKey', { deterministic: true }),
      store.seal(secret, 'E-METER-1', 'blockCipherKey', { deterministic: true }),
      store.seal(Buffer.alloc(16, 1), 'E-METER-1', 'authenticationKey', { deterministic: true }),
      createDlmsKeyStore(Buffer.alloc(32, 8)).seal(secret, 'E-METER-1', 'authenticationKey', { deterministic: true }),
    ];
    // Another meter, purpose, secret or platform key: another nonce and text.
    const nonces = new Set([sealed, ...others].map((s) => s.split('.')[1]));
    expect(nonces.size).toBe(5);
  });

  test('a tampered sealed value is refused without showing the secret', () => {
    const store = createDlmsKeyStore(key);
    const [v, iv, tag, ciphertext] = store.seal(secret, 'M', 'password').split('.');
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() => store.open([v, iv, tag, flipped.toString('base64')].join('.'), 'M', 'password')).toThrow(/does not open/);
    expect(() => store.open('plain-text', 'M', 'password')).toThrow(/not sealed in a known format/);
  });

  test('creates the platform key file once, mode 0600, and reads the same key afterwards', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-dlms-keys-'));
    try {
      const file = path.join(dir, 'keys', 'dlms-keys.key');
      const first = loadOrCreateDlmsKeyStore(file);
      expect(first.created).toBe(true);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const sealed = first.seal(secret, 'M', 'authenticationKey');
      const second = loadOrCreateDlmsKeyStore(file);
      expect(second.created).toBe(false);
      expect(second.open(sealed, 'M', 'authenticationKey')).toEqual(secret);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('COSEM values <-> DLMS data', () => {
  test('round trips every kind of value through JSON', () => {
    const data: DlmsData = {
      type: 'structure',
      value: [
        { type: 'uint64', value: 18446744073709551615n },
        { type: 'int8', value: -3 },
        { type: 'octet-string', value: Buffer.from([1, 0, 1, 8, 0, 255]) },
        { type: 'visible-string', value: 'FW-1' },
        { type: 'array', value: [{ type: 'boolean', value: true }, { type: 'null' }] },
      ],
    };
    const json = JSON.parse(JSON.stringify(fromDlmsData(data))) as CosemValue;
    expect(json).toEqual({
      type: 'structure',
      value: [
        { type: 'uint64', value: '18446744073709551615' },
        { type: 'int8', value: -3 },
        { type: 'octet-string', hex: '0100010800ff' },
        { type: 'visible-string', value: 'FW-1' },
        { type: 'array', value: [{ type: 'boolean', value: true }, { type: 'null' }] },
      ],
    });
    expect(toDlmsData(json)).toEqual(data);
  });

  test('date-time-now becomes the adapter time as a UTC COSEM date-time in an octet string, as clocks carry it', () => {
    const now = new Date('2026-11-27T10:11:12.340Z'); // a Friday: weekday 5 (1 = Monday)
    const data = toDlmsData({ type: 'date-time-now' }, () => now);
    expect(data).toEqual({ type: 'octet-string', value: Buffer.from('07ea0b1b050a0b0c22000000', 'hex') });
    expect(utcDateTime(now).value).toMatchObject({ year: 2026, month: 11, day: 27, dayOfWeek: 5, hour: 10, deviation: 0, clockStatus: 0 });
    expect(fromDlmsData(utcDateTime(now))).toMatchObject({ type: 'date-time', instant: '2026-11-27T10:11:12.340Z' });
  });
});

describe('DLMS failures', () => {
  test.each([
    [new DlmsError('AUTHENTICATION_FAILED', 'HLS pass 4 did not verify'), 'AUTHENTICATION_FAILED', true],
    [new DlmsError('DECRYPTION_FAILED', 'tag mismatch'), 'DECRYPTION_FAILED', true],
    [new DlmsError('ASSOCIATION_REJECTED', 'rejected'), 'ASSOCIATION_REJECTED', true],
    [new DlmsError('CONNECTION', 'reset by peer'), 'CONNECTION', false],
    [new DlmsError('TIMEOUT', 'no answer'), 'TIMEOUT', false],
    [new DlmsError('DATA_ACCESS', 'refused', 'object-undefined'), 'DATA_ACCESS', true],
    [new DlmsError('DATA_ACCESS', 'busy', 'temporary-failure'), 'DATA_ACCESS', false],
    [new DlmsError('PROTOCOL', 'bad APDU'), 'DEVICE_FAILURE', true],
    [new KeyTransferRefusedError('the meter refused the new keys'), 'KEY_TRANSFER_REFUSED', true],
  ])('%s becomes failure type %s, permanent: %s', (error, type, permanent) => {
    expect(classifyDlmsFailure(error)).toMatchObject({ type, permanent });
  });
});
