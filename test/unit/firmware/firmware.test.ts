// Firmware management's pure parts: download tokens, the directory store, upload checks, wave sizes, the
// OSLP translation of the firmware commands and the contract's refusals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { checkDownloadToken, createDownloadToken, loadOrCreateTokenSecret } from '../../../core/firmware/tokens';
import { DirectoryFirmwareStore, sha256Hex } from '../../../core/firmware/store';
import { storeFirmwareImage } from '../../../core/firmware/catalogue';
import { firmwareDownloadPath, type FirmwareSettings } from '../../../core/firmware/settings';
import { waveSizes } from '../../../core/firmware/rollout-model';
import { DomainError } from '../../../core/errors';
import { fromOslpResponse, summarize, toOslpRequest } from '../../../activities/oslp/translate';
import { decodeMessage, encodeMessage } from '../../../adapters/oslp/messages';
import { coreFirmwareContract } from '../../../api/contracts/core-firmware';

const secret = Buffer.alloc(32, 9);
const firmwareId = '6f1c2d3e-0000-4000-8000-000000000001';

describe('download tokens', () => {
  const now = 1_800_000_000_000;
  const token = createDownloadToken(secret, { deviceIdentification: 'LAMP-0001', firmwareId, expiresAtMs: now + 60_000 });

  test('grant the download of that firmware to that device until they expire', () => {
    expect(checkDownloadToken(secret, token, firmwareId, now)).toEqual({ ok: true, deviceIdentification: 'LAMP-0001' });
    expect(checkDownloadToken(secret, token, firmwareId, now + 61_000)).toMatchObject({ ok: false, reason: 'EXPIRED', deviceIdentification: 'LAMP-0001' });
  });

  test('open no other firmware, and cannot be made without the secret or altered', () => {
    expect(checkDownloadToken(secret, token, '6f1c2d3e-0000-4000-8000-000000000002', now)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(checkDownloadToken(Buffer.alloc(32, 1), token, firmwareId, now)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    const [device, expiry, signature] = token.split('.');
    const otherDevice = Buffer.from('LAMP-0002').toString('base64url');
    expect(checkDownloadToken(secret, `${otherDevice}.${expiry}.${signature}`, firmwareId, now)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(checkDownloadToken(secret, `${device}.${Number(expiry) + 3600}.${signature}`, firmwareId, now)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    for (const garbage of ['', 'a.b', 'a.b.c.d', `${device}.soon.${signature}`]) {
      expect(checkDownloadToken(secret, garbage, firmwareId, now).ok).toBe(false);
    }
  });

  test('fit in an OSLP firmwareUrl (255 characters) for the longest device identification', () => {
    const longest = createDownloadToken(secret, { deviceIdentification: 'X'.repeat(64), firmwareId, expiresAtMs: now });
    expect(firmwareDownloadPath(firmwareId, longest).length).toBeLessThanOrEqual(255);
  });

  test('the secret file is made once and read by every process after', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fw-secret-')), 'keys', 'firmware-token.key');
    const first = loadOrCreateTokenSecret(file);
    expect(first.length).toBe(32);
    expect(loadOrCreateTokenSecret(file).equals(first)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('the directory store and uploads', () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-store-'));
  const store = new DirectoryFirmwareStore(directory);
  const settings: FirmwareSettings = { store, maxSizeBytes: 1024, tokenSecret: secret, tokenTtlMs: 60_000, downloadDomain: 'platform:3000' };
  const image = Buffer.from('an image');

  test('keeps an image once under its SHA-256, reads it back and deletes it', async () => {
    const sha = sha256Hex(image);
    expect(await store.put(sha, image)).toBe(true);
    expect(await store.put(sha, image)).toBe(false);
    expect(fs.readdirSync(directory)).toEqual([sha]);
    expect((await store.get(sha))?.equals(image)).toBe(true);
    await store.delete(sha);
    expect(await store.get(sha)).toBeNull();
  });

  test('refuses names that are no SHA-256 before they reach the file system', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow('not a SHA-256');
  });

  test('uploads: the hash is recorded; empty, oversize and mismatching files are refused naming the field', async () => {
    const sha = createHash('sha256').update(image).digest('hex');
    await expect(storeFirmwareImage(settings, image.toString('base64'), sha.toUpperCase())).resolves.toEqual({ sha256: sha, sizeBytes: image.length });
    const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DomainError);
    expect(await refusal(storeFirmwareImage(settings, ''))).toMatchObject({ kind: 'INVALID', code: 'FIRMWARE_FILE_EMPTY', field: 'body.file' });
    expect(await refusal(storeFirmwareImage(settings, Buffer.alloc(1025).toString('base64')))).toMatchObject({ code: 'FIRMWARE_FILE_TOO_LARGE', field: 'body.file' });
    expect(await refusal(storeFirmwareImage(settings, image.toString('base64'), 'a'.repeat(64)))).toMatchObject({ code: 'FIRMWARE_HASH_MISMATCH', field: 'body.sha256' });
  });
});

describe('wave sizes', () => {
  test.each([
    [200, [1, 10, 89], [2, 20, 178]],
    [200, [10, 30, 60], [20, 60, 120]],
    [10, [1, 10, 89], [1, 1, 8]],
    [3, [1, 1, 98], [1, 1, 1]],
    [2, [1, 10, 89], [1, 1, 0]],
    [0, [50, 50], [0, 0]],
    [7, [50], [7]],
  ])('%i devices in waves of %j %% are %j', (total, percents, sizes) => {
    const result = waveSizes(total, percents);
    expect(result).toEqual(sizes);
    expect(result.reduce((a, b) => a + b, 0)).toBe(total);
  });
});

describe('OSLP firmware messages', () => {
  test('UpdateFirmware, SwitchFirmware and GetFirmwareVersion go over the wire with OSGP field numbers', () => {
    const update = toOslpRequest({ kind: 'updateFirmware', firmwareDomain: 'platform:3000', firmwareUrl: '/firmware/x/token' });
    const bytes = encodeMessage(update);
    // Message field 7 (length-delimited): tag 0x3a.
    expect(bytes[0]).toBe(0x3a);
    expect(decodeMessage(bytes)).toEqual(update);
    const switchBytes = encodeMessage(toOslpRequest({ kind: 'switchFirmware', newFirmwareVersion: 'R01' }));
    // Field 43, wire type 2: varint tag 43 << 3 | 2 = 346 = 0xda 0x02.
    expect([switchBytes[0], switchBytes[1]]).toEqual([0xda, 0x02]);
    expect(decodeMessage(encodeMessage({ switchFirmwareResponse: { status: 'OK' } }))).toEqual({ switchFirmwareResponse: { status: 'OK' } });
    expect(summarize(update)).toBe('updateFirmware platform:3000/firmware/x/…');
  });

  test('answers become generic responses', () => {
    expect(fromOslpResponse({ kind: 'getFirmwareVersion' }, { getFirmwareVersionResponse: { firmwareVersion: 'R02' } })).toEqual({
      status: 'OK',
      response: { kind: 'getFirmwareVersion', firmwareVersion: 'R02' },
    });
    expect(fromOslpResponse({ kind: 'switchFirmware', newFirmwareVersion: 'R9' }, { switchFirmwareResponse: { status: 'FAILURE' } }).status).toBe('FAILURE');
  });
});

describe('the contract refuses bad input naming the field', () => {
  const issuesOf = (result: { success: boolean; error?: { issues: Array<{ path: (string | number)[] }> } }) =>
    result.success ? [] : (result.error?.issues ?? []).map((i) => i.path.join('.'));

  test('a firmware needs a version, a device model and a Base64 file; the hash is 64 hex digits', () => {
    const body = coreFirmwareContract.addFirmware.body;
    expect(issuesOf(body.safeParse({ identification: 'FW-1', version: 'R02', deviceModels: [{ manufacturer: 'M', modelCode: 'X' }], file: 'AAAA' }))).toEqual([]);
    expect(issuesOf(body.safeParse({ identification: 'FW-1', version: '', deviceModels: [], file: 'not base64!', sha256: 'abc' }))).toEqual(
      expect.arrayContaining(['version', 'deviceModels', 'file', 'sha256']),
    );
  });

  test('a rollout names exactly one target and waves adding up to at most 100 %', () => {
    const body = coreFirmwareContract.startFirmwareRollout.body;
    const base = { firmwareIdentification: 'FW-1', waves: [1, 10, 89], failureThresholdPercent: 5 };
    expect(issuesOf(body.safeParse({ ...base, groupIdentification: 'g' }))).toEqual([]);
    expect(issuesOf(body.safeParse(base))).toEqual(['groupIdentification']);
    expect(issuesOf(body.safeParse({ ...base, groupIdentification: 'g', deviceIdentifications: ['a'] }))).toEqual(['groupIdentification']);
    expect(issuesOf(body.safeParse({ ...base, groupIdentification: 'g', waves: [60, 60] }))).toEqual(['waves']);
  });
});
