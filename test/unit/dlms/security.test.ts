/**
 * Security suite 0 against an HLS GMAC association recorded between the Gurux client and server (see
 * vectors.ts): fixed client system title, invocation counter 100 and CtoS challenge on the client side.
 */
import * as apdu from '../../../adapters/dlms/apdu';
import { decodeDataFrom, dlms } from '../../../adapters/dlms/axdr';
import { decryptApdu, encryptApdu, hlsGmac } from '../../../adapters/dlms/security';
import { DlmsError } from '../../../adapters/dlms';
import { CLIENT_SYSTEM_TITLE, CTOS, GURUX_KEYS, METER_SYSTEM_TITLE, wrapped } from './vectors';

describe('HLS GMAC association of the Gurux client and server', () => {
  const aare = apdu.decodeAare(wrapped('hls.aare'));

  it('builds the same ciphered AARQ (glo-initiate-request, IC 100)', () => {
    const userInformation = encryptApdu(apdu.encodeInitiateRequest(), GURUX_KEYS, CLIENT_SYSTEM_TITLE, 100);
    const aarq = apdu.encodeAarq({
      ciphered: true,
      authentication: 'HIGH_GMAC',
      callingAuthenticationValue: CTOS,
      clientSystemTitle: CLIENT_SYSTEM_TITLE,
      userInformation,
    });
    expect(aarq.toString('hex')).toBe(wrapped('hls.aarq').toString('hex'));
  });

  it('reads the AARE: authentication required, the meter system title, StoC and a ciphered InitiateResponse', () => {
    expect(aare).toMatchObject({ applicationContext: 3, result: 0, diagnostic: 14, mechanism: 5, respondingApTitle: METER_SYSTEM_TITLE });
    expect(aare.respondingAuthenticationValue).toHaveLength(16);
    const initiate = decryptApdu(aare.userInformation!, GURUX_KEYS, METER_SYSTEM_TITLE);
    expect(initiate.securityControl).toBe(0x30);
    expect(apdu.decodeInitiateResponse(initiate.apdu)).toMatchObject({ maxPduSize: 1024, dlmsVersion: 6 });
  });

  it('computes the same f(StoC) as the Gurux client in pass 3', () => {
    const request = decryptApdu(wrapped('hls.pass3.request'), GURUX_KEYS, CLIENT_SYSTEM_TITLE);
    expect(request.invocationCounter).toBe(101); // 100 went to the AARQ
    // ACTION 15 / 0.0.40.0.0.255 / 1 with octet-string SC || IC || GMAC.
    const sent = apdu.encodeActionRequestNormal(1, { classId: 15, obis: '0.0.40.0.0.255', method: 1 }, dlms.octetString(Buffer.alloc(17)));
    expect(request.apdu.subarray(0, 14)).toEqual(sent.subarray(0, 14));
    const fStoC = request.apdu.subarray(15);
    expect(fStoC[0]).toBe(0x10);
    const ic = fStoC.readUInt32BE(1);
    expect(hlsGmac(GURUX_KEYS, CLIENT_SYSTEM_TITLE, ic, aare.respondingAuthenticationValue!)).toEqual(fStoC.subarray(5));
  });

  it('verifies the Gurux server f(CtoS) of pass 4', () => {
    const response = decryptApdu(wrapped('hls.pass3.response'), GURUX_KEYS, METER_SYSTEM_TITLE);
    const action = apdu.decodeActionResponse(response.apdu);
    expect(action.result).toBe(0);
    const returned = action.returned && 'data' in action.returned ? action.returned.data : undefined;
    if (returned?.type !== 'octet-string') throw new Error('expected f(CtoS)');
    const ic = returned.value.readUInt32BE(1);
    expect(hlsGmac(GURUX_KEYS, METER_SYSTEM_TITLE, ic, CTOS)).toEqual(returned.value.subarray(5));
    expect(hlsGmac(GURUX_KEYS, METER_SYSTEM_TITLE, ic, Buffer.alloc(16))).not.toEqual(returned.value.subarray(5));
  });

  it('ciphers a GET as the Gurux client does and deciphers the server answer', () => {
    const recorded = wrapped('hls.get.register.request');
    const { invocationCounter } = decryptApdu(recorded, GURUX_KEYS, CLIENT_SYSTEM_TITLE);
    const plain = apdu.encodeGetRequestNormal(1, { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 });
    expect(encryptApdu(plain, GURUX_KEYS, CLIENT_SYSTEM_TITLE, invocationCounter)).toEqual(recorded);
    const answer = decryptApdu(wrapped('hls.get.register.response'), GURUX_KEYS, METER_SYSTEM_TITLE);
    expect(apdu.decodeGetResponse(answer.apdu)).toMatchObject({ result: { data: dlms.uint32(123456) } });
    expect(decodeDataFrom(answer.apdu.subarray(4))).toEqual(dlms.uint32(123456));
  });

  it('ciphers with a dedicated key as the Gurux client does (ded-ciphering, key sent in the AARQ)', () => {
    const dedicatedKey = Buffer.from('A0A1A2A3A4A5A6A7A8A9AAABACADAEAF', 'hex');
    const initiate = apdu.encodeInitiateRequest(apdu.DEFAULT_MAX_PDU_SIZE, apdu.PROPOSED_CONFORMANCE, dedicatedKey);
    const aarq = apdu.encodeAarq({
      ciphered: true,
      authentication: 'HIGH_GMAC',
      callingAuthenticationValue: CTOS,
      clientSystemTitle: CLIENT_SYSTEM_TITLE,
      userInformation: encryptApdu(initiate, GURUX_KEYS, CLIENT_SYSTEM_TITLE, 200),
    });
    expect(aarq.toString('hex')).toBe(wrapped('hls.ded.aarq').toString('hex'));

    const recorded = wrapped('hls.ded.get.register.request');
    expect(recorded[0]).toBe(0xd0);
    const { invocationCounter } = decryptApdu(recorded, GURUX_KEYS, CLIENT_SYSTEM_TITLE, dedicatedKey);
    const plain = apdu.encodeGetRequestNormal(1, { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 });
    expect(encryptApdu(plain, GURUX_KEYS, CLIENT_SYSTEM_TITLE, invocationCounter, dedicatedKey)).toEqual(recorded);
    const answer = decryptApdu(wrapped('hls.ded.get.register.response'), GURUX_KEYS, METER_SYSTEM_TITLE, dedicatedKey);
    expect(apdu.decodeGetResponse(answer.apdu)).toMatchObject({ result: { data: dlms.uint32(123456) } });
    // Without the dedicated key, or with the global key in its place, the answer does not open.
    expect(() => decryptApdu(wrapped('hls.ded.get.register.response'), GURUX_KEYS, METER_SYSTEM_TITLE)).toThrow(/without a dedicated key/);
    expect(() => decryptApdu(wrapped('hls.ded.get.register.response'), GURUX_KEYS, METER_SYSTEM_TITLE, GURUX_KEYS.blockCipherKey)).toThrow(
      expect.objectContaining({ code: 'DECRYPTION_FAILED' }),
    );
  });

  it('fails with DECRYPTION_FAILED (permanent) under other keys', () => {
    const wrong = { ...GURUX_KEYS, blockCipherKey: Buffer.alloc(16, 1) };
    let error: unknown;
    try {
      decryptApdu(wrapped('hls.get.register.response'), wrong, METER_SYSTEM_TITLE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DlmsError);
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED', permanent: true });
    expect(() => decryptApdu(wrapped('hls.get.register.response'), GURUX_KEYS, CLIENT_SYSTEM_TITLE)).toThrow(DlmsError);
  });
});
