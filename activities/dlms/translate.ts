// Generic COSEM values (JSON, in workflow payloads) <-> the DLMS client's A-XDR data (Buffers, bigints, dates).
// Pure functions: the one place that knows both representations.
import type { CosemObjectInfo, CosemOperation, CosemRangeAccess, CosemValue } from '../../common/device-commands';
import type { CosemDateTime, CosemObjectDescriptor, DlmsData, SelectiveAccess } from '../../adapters/dlms';

export function fromDlmsData(data: DlmsData): CosemValue {
  switch (data.type) {
    case 'int64':
    case 'uint64':
      return { type: data.type, value: data.value.toString() };
    case 'octet-string':
      return { type: 'octet-string', hex: data.value.toString('hex') };
    case 'array':
    case 'structure':
      return { type: data.type, value: data.value.map(fromDlmsData) };
    case 'date-time':
      return {
        type: 'date-time',
        instant: data.value.date ? data.value.date.toISOString() : null,
        hex: data.raw.toString('hex'),
        deviation: data.value.deviation,
        clockStatus: data.value.clockStatus,
      };
    case 'date':
    case 'time':
      return { type: data.type, hex: data.raw.toString('hex') };
    default:
      return data;
  }
}

/** `now` is the adapter's clock, for date-time-now (the moment the request is sent). */
export function toDlmsData(value: CosemValue, now: () => Date = () => new Date()): DlmsData {
  switch (value.type) {
    case 'int64':
    case 'uint64':
      return { type: value.type, value: BigInt(value.value) };
    case 'octet-string':
      return { type: 'octet-string', value: Buffer.from(value.hex, 'hex') };
    case 'array':
    case 'structure':
      return { type: value.type, value: value.value.map((v) => toDlmsData(v, now)) };
    case 'date-time':
      return dateTimeFromBytes(Buffer.from(value.hex, 'hex'));
    case 'date':
    case 'time':
      return { type: value.type, raw: Buffer.from(value.hex, 'hex') };
    case 'date-time-now':
      // As meters carry clock values (the clock's time attribute): a 12-byte octet string.
      return { type: 'octet-string', value: utcDateTime(now()).raw };
    default:
      return value;
  }
}

/**
 * A COSEM date-time for an instant, in UTC (deviation 0, clock status OK): year(2) month day weekday(1 = Monday)
 * hour minute second hundredths deviation(2) status.
 */
export function utcDateTime(date: Date): Extract<DlmsData, { type: 'date-time' }> {
  const raw = Buffer.alloc(12);
  raw.writeUInt16BE(date.getUTCFullYear(), 0);
  raw[2] = date.getUTCMonth() + 1;
  raw[3] = date.getUTCDate();
  raw[4] = ((date.getUTCDay() + 6) % 7) + 1;
  raw[5] = date.getUTCHours();
  raw[6] = date.getUTCMinutes();
  raw[7] = date.getUTCSeconds();
  raw[8] = Math.floor(date.getUTCMilliseconds() / 10);
  raw.writeInt16BE(0, 9);
  raw[11] = 0;
  return dateTimeFromBytes(raw, date);
}

function dateTimeFromBytes(raw: Buffer, date?: Date): Extract<DlmsData, { type: 'date-time' }> {
  const field = (v: number, unspecified = 0xff) => (v === unspecified ? null : v);
  const year = raw.readUInt16BE(0);
  const deviation = raw.readInt16BE(9);
  const value: CosemDateTime = {
    year: year === 0xffff ? null : year,
    month: field(raw[2]),
    day: field(raw[3]),
    dayOfWeek: field(raw[4]),
    hour: field(raw[5]),
    minute: field(raw[6]),
    second: field(raw[7]),
    hundredths: field(raw[8]),
    deviation: deviation === -0x8000 ? null : deviation,
    clockStatus: field(raw[11]),
    date: date ?? null,
  };
  return { type: 'date-time', value, raw };
}

export function toSelectiveAccess(access: CosemRangeAccess): SelectiveAccess {
  return {
    kind: 'range',
    from: new Date(access.from),
    to: new Date(access.to),
    ...(access.restrictingObject ? { restrictingObject: access.restrictingObject } : {}),
    ...(access.columns ? { columns: access.columns } : {}),
  };
}

export function fromObjectList(objects: CosemObjectDescriptor[]): CosemObjectInfo[] {
  return objects.map((o) => ({
    classId: o.classId,
    version: o.version,
    obis: o.obis,
    attributes: o.attributes.map((a) => ({ id: a.id, access: a.access })),
    methods: o.methods.map((m) => ({ id: m.id, access: m.access })),
  }));
}

/** One line for the message log: what was asked, never a value that could be a secret. */
export function describeOperation(operation: CosemOperation): string {
  switch (operation.op) {
    case 'get': {
      const { classId, obis, attribute } = operation.attribute;
      const range = operation.access ? ` [${operation.access.from}..${operation.access.to}]` : '';
      return `get ${classId}/${obis}/${attribute}${range}`;
    }
    case 'set': {
      const { classId, obis, attribute } = operation.attribute;
      return `set ${classId}/${obis}/${attribute} (${operation.value.type})`;
    }
    case 'action': {
      const { classId, obis, method } = operation.method;
      return `action ${classId}/${obis}/${method}`;
    }
    case 'objectList':
      return 'get object list';
    case 'globalKeyTransfer':
      // Which keys, never their (sealed) values.
      return `global key transfer 64/${operation.securitySetup}/2 (${operation.keys.map((k) => k.keyType).join(', ')})`;
  }
}

/** A short account of a result for the message log: the type and size of what came back. */
export function describeValue(value: CosemValue | undefined): string {
  if (!value) return 'ok';
  if (value.type === 'array' || value.type === 'structure') return `${value.type}[${value.value.length}]`;
  if (value.type === 'octet-string') return `octet-string(${value.hex.length / 2})`;
  return value.type;
}
