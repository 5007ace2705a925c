/** OSLP v0.6.1 protocol layer: messages, envelope, sequence numbers, TCP client and listener. */
export * from './errors';
export * from './messages';
export {
  DEVICE_UID_LENGTH,
  ENVELOPE_HEADER_LENGTH,
  MANUFACTURER_ID_LENGTH,
  MAX_FRAME_LENGTH,
  MAX_PAYLOAD_LENGTH,
  PAYLOAD_LENGTH_FIELD_LENGTH,
  SEQUENCE_NUMBER_LENGTH,
  SIGNATURE_FIELD_LENGTH,
  buildDeviceUid,
  declaredPayloadLength,
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
  trimSignature,
  verifyEnvelope,
  type DecodedOslpEnvelope,
  type OslpEnvelopeFields,
  type OslpKeyPair,
} from './envelope';
export * from './sequence';
export * from './framing';
export * from './client';
export * from './registration';
export * from './listener';
