/**
 * The OSLP envelope, the unit on the wire:
 *
 *   offset   0  128 bytes  signature field: DER ECDSA signature, zero-padded
 *   offset 128    2 bytes  sequence number, big-endian
 *   offset 130   12 bytes  device uid (2-byte manufacturer id + 10-byte device id)
 *   offset 142    2 bytes  payload length, big-endian
 *   offset 144    n bytes  protobuf payload (oslp.Message)
 *
 * The signature is SHA256withECDSA over everything after the signature field. Verifiers take the
 * DER length from the signature's second byte, so the padding is never part of what is verified.
 * Keys are EC P-256: the platform has one pair, every device its own.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { OslpProtocolError } from './errors';
import { isSequenceNumber } from './sequence';

export { OslpProtocolError, type OslpProtocolErrorCode } from './errors';

export const SIGNATURE_FIELD_LENGTH = 128;
export const SEQUENCE_NUMBER_LENGTH = 2;
export const DEVICE_UID_LENGTH = 12;
export const MANUFACTURER_ID_LENGTH = 2;
export const PAYLOAD_LENGTH_FIELD_LENGTH = 2;
export const ENVELOPE_HEADER_LENGTH =
  SIGNATURE_FIELD_LENGTH + SEQUENCE_NUMBER_LENGTH + DEVICE_UID_LENGTH + PAYLOAD_LENGTH_FIELD_LENGTH;
/**
 * Largest payload accepted. OSLP messages are small (a full SetSchedule page stays well under 2 KiB);
 * the cap keeps a hostile peer from making a listener buffer up to the 64 KiB the length field allows.
 */
export const MAX_PAYLOAD_LENGTH = 4096;
export const MAX_FRAME_LENGTH = ENVELOPE_HEADER_LENGTH + MAX_PAYLOAD_LENGTH;

const SEQUENCE_NUMBER_OFFSET = SIGNATURE_FIELD_LENGTH;
const DEVICE_UID_OFFSET = SEQUENCE_NUMBER_OFFSET + SEQUENCE_NUMBER_LENGTH;
const PAYLOAD_LENGTH_OFFSET = DEVICE_UID_OFFSET + DEVICE_UID_LENGTH;
const DER_SEQUENCE_TAG = 0x30;
const EC_CURVE = 'prime256v1';

export interface OslpEnvelopeFields {
  sequenceNumber: number;
  /** 12 bytes. */
  deviceUid: Buffer;
  /** Encoded oslp.Message. */
  payload: Buffer;
}

export interface DecodedOslpEnvelope extends OslpEnvelopeFields {
  /** The whole 128-byte signature field as received, padding included. */
  signature: Buffer;
  /** The bytes the signature covers: sequence number, device uid, length and payload. */
  signedPart: Buffer;
}

export interface OslpKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function signedPartOf(fields: OslpEnvelopeFields): Buffer {
  const header = Buffer.alloc(SEQUENCE_NUMBER_LENGTH + DEVICE_UID_LENGTH + PAYLOAD_LENGTH_FIELD_LENGTH);
  header.writeUInt16BE(fields.sequenceNumber, 0);
  fields.deviceUid.copy(header, SEQUENCE_NUMBER_LENGTH);
  header.writeUInt16BE(fields.payload.length, SEQUENCE_NUMBER_LENGTH + DEVICE_UID_LENGTH);
  return Buffer.concat([header, fields.payload]);
}

function assertEncodable(fields: OslpEnvelopeFields, maxPayloadLength: number): void {
  if (!isSequenceNumber(fields.sequenceNumber)) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `sequence number out of range: ${fields.sequenceNumber}`);
  }
  if (fields.deviceUid.length !== DEVICE_UID_LENGTH) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `device uid must be ${DEVICE_UID_LENGTH} bytes, got ${fields.deviceUid.length}`);
  }
  if (fields.payload.length > maxPayloadLength) {
    throw new OslpProtocolError('OVERSIZED', `payload of ${fields.payload.length} bytes exceeds ${maxPayloadLength}`);
  }
}

/** Builds a signed frame ready to write to the socket. */
export function encodeEnvelope(
  fields: OslpEnvelopeFields,
  privateKey: KeyObject,
  maxPayloadLength: number = MAX_PAYLOAD_LENGTH,
): Buffer {
  assertEncodable(fields, maxPayloadLength);
  const signedPart = signedPartOf(fields);
  const signature = sign('sha256', signedPart, { key: privateKey, dsaEncoding: 'der' });
  if (signature.length > SIGNATURE_FIELD_LENGTH) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `signature of ${signature.length} bytes does not fit the field; use a P-256 key`);
  }
  const signatureField = Buffer.alloc(SIGNATURE_FIELD_LENGTH);
  signature.copy(signatureField);
  return Buffer.concat([signatureField, signedPart]);
}

/** The payload length a frame's header declares, or null while fewer header bytes than needed are at hand. */
export function declaredPayloadLength(frameStart: Buffer): number | null {
  if (frameStart.length < ENVELOPE_HEADER_LENGTH) return null;
  return frameStart.readUInt16BE(PAYLOAD_LENGTH_OFFSET);
}

/** Splits one complete frame into its fields. Does not verify the signature: see verifyEnvelope. */
export function decodeEnvelope(frame: Buffer, maxPayloadLength: number = MAX_PAYLOAD_LENGTH): DecodedOslpEnvelope {
  const payloadLength = declaredPayloadLength(frame);
  if (payloadLength === null) {
    throw new OslpProtocolError('TRUNCATED', `frame of ${frame.length} bytes is shorter than the ${ENVELOPE_HEADER_LENGTH}-byte header`);
  }
  if (payloadLength > maxPayloadLength) {
    throw new OslpProtocolError('OVERSIZED', `declared payload of ${payloadLength} bytes exceeds ${maxPayloadLength}`);
  }
  const frameLength = ENVELOPE_HEADER_LENGTH + payloadLength;
  if (frame.length < frameLength) {
    throw new OslpProtocolError('TRUNCATED', `frame has ${frame.length} of ${frameLength} bytes`);
  }
  if (frame.length > frameLength) {
    throw new OslpProtocolError('MALFORMED', `${frame.length - frameLength} bytes follow the declared payload`);
  }
  return {
    signature: frame.subarray(0, SIGNATURE_FIELD_LENGTH),
    sequenceNumber: frame.readUInt16BE(SEQUENCE_NUMBER_OFFSET),
    deviceUid: frame.subarray(DEVICE_UID_OFFSET, DEVICE_UID_OFFSET + DEVICE_UID_LENGTH),
    payload: frame.subarray(ENVELOPE_HEADER_LENGTH, frameLength),
    signedPart: frame.subarray(SIGNATURE_FIELD_LENGTH, frameLength),
  };
}

/** The DER signature inside the padded field, or null when the field holds no DER sequence. */
export function trimSignature(signatureField: Buffer): Buffer | null {
  if (signatureField.length < 2 || signatureField[0] !== DER_SEQUENCE_TAG) return null;
  const derLength = signatureField[1] + 2; // short-form length only: P-256 signatures are < 128 bytes
  if (derLength > signatureField.length) return null;
  return signatureField.subarray(0, derLength);
}

/** True when the envelope was signed by the holder of the private key matching `publicKey`. */
export function verifyEnvelope(envelope: Pick<DecodedOslpEnvelope, 'signature' | 'signedPart'>, publicKey: KeyObject): boolean {
  const signature = trimSignature(envelope.signature);
  if (signature === null) return false;
  try {
    return verify('sha256', envelope.signedPart, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false; // undecodable DER: a bad signature, not a crash
  }
}

// ---------------------------------------------------------------- device uids

export function deviceUidFromBase64(encoded: string): Buffer {
  const uid = Buffer.from(encoded, 'base64');
  if (uid.length !== DEVICE_UID_LENGTH || uid.toString('base64') !== encoded) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `device uid must be ${DEVICE_UID_LENGTH} bytes in Base64, got "${encoded}"`);
  }
  return uid;
}

/** OSGP keeps device uids Base64-encoded; so does this platform's device record. */
export function deviceUidToBase64(uid: Buffer): string {
  return uid.toString('base64');
}

/** A uid from a 16-bit manufacturer id and a device number (written big-endian into the 10-byte device id). */
export function buildDeviceUid(manufacturerId: number, deviceNumber: number | bigint): Buffer {
  if (!Number.isInteger(manufacturerId) || manufacturerId < 0 || manufacturerId > 0xffff) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `manufacturer id must be 0..65535, got ${manufacturerId}`);
  }
  const number = BigInt(deviceNumber);
  if (number < 0n || number >= 1n << 80n) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `device number must fit 10 bytes, got ${deviceNumber}`);
  }
  const uid = Buffer.alloc(DEVICE_UID_LENGTH);
  uid.writeUInt16BE(manufacturerId, 0);
  uid.writeBigUInt64BE(number & 0xffff_ffff_ffff_ffffn, 4);
  uid.writeUInt16BE(Number(number >> 64n), 2);
  return uid;
}

// ---------------------------------------------------------------- keys

export function generateKeyPair(): OslpKeyPair {
  return generateKeyPairSync('ec', { namedCurve: EC_CURVE });
}

function assertP256(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== EC_CURVE) {
    throw new OslpProtocolError('INVALID_ARGUMENT', 'OSLP keys are EC P-256 (prime256v1)');
  }
  return key;
}

function importKey(create: () => KeyObject, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = create();
  } catch (error) {
    throw new OslpProtocolError('INVALID_ARGUMENT', `not a valid ${what}`, {}, { cause: error });
  }
  return assertP256(key);
}

export function publicKeyToPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** SubjectPublicKeyInfo DER of an uncompressed P-256 point, up to the point's 0x04 marker. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const P256_POINT_LENGTH = 65;
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\s*$/;

/**
 * The common case, a P-256 key in SPKI PEM, imported as its point (JWK): about twice as fast as OpenSSL's
 * PEM decoder, which matters when thousands of device keys are read per second. Null for anything else.
 */
function p256PublicKeyFromPem(pem: string): KeyObject | null {
  const body = SPKI_PEM.exec(pem)?.[1];
  if (!body) return null;
  const der = Buffer.from(body, 'base64');
  if (der.length !== P256_SPKI_PREFIX.length + P256_POINT_LENGTH || !der.subarray(0, P256_SPKI_PREFIX.length).equals(P256_SPKI_PREFIX)) {
    return null;
  }
  const point = der.subarray(P256_SPKI_PREFIX.length);
  if (point[0] !== 0x04) return null;
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return null; // not a point on the curve: the general path below reports it
  }
}

export function publicKeyFromPem(pem: string): KeyObject {
  return p256PublicKeyFromPem(pem) ?? importKey(() => createPublicKey({ key: pem, format: 'pem' }), 'PEM public key');
}

/** SubjectPublicKeyInfo DER in Base64: how OSGP stores a device's public key. */
export function publicKeyToBase64Der(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function publicKeyFromBase64Der(encoded: string): KeyObject {
  return importKey(
    () => createPublicKey({ key: Buffer.from(encoded, 'base64'), format: 'der', type: 'spki' }),
    'Base64 DER public key',
  );
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function privateKeyFromPem(pem: string): KeyObject {
  return importKey(() => createPrivateKey({ key: pem, format: 'pem' }), 'PEM private key');
}

/** The public half of a private key, e.g. to hand the platform's public key to simulators. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
