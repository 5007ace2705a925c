/**
 * A-XDR encoding of COSEM data (IEC 62056-6-2 "Data" CHOICE) plus the helpers around it: lengths,
 * OBIS codes and the 12-byte COSEM date-time.
 */
import { DlmsError } from './errors';
import type { CosemDateTime, DlmsData } from './types';

export const DataTag = {
  null: 0,
  array: 1,
  structure: 2,
  boolean: 3,
  'bit-string': 4,
  int32: 5,
  uint32: 6,
  'octet-string': 9,
  'visible-string': 10,
  'utf8-string': 12,
  bcd: 13,
  int8: 15,
  int16: 16,
  uint8: 17,
  uint16: 18,
  'compact-array': 19,
  int64: 20,
  uint64: 21,
  enum: 22,
  float32: 23,
  float64: 24,
  'date-time': 25,
  date: 26,
  time: 27,
} as const;

/** A cursor over a buffer; every read checks bounds and throws a PROTOCOL DlmsError when short. */
export class Reader {
  constructor(
    readonly buffer: Buffer,
    public offset = 0,
  ) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.buffer.length) {
      throw new DlmsError('PROTOCOL', `truncated DLMS data: need ${n} byte(s) at offset ${this.offset}, have ${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return Buffer.from(v);
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** A-XDR / BER length: one byte below 0x80, else 0x8N followed by N bytes. */
  length(): number {
    const first = this.u8();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new DlmsError('PROTOCOL', `unsupported length encoding 0x${first.toString(16)}`);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.u8();
    return v;
  }
}

export function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n <= 0xff) return Buffer.from([0x81, n]);
  if (n <= 0xffff) return Buffer.from([0x82, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x84;
  b.writeUInt32BE(n, 1);
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// OBIS
// ---------------------------------------------------------------------------------------------------------
export function obisToBytes(obis: string): Buffer {
  const parts = obis.split('.');
  if (parts.length !== 6 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new DlmsError('PROTOCOL', `invalid OBIS code "${obis}" (expected six numbers 0-255 separated by dots)`);
  }
  return Buffer.from(parts.map(Number));
}

export function obisFromBytes(b: Buffer): string {
  if (b.length !== 6) throw new DlmsError('PROTOCOL', `logical name must be 6 bytes, got ${b.length}`);
  return Array.from(b).join('.');
}

// ---------------------------------------------------------------------------------------------------------
// COSEM date-time (12 bytes): year(2) month day day-of-week hour minute second hundredths deviation(2) status
// ---------------------------------------------------------------------------------------------------------
export const DATE_TIME_LENGTH = 12;

/**
 * Decodes a COSEM date-time. `date` is the instant when year..second are specified. The deviation is
 * read as the Blue Book defines it, UTC = local time + deviation minutes (CET, UTC+1, has deviation -60);
 * an unspecified deviation is taken as UTC.
 */
export function decodeCosemDateTime(b: Buffer): CosemDateTime {
  if (b.length !== DATE_TIME_LENGTH) throw new DlmsError('PROTOCOL', `date-time must be 12 bytes, got ${b.length}`);
  const year = b.readUInt16BE(0);
  const spec = (v: number, none: number): number | null => (v === none ? null : v);
  const dev = b.readInt16BE(9);
  const dt: CosemDateTime = {
    year: year === 0xffff ? null : year,
    month: b[2]! >= 0xfd ? null : b[2]!,
    day: b[3]! >= 0xfd ? null : b[3]!,
    dayOfWeek: spec(b[4]!, 0xff),
    hour: spec(b[5]!, 0xff),
    minute: spec(b[6]!, 0xff),
    second: spec(b[7]!, 0xff),
    hundredths: spec(b[8]!, 0xff),
    deviation: dev === -0x8000 ? null : dev,
    clockStatus: spec(b[11]!, 0xff),
    date: null,
  };
  if (dt.year !== null && dt.month !== null && dt.day !== null && dt.hour !== null && dt.minute !== null && dt.second !== null) {
    const local = Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, (dt.hundredths ?? 0) * 10);
    dt.date = new Date(local + (dt.deviation ?? 0) * 60_000);
  }
  return dt;
}

/** Encodes an instant as a COSEM date-time in UTC (deviation 0, clock status 0). */
export function encodeCosemDateTime(date: Date, options: { deviation?: number; clockStatus?: number } = {}): Buffer {
  const deviation = options.deviation ?? 0;
  const local = new Date(date.getTime() - deviation * 60_000);
  const b = Buffer.alloc(DATE_TIME_LENGTH);
  b.writeUInt16BE(local.getUTCFullYear(), 0);
  b[2] = local.getUTCMonth() + 1;
  b[3] = local.getUTCDate();
  b[4] = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  b[5] = local.getUTCHours();
  b[6] = local.getUTCMinutes();
  b[7] = local.getUTCSeconds();
  b[8] = Math.floor(local.getUTCMilliseconds() / 10);
  b.writeInt16BE(deviation, 9);
  b[11] = options.clockStatus ?? 0;
  return b;
}

/** The date-time in a value: a date-time (tag 25) or a 12-byte octet-string, as meters send the clock. */
export function asCosemDateTime(data: DlmsData): CosemDateTime | undefined {
  if (data.type === 'date-time') return data.value;
  if (data.type === 'octet-string' && data.value.length === DATE_TIME_LENGTH) return decodeCosemDateTime(data.value);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------------
/**
 * How deeply arrays and structures may nest. COSEM data nests a few levels (a profile's buffer is an array
 * of structures); without a limit, a meter's APDU of nested one-element arrays (two bytes a level) overflows
 * the stack, a RangeError instead of a protocol error.
 */
export const MAX_DATA_NESTING = 32;

export function decodeData(r: Reader, nesting = 0): DlmsData {
  const tag = r.u8();
  switch (tag) {
    case DataTag.null:
      return { type: 'null' };
    case DataTag.array:
    case DataTag.structure: {
      if (nesting >= MAX_DATA_NESTING) {
        throw new DlmsError('PROTOCOL', `A-XDR data nested deeper than ${MAX_DATA_NESTING} levels at offset ${r.offset - 1}`);
      }
      const n = r.length();
      const value: DlmsData[] = [];
      for (let i = 0; i < n; i++) value.push(decodeData(r, nesting + 1));
      return { type: tag === DataTag.array ? 'array' : 'structure', value };
    }
    case DataTag.boolean:
      return { type: 'boolean', value: r.u8() !== 0 };
    case DataTag['bit-string']: {
      const bits = r.length();
      const bytes = r.bytes(Math.ceil(bits / 8));
      let value = '';
      for (let i = 0; i < bits; i++) value += (bytes[i >> 3]! >> (7 - (i & 7))) & 1 ? '1' : '0';
      return { type: 'bit-string', value };
    }
    case DataTag.int32:
      return { type: 'int32', value: r.bytes(4).readInt32BE(0) };
    case DataTag.uint32:
      return { type: 'uint32', value: r.u32() };
    case DataTag['octet-string']:
      return { type: 'octet-string', value: r.bytes(r.length()) };
    case DataTag['visible-string']:
      return { type: 'visible-string', value: r.bytes(r.length()).toString('latin1') };
    case DataTag['utf8-string']:
      return { type: 'utf8-string', value: r.bytes(r.length()).toString('utf8') };
    case DataTag.bcd:
      return { type: 'bcd', value: r.bytes(1).readInt8(0) };
    case DataTag.int8:
      return { type: 'int8', value: r.bytes(1).readInt8(0) };
    case DataTag.int16:
      return { type: 'int16', value: r.bytes(2).readInt16BE(0) };
    case DataTag.uint8:
      return { type: 'uint8', value: r.u8() };
    case DataTag.uint16:
      return { type: 'uint16', value: r.u16() };
    case DataTag.int64:
      return { type: 'int64', value: r.bytes(8).readBigInt64BE(0) };
    case DataTag.uint64:
      return { type: 'uint64', value: r.bytes(8).readBigUInt64BE(0) };
    case DataTag.enum:
      return { type: 'enum', value: r.u8() };
    case DataTag.float32:
      return { type: 'float32', value: r.bytes(4).readFloatBE(0) };
    case DataTag.float64:
      return { type: 'float64', value: r.bytes(8).readDoubleBE(0) };
    case DataTag['date-time']: {
      const raw = r.bytes(DATE_TIME_LENGTH);
      return { type: 'date-time', value: decodeCosemDateTime(raw), raw };
    }
    case DataTag.date:
      return { type: 'date', raw: r.bytes(5) };
    case DataTag.time:
      return { type: 'time', raw: r.bytes(4) };
    default:
      throw new DlmsError('PROTOCOL', `unsupported A-XDR data tag ${tag} at offset ${r.offset - 1}`);
  }
}

/** Decodes exactly one Data value from `b`; trailing bytes are a protocol error. */
export function decodeDataFrom(b: Buffer): DlmsData {
  const r = new Reader(b);
  const v = decodeData(r);
  if (r.remaining !== 0) throw new DlmsError('PROTOCOL', `${r.remaining} unexpected byte(s) after a Data value`);
  return v;
}

function intBuffer(size: 1 | 2 | 4, signed: boolean, value: number, type: string): Buffer {
  const min = signed ? -(2 ** (size * 8 - 1)) : 0;
  const max = signed ? 2 ** (size * 8 - 1) - 1 : 2 ** (size * 8) - 1;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DlmsError('PROTOCOL', `${type} value ${value} out of range ${min}..${max}`);
  }
  const b = Buffer.alloc(size);
  if (size === 1) b.writeUInt8(value & 0xff, 0);
  else if (size === 2 && signed) b.writeInt16BE(value, 0);
  else if (size === 2) b.writeUInt16BE(value, 0);
  else if (signed) b.writeInt32BE(value, 0);
  else b.writeUInt32BE(value, 0);
  return b;
}

export function encodeData(d: DlmsData): Buffer {
  const tagged = (tag: number, ...parts: Buffer[]): Buffer => Buffer.concat([Buffer.from([tag]), ...parts]);
  switch (d.type) {
    case 'null':
      return Buffer.from([DataTag.null]);
    case 'array':
    case 'structure':
      return tagged(DataTag[d.type], encodeLength(d.value.length), ...d.value.map(encodeData));
    case 'boolean':
      return tagged(DataTag.boolean, Buffer.from([d.value ? 1 : 0]));
    case 'bit-string': {
      if (!/^[01]*$/.test(d.value)) throw new DlmsError('PROTOCOL', 'bit-string value must contain only 0 and 1');
      const bytes = Buffer.alloc(Math.ceil(d.value.length / 8));
      for (let i = 0; i < d.value.length; i++) if (d.value[i] === '1') bytes[i >> 3]! |= 0x80 >> (i & 7);
      return tagged(DataTag['bit-string'], encodeLength(d.value.length), bytes);
    }
    case 'int8':
      return tagged(DataTag.int8, intBuffer(1, true, d.value, d.type));
    case 'int16':
      return tagged(DataTag.int16, intBuffer(2, true, d.value, d.type));
    case 'int32':
      return tagged(DataTag.int32, intBuffer(4, true, d.value, d.type));
    case 'uint8':
      return tagged(DataTag.uint8, intBuffer(1, false, d.value, d.type));
    case 'uint16':
      return tagged(DataTag.uint16, intBuffer(2, false, d.value, d.type));
    case 'uint32':
      return tagged(DataTag.uint32, intBuffer(4, false, d.value, d.type));
    case 'enum':
      return tagged(DataTag.enum, intBuffer(1, false, d.value, d.type));
    case 'bcd':
      return tagged(DataTag.bcd, intBuffer(1, true, d.value, d.type));
    case 'int64': {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(d.value, 0);
      return tagged(DataTag.int64, b);
    }
    case 'uint64': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(d.value, 0);
      return tagged(DataTag.uint64, b);
    }
    case 'float32': {
      const b = Buffer.alloc(4);
      b.writeFloatBE(d.value, 0);
      return tagged(DataTag.float32, b);
    }
    case 'float64': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(d.value, 0);
      return tagged(DataTag.float64, b);
    }
    case 'octet-string':
      return tagged(DataTag['octet-string'], encodeLength(d.value.length), d.value);
    case 'visible-string': {
      const b = Buffer.from(d.value, 'latin1');
      return tagged(DataTag['visible-string'], encodeLength(b.length), b);
    }
    case 'utf8-string': {
      const b = Buffer.from(d.value, 'utf8');
      return tagged(DataTag['utf8-string'], encodeLength(b.length), b);
    }
    case 'date-time':
      return tagged(DataTag['date-time'], d.raw);
    case 'date':
      return tagged(DataTag.date, d.raw);
    case 'time':
      return tagged(DataTag.time, d.raw);
  }
}

/** Small constructors, so callers write `dlms.uint16(8)` instead of object literals. */
export const dlms = {
  null: (): DlmsData => ({ type: 'null' }),
  boolean: (value: boolean): DlmsData => ({ type: 'boolean', value }),
  int8: (value: number): DlmsData => ({ type: 'int8', value }),
  int16: (value: number): DlmsData => ({ type: 'int16', value }),
  int32: (value: number): DlmsData => ({ type: 'int32', value }),
  uint8: (value: number): DlmsData => ({ type: 'uint8', value }),
  uint16: (value: number): DlmsData => ({ type: 'uint16', value }),
  uint32: (value: number): DlmsData => ({ type: 'uint32', value }),
  enum: (value: number): DlmsData => ({ type: 'enum', value }),
  octetString: (value: Buffer): DlmsData => ({ type: 'octet-string', value }),
  visibleString: (value: string): DlmsData => ({ type: 'visible-string', value }),
  array: (value: DlmsData[]): DlmsData => ({ type: 'array', value }),
  structure: (value: DlmsData[]): DlmsData => ({ type: 'structure', value }),
  /** A clock value as meters carry it: a 12-byte octet-string. */
  dateTime: (date: Date, options?: { deviation?: number; clockStatus?: number }): DlmsData => ({
    type: 'octet-string',
    value: encodeCosemDateTime(date, options),
  }),
};

/** A plain number of an integer-typed value (uint64/int64 as Number when safe), else undefined. */
export function asNumber(data: DlmsData): number | undefined {
  switch (data.type) {
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32': case 'enum': case 'bcd':
    case 'float32': case 'float64':
      return data.value;
    case 'int64': case 'uint64':
      return Number(data.value);
    default:
      return undefined;
  }
}
