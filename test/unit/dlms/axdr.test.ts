/** A-XDR data codec against encodings recorded from the Gurux library (see vectors.ts). */
import {
  asCosemDateTime,
  decodeCosemDateTime,
  decodeData,
  decodeDataFrom,
  dlms,
  encodeCosemDateTime,
  encodeData,
  encodeLength,
  obisFromBytes,
  obisToBytes,
  Reader,
} from '../../../adapters/dlms/axdr';
import { DlmsError, type DlmsData } from '../../../adapters/dlms';
import { vector, type VectorName } from './vectors';

const cases: [VectorName, DlmsData][] = [
  ['data.uint32', dlms.uint32(123456)],
  ['data.int16', dlms.int16(-5)],
  ['data.int8', dlms.int8(-128)],
  ['data.uint16', dlms.uint16(65535)],
  ['data.int64', { type: 'int64', value: -1234567890123n }],
  ['data.float64', { type: 'float64', value: 1.5 }],
  ['data.enum', dlms.enum(30)],
  ['data.boolean', dlms.boolean(true)],
  ['data.octetString', dlms.octetString(Buffer.from([1, 2, 3, 4, 5]))],
  ['data.visibleString', dlms.visibleString('GX-CORE-1.2.3')],
  ['data.structure', dlms.structure([dlms.int8(0), dlms.int32(30)])],
];

describe('A-XDR data', () => {
  it.each(cases)('%s: encodes as Gurux does and decodes back', (name, value) => {
    expect(encodeData(value).toString('hex')).toBe(vector(name).toString('hex'));
    expect(decodeDataFrom(vector(name))).toEqual(value);
  });

  it('decodes a Gurux date-time (tag 25) to its instant', () => {
    const d = decodeDataFrom(vector('data.dateTime'));
    expect(d.type).toBe('date-time');
    expect(asCosemDateTime(d)?.date).toEqual(new Date('2026-01-02T03:04:05Z'));
    expect(encodeData(d)).toEqual(vector('data.dateTime'));
  });

  it('round-trips arrays, bit strings, 64-bit and float values', () => {
    const value: DlmsData = dlms.array([
      { type: 'bit-string', value: '1010000011' },
      { type: 'uint64', value: 2n ** 63n + 5n },
      { type: 'float32', value: -2.5 },
      { type: 'utf8-string', value: 'Zähler' },
      dlms.null(),
    ]);
    expect(decodeDataFrom(encodeData(value))).toEqual(value);
    expect(encodeData({ type: 'bit-string', value: '1010000011' }).toString('hex')).toBe('040aa0c0');
  });

  it('uses long-form lengths above 127', () => {
    expect(encodeLength(127)).toEqual(Buffer.from([0x7f]));
    expect(encodeLength(128)).toEqual(Buffer.from([0x81, 0x80]));
    expect(encodeLength(1012)).toEqual(Buffer.from([0x82, 0x03, 0xf4]));
    const long = dlms.octetString(Buffer.alloc(300, 7));
    expect(encodeData(long).subarray(0, 4)).toEqual(Buffer.from([0x09, 0x82, 0x01, 0x2c]));
    expect(decodeDataFrom(encodeData(long))).toEqual(long);
  });

  it('refuses truncated data, unknown tags, trailing bytes and out-of-range numbers', () => {
    expect(() => decodeDataFrom(Buffer.from('0600', 'hex'))).toThrow(DlmsError);
    expect(() => decodeData(new Reader(Buffer.from('ee', 'hex')))).toThrow(/unsupported A-XDR data tag 238/);
    expect(() => decodeDataFrom(Buffer.from('110100', 'hex'))).toThrow(/unexpected byte/);
    expect(() => encodeData(dlms.uint8(256))).toThrow(/out of range/);
    expect(() => encodeData(dlms.int16(1.5))).toThrow(/out of range/);
  });
});

describe('OBIS codes and COSEM date-time', () => {
  it('converts logical names', () => {
    expect(obisToBytes('1.0.99.1.0.255')).toEqual(Buffer.from([1, 0, 99, 1, 0, 255]));
    expect(obisFromBytes(Buffer.from([0, 0, 40, 0, 0, 255]))).toBe('0.0.40.0.0.255');
    expect(() => obisToBytes('1.0.99.1.0')).toThrow(/invalid OBIS/);
    expect(() => obisToBytes('1.0.99.1.0.256')).toThrow(/invalid OBIS/);
  });

  it('encodes an instant in UTC and reads deviation per the Blue Book (UTC = local + deviation)', () => {
    const date = new Date('2026-01-02T03:04:05.120Z');
    const utc = encodeCosemDateTime(date);
    expect(utc.toString('hex')).toBe('07ea0102050304050c000000');
    expect(decodeCosemDateTime(utc).date).toEqual(date);
    // CET: local 04:04:05, deviation -60.
    const cet = encodeCosemDateTime(date, { deviation: -60 });
    expect(cet[5]).toBe(4);
    expect(decodeCosemDateTime(cet).date).toEqual(date);
  });

  it('leaves the instant empty when fields are not specified', () => {
    const b = Buffer.from('ffffffffffffffffff800000', 'hex');
    expect(decodeCosemDateTime(b)).toMatchObject({ year: null, month: null, hour: null, deviation: null, date: null, clockStatus: 0 });
  });
});

describe('DlmsError', () => {
  it('is transient for the link, permanent for keys, rejections, refused access and bad bytes', () => {
    expect(new DlmsError('CONNECTION', 'x').permanent).toBe(false);
    expect(new DlmsError('TIMEOUT', 'x').permanent).toBe(false);
    for (const code of ['AUTHENTICATION_FAILED', 'ASSOCIATION_REJECTED', 'DECRYPTION_FAILED', 'PROTOCOL'] as const) {
      expect(new DlmsError(code, 'x').permanent).toBe(true);
    }
    expect(new DlmsError('DATA_ACCESS', 'x', 'object-undefined').permanent).toBe(true);
    expect(new DlmsError('DATA_ACCESS', 'x', 'temporary-failure').permanent).toBe(false);
  });
});
