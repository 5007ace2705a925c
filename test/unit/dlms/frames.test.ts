/** Wrapper and HDLC framing against frames recorded from the Gurux library (see vectors.ts). */
import * as hdlc from '../../../adapters/dlms/hdlc';
import { encodeWrapper, takeWrapperFrame } from '../../../adapters/dlms/wrapper';
import { encodeAarq, encodeGetRequestNormal, encodeInitiateRequest } from '../../../adapters/dlms/apdu';
import { DlmsError } from '../../../adapters/dlms';
import { vector, wrapped } from './vectors';

const SERVER = hdlc.encodeServerAddress(1, 1);
const CLIENT = hdlc.encodeClientAddress(16);

describe('IEC 62056-47 wrapper', () => {
  it('frames a GET request as the Gurux client does', () => {
    const apdu = encodeGetRequestNormal(1, { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 });
    expect(encodeWrapper({ source: 16, destination: 1, apdu })).toEqual(vector('wrapper.get.register.request'));
  });

  it('takes frames from a stream: incomplete, complete, back to back', () => {
    const reply = vector('wrapper.get.register.response');
    expect(takeWrapperFrame(reply.subarray(0, 10))).toBeUndefined();
    const two = Buffer.concat([reply, vector('wrapper.set.alarm.response')]);
    const first = takeWrapperFrame(two)!;
    expect(first.frame).toEqual({ source: 1, destination: 16, apdu: wrapped('wrapper.get.register.response') });
    expect(takeWrapperFrame(first.rest)!.frame.apdu).toEqual(wrapped('wrapper.set.alarm.response'));
    expect(() => takeWrapperFrame(Buffer.from('0002000100100000', 'hex'))).toThrow(/wrapper version 2/);
  });
});

describe('HDLC', () => {
  it('computes CRC-16/X.25 (check value of "123456789" is 0x906E)', () => {
    expect(hdlc.crc16x25(Buffer.from('123456789'))).toBe(0x906e);
  });

  it('encodes addresses: server upper/lower, client SAP', () => {
    expect(SERVER).toEqual(Buffer.from([0x02, 0x03]));
    expect(CLIENT).toEqual(Buffer.from([0x21]));
    expect(hdlc.encodeServerAddress(1, 0x3fff)).toEqual(Buffer.from([0x00, 0x02, 0xfe, 0xff]));
    expect(hdlc.decodeAddress(Buffer.from([0x00, 0x02, 0xfe, 0xff]), 0)).toEqual({ value: (1 << 14) | 0x3fff, length: 4 });
  });

  it('builds SNRM and DISC frames as the Gurux client does', () => {
    const frame = (control: number) => hdlc.encodeFrame({ destination: SERVER, source: CLIENT, control, segmented: false, info: Buffer.alloc(0) });
    expect(frame(hdlc.Control.SNRM)).toEqual(vector('hdlc.snrm'));
    expect(frame(hdlc.Control.DISC)).toEqual(vector('hdlc.disc'));
  });

  it('builds I-frames with N(S)/N(R), HCS and FCS as the Gurux client does', () => {
    const aarq = encodeAarq({ ciphered: false, authentication: 'LOW', callingAuthenticationValue: Buffer.from('12345678'), userInformation: encodeInitiateRequest() });
    const info = (apdu: Buffer) => Buffer.concat([hdlc.LLC_REQUEST, apdu]);
    expect(hdlc.encodeFrame({ destination: SERVER, source: CLIENT, control: hdlc.iControl(0, 0), segmented: false, info: info(aarq) })).toEqual(
      vector('hdlc.lls.aarq'),
    );
    const get = encodeGetRequestNormal(1, { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 });
    expect(hdlc.encodeFrame({ destination: SERVER, source: CLIENT, control: hdlc.iControl(1, 1), segmented: false, info: info(get) })).toEqual(
      vector('hdlc.get.register.request'),
    );
  });

  it('parses the Gurux server UA with its link parameters and I-frame responses', () => {
    const ua = hdlc.takeFrame(vector('hdlc.ua'))!.frame;
    expect(ua.control).toBe(hdlc.Control.UA);
    expect(ua.destination).toEqual(CLIENT);
    expect(ua.source).toEqual(SERVER);
    expect(hdlc.parseLinkParameters(ua.info)).toEqual({ maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 });
    const i = hdlc.takeFrame(vector('hdlc.get.register.response'))!.frame;
    expect(hdlc.isIFrame(i.control)).toBe(true);
    expect([hdlc.frameNs(i.control), hdlc.frameNr(i.control)]).toEqual([1, 2]);
    expect(i.info.subarray(0, 3)).toEqual(hdlc.LLC_RESPONSE);
    expect(i.info.subarray(3).toString('hex')).toBe('c401c100060001e240');
  });

  it('waits for incomplete frames and rejects corrupted ones', () => {
    const f = vector('hdlc.get.register.response');
    expect(hdlc.takeFrame(f.subarray(0, f.length - 1))).toBeUndefined();
    const bad = Buffer.from(f);
    bad[12] ^= 0x01;
    expect(() => hdlc.takeFrame(bad)).toThrow(DlmsError);
    expect(() => hdlc.takeFrame(Buffer.from('7e10087e', 'hex'))).toThrow(/not type 3/);
  });

  it('marks segments and acknowledges with RR', () => {
    const seg = hdlc.encodeFrame({ destination: SERVER, source: CLIENT, control: hdlc.iControl(2, 3), segmented: true, info: Buffer.alloc(10) });
    const back = hdlc.takeFrame(seg)!.frame;
    expect(back.segmented).toBe(true);
    expect(hdlc.rrControl(3)).toBe(0x71);
    expect(hdlc.isRR(0x71)).toBe(true);
  });
});
