/**
 * Global key transfer (security setup, class 64, method 2): AES key wrap by RFC 3394 and the method's
 * parameter. The wrap vector is RFC 3394 section 4.1 (128-bit key data with a 128-bit KEK); that the Gurux
 * meter unwraps what this produces is shown in test/integration/dlms-client.test.ts.
 */
import { encodeData } from '../../../adapters/dlms/axdr';
import { DlmsError, GLOBAL_KEY_ID, globalKeyTransferParameter, unwrapKey, wrapKey } from '../../../adapters/dlms';

const KEK = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const KEY_DATA = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const WRAPPED = Buffer.from('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5', 'hex');

describe('AES key wrap (RFC 3394)', () => {
  it('wraps the RFC 3394 4.1 key data to its published ciphertext, and unwraps it back', () => {
    expect(wrapKey(KEK, KEY_DATA)).toEqual(WRAPPED);
    expect(unwrapKey(KEK, WRAPPED)).toEqual(KEY_DATA);
  });

  it('a key wrapped under another KEK fails the integrity check', () => {
    const e = (() => {
      try {
        unwrapKey(Buffer.alloc(16, 1), WRAPPED);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(DlmsError);
    expect(e).toMatchObject({ code: 'DECRYPTION_FAILED', permanent: true });
  });

  it('refuses a KEK or key of the wrong size', () => {
    expect(() => wrapKey(Buffer.alloc(15), KEY_DATA)).toThrow(DlmsError);
    expect(() => wrapKey(KEK, Buffer.alloc(12))).toThrow(DlmsError);
  });
});

describe('global_key_transfer parameter', () => {
  it('is an array of { key_id enum, key_wrapped octet-string }, each key wrapped under the master key', () => {
    const parameter = globalKeyTransferParameter(KEK, [
      { type: 'AUTHENTICATION', key: KEY_DATA },
      { type: 'UNICAST_ENCRYPTION', key: Buffer.alloc(16, 0x3c) },
    ]);
    const ek = wrapKey(KEK, Buffer.alloc(16, 0x3c)).toString('hex');
    // 01 02: array of 2; 02 02: structure of 2; 16 xx: enum key_id; 09 18: octet-string of 24 bytes.
    expect(encodeData(parameter).toString('hex')).toBe(`0102` + `0202` + `1602` + `0918${WRAPPED.toString('hex')}` + `0202` + `1600` + `0918${ek}`);
    expect(GLOBAL_KEY_ID).toEqual({ UNICAST_ENCRYPTION: 0, BROADCAST_ENCRYPTION: 1, AUTHENTICATION: 2, KEK: 3 });
  });

  it('needs at least one key', () => {
    expect(() => globalKeyTransferParameter(KEK, [])).toThrow(DlmsError);
  });
});
