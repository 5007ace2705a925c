/**
 * Byte sequences recorded from the Gurux DLMS library (gurux.dlms 4.0.47 from Maven Central): requests of
 * its GXDLMSSecureClient and answers of its GXDLMSSecureServer2 (the meter of test/dlms-meter), produced
 * by test/dlms-meter/src/RecordVectors.java into gurux-vectors.json (see that file for the command).
 */
import vectors from './gurux-vectors.json';

export type VectorName = Exclude<keyof typeof vectors, '_source'>;

export function vector(name: VectorName): Buffer {
  return Buffer.from(vectors[name], 'hex');
}

/** The APDU of a recorded IEC 62056-47 wrapper frame (8-byte header). */
export function wrapped(name: VectorName): Buffer {
  return vector(name).subarray(8);
}

export const GURUX_KEYS = {
  authenticationKey: Buffer.from('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF', 'hex'),
  blockCipherKey: Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex'),
};
export const CLIENT_SYSTEM_TITLE = Buffer.from('4F53470000000001', 'hex');
export const METER_SYSTEM_TITLE = Buffer.from('4758580000000001', 'hex');
export const CTOS = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
