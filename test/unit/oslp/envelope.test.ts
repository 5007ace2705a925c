import { generateKeyPairSync } from 'node:crypto';
import {
  buildDeviceUid,
  decodeEnvelope,
  deviceUidFromBase64,
  deviceUidToBase64,
  encodeEnvelope,
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromBase64Der,
  publicKeyFromPem,
  publicKeyOf,
  publicKeyToBase64Der,
  publicKeyToPem,
  verifyEnvelope,
  ENVELOPE_HEADER_LENGTH,
  MAX_PAYLOAD_LENGTH,
} from '../../../adapters/oslp/envelope';
import { encodeMessage } from '../../../adapters/oslp/messages';
import { syncErrorCode } from './helpers';

const deviceKeys = generateKeyPair();
const otherKeys = generateKeyPair();
const deviceUid = buildDeviceUid(0x5349, 42);
const payload = encodeMessage({ setLightRequest: { values: [{ index: 1, on: true }] } });

function frame(sequenceNumber = 513): Buffer {
  return encodeEnvelope({ sequenceNumber, deviceUid, payload }, deviceKeys.privateKey);
}

function withHeaderLength(declared: number, totalLength: number): Buffer {
  const bytes = Buffer.alloc(totalLength);
  bytes.writeUInt16BE(declared, 142);
  return bytes;
}

describe('OSLP envelope', () => {
  it('lays out signature field, sequence number, uid, length and payload as OSLP does', () => {
    const bytes = frame(0x0201);
    expect(bytes.length).toBe(144 + payload.length);
    expect(bytes[0]).toBe(0x30); // DER SEQUENCE
    const derLength = bytes[1] + 2;
    expect(bytes.subarray(derLength, 128).every((b) => b === 0)).toBe(true); // zero padding
    expect(bytes.readUInt16BE(128)).toBe(0x0201);
    expect(bytes.subarray(130, 142).equals(deviceUid)).toBe(true);
    expect(bytes.readUInt16BE(142)).toBe(payload.length);
    expect(bytes.subarray(144).equals(payload)).toBe(true);
  });

  it('decodes what it encodes and the signature verifies with the signer key only', () => {
    const envelope = decodeEnvelope(frame(65535));
    expect(envelope.sequenceNumber).toBe(65535);
    expect(envelope.deviceUid.equals(deviceUid)).toBe(true);
    expect(envelope.payload.equals(payload)).toBe(true);
    expect(envelope.signature.length).toBe(128);
    expect(verifyEnvelope(envelope, deviceKeys.publicKey)).toBe(true);
    expect(verifyEnvelope(envelope, otherKeys.publicKey)).toBe(false);
  });

  it.each([
    ['sequence number', 129],
    ['device uid', 135],
    ['length', 143],
    ['payload', 150],
  ])('fails verification when the %s is altered', (_part, offset) => {
    const bytes = frame();
    bytes[offset] ^= 0x01;
    const envelope = (() => {
      try {
        return decodeEnvelope(bytes);
      } catch {
        return null; // an altered length no longer matches the frame: rejected before verification
      }
    })();
    if (envelope) expect(verifyEnvelope(envelope, deviceKeys.publicKey)).toBe(false);
    else expect(offset).toBe(143);
  });

  it('fails verification for a damaged or absent signature instead of throwing', () => {
    const damaged = frame();
    damaged[10] ^= 0xff;
    expect(verifyEnvelope(decodeEnvelope(damaged), deviceKeys.publicKey)).toBe(false);

    const zeroed = frame();
    zeroed.fill(0, 0, 128);
    expect(verifyEnvelope(decodeEnvelope(zeroed), deviceKeys.publicKey)).toBe(false);

    const overlong = frame();
    overlong[1] = 200; // DER length beyond the field
    expect(verifyEnvelope(decodeEnvelope(overlong), deviceKeys.publicKey)).toBe(false);
  });

  describe('rejects frames that are not one whole envelope', () => {
    it('shorter than the header -> TRUNCATED', () => {
      expect(syncErrorCode(() => decodeEnvelope(Buffer.alloc(ENVELOPE_HEADER_LENGTH - 1)))).toBe('TRUNCATED');
    });
    it('fewer payload bytes than declared -> TRUNCATED', () => {
      expect(syncErrorCode(() => decodeEnvelope(frame().subarray(0, -1)))).toBe('TRUNCATED');
    });
    it('declaring more than the maximum payload -> OVERSIZED', () => {
      expect(syncErrorCode(() => decodeEnvelope(withHeaderLength(MAX_PAYLOAD_LENGTH + 1, 200)))).toBe('OVERSIZED');
    });
    it('bytes after the declared payload -> MALFORMED', () => {
      expect(syncErrorCode(() => decodeEnvelope(Buffer.concat([frame(), Buffer.from([0])])))).toBe('MALFORMED');
    });
  });

  describe('refuses to build envelopes a device could not read', () => {
    it('a device uid that is not 12 bytes', () => {
      expect(
        syncErrorCode(() => encodeEnvelope({ sequenceNumber: 1, deviceUid: Buffer.alloc(11), payload }, deviceKeys.privateKey)),
      ).toBe('INVALID_ARGUMENT');
    });
    it('a sequence number beyond 16 bits', () => {
      expect(syncErrorCode(() => encodeEnvelope({ sequenceNumber: 65536, deviceUid, payload }, deviceKeys.privateKey))).toBe(
        'INVALID_ARGUMENT',
      );
    });
    it('a payload over the maximum', () => {
      expect(
        syncErrorCode(() =>
          encodeEnvelope({ sequenceNumber: 1, deviceUid, payload: Buffer.alloc(MAX_PAYLOAD_LENGTH + 1) }, deviceKeys.privateKey),
        ),
      ).toBe('OVERSIZED');
    });
  });

  describe('device uids', () => {
    it('puts the manufacturer id in front of a 10-byte big-endian device number', () => {
      expect(buildDeviceUid(0x5349, 258).toString('hex')).toBe('5349' + '00000000000000000102');
      expect(buildDeviceUid(1, 2n ** 72n).toString('hex')).toBe('0001' + '01000000000000000000');
    });
    it('converts to and from Base64 and refuses other lengths', () => {
      expect(deviceUidFromBase64(deviceUidToBase64(deviceUid)).equals(deviceUid)).toBe(true);
      expect(syncErrorCode(() => deviceUidFromBase64(Buffer.alloc(11).toString('base64')))).toBe('INVALID_ARGUMENT');
      expect(syncErrorCode(() => deviceUidFromBase64('not base64!'))).toBe('INVALID_ARGUMENT');
    });
  });

  describe('keys', () => {
    it('round-trip through PEM and Base64 DER and still verify', () => {
      const privateKey = privateKeyFromPem(privateKeyToPem(deviceKeys.privateKey));
      const fromPem = publicKeyFromPem(publicKeyToPem(deviceKeys.publicKey));
      const fromDer = publicKeyFromBase64Der(publicKeyToBase64Der(publicKeyOf(privateKey)));
      const envelope = decodeEnvelope(encodeEnvelope({ sequenceNumber: 1, deviceUid, payload }, privateKey));
      expect(verifyEnvelope(envelope, fromPem)).toBe(true);
      expect(verifyEnvelope(envelope, fromDer)).toBe(true);
    });
    it('refuses keys that are not P-256, and text that is no key', () => {
      const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      expect(syncErrorCode(() => publicKeyFromPem(publicKeyToPem(p384.publicKey)))).toBe('INVALID_ARGUMENT');
      expect(syncErrorCode(() => publicKeyFromPem('-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----'))).toBe('INVALID_ARGUMENT');
    });
  });
});
