// COSEM knowledge that is not specific to one meter: value rendering, scaler/unit (class 3 and 4 registers),
// profile generic buffers (class 7) with their capture objects, access modes of the object list. Pure functions
// on the generic JSON values of common/device-commands.ts, so the workflow can run them deterministically.
import type { CosemAttributeRef, CosemValue } from '../../../common/device-commands';

/** The IEC 62056-6-2 unit enumeration, for the units meters report most (others as `unit-<code>`). */
const unitNames: Record<number, string> = {
  1: 'a',
  2: 'mo',
  3: 'wk',
  4: 'd',
  5: 'h',
  6: 'min',
  7: 's',
  8: '°',
  9: '°C',
  10: 'currency',
  11: 'm',
  12: 'm/s',
  13: 'm³',
  14: 'm³ (corrected)',
  15: 'm³/h',
  16: 'm³/h (corrected)',
  17: 'm³/d',
  18: 'm³/d (corrected)',
  19: 'l',
  20: 'kg',
  21: 'N',
  22: 'Nm',
  23: 'Pa',
  24: 'bar',
  25: 'J',
  26: 'J/h',
  27: 'W',
  28: 'VA',
  29: 'var',
  30: 'Wh',
  31: 'VAh',
  32: 'varh',
  33: 'A',
  34: 'C',
  35: 'V',
  36: 'V/m',
  37: 'F',
  38: 'Ω',
  44: 'Hz',
  52: 'K',
  56: '%',
  57: 'Ah',
  254: 'other',
  255: 'count',
};

export function unitName(code: number): string {
  return unitNames[code] ?? `unit-${code}`;
}

export interface ScalerUnit {
  scaler: number;
  unit: string;
}

export interface Quantity {
  value: number;
  unit: string;
}

export class CosemDecodeError extends Error {
  override readonly name = 'CosemDecodeError';
}

/** The number a numeric COSEM value holds (64-bit integers may lose precision beyond 2^53). */
export function numberOf(value: CosemValue | undefined, what: string): number {
  if (!value) throw new CosemDecodeError(`${what}: no value`);
  switch (value.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'enum':
    case 'float32':
    case 'float64':
    case 'bcd':
      return value.value;
    case 'int64':
    case 'uint64':
      return Number(value.value);
    default:
      throw new CosemDecodeError(`${what}: expected a number, got ${value.type}`);
  }
}

export function itemsOf(value: CosemValue | undefined, what: string): CosemValue[] {
  if (!value || (value.type !== 'array' && value.type !== 'structure')) {
    throw new CosemDecodeError(`${what}: expected an array or structure, got ${value?.type ?? 'nothing'}`);
  }
  return value.value;
}

/** scaler_unit (attribute 3 of registers): structure { int8 scaler, enum unit }. */
export function decodeScalerUnit(value: CosemValue | undefined, what = 'scaler_unit'): ScalerUnit {
  const [scaler, unit] = itemsOf(value, what);
  return { scaler: numberOf(scaler, `${what} scaler`), unit: unitName(numberOf(unit, `${what} unit`)) };
}

/** value × 10^scaler, without binary noise (12345 with scaler -3 is 12.345, not 12.345000000000001). */
export function applyScaler(raw: number, scaler: number): number {
  const scaled = raw * 10 ** scaler;
  return scaler < 0 ? Number(scaled.toFixed(Math.min(20, -scaler))) : scaled;
}

export function quantity(value: CosemValue | undefined, scalerUnit: ScalerUnit, what: string): Quantity {
  return { value: applyScaler(numberOf(value, what), scalerUnit.scaler), unit: scalerUnit.unit };
}

/** An octet string as six dotted decimals (a logical name); anything else is refused. */
export function obisOf(value: CosemValue | undefined, what: string): string {
  if (!value || value.type !== 'octet-string' || value.hex.length !== 12) {
    throw new CosemDecodeError(`${what}: expected a 6-byte logical name`);
  }
  return Array.from({ length: 6 }, (_, i) => parseInt(value.hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

/** The instant a date-time (or a 12-byte octet string holding one) names; null when the meter left it unspecified. */
export function instantOf(value: CosemValue | undefined): string | null {
  if (!value) return null;
  if (value.type === 'date-time') return value.instant;
  if (value.type === 'octet-string' && value.hex.length === 24) return dateTimeFromHex(value.hex);
  return null;
}

/**
 * A COSEM date-time from its 12 bytes: year(2) month day weekday hour minute second hundredths deviation(2)
 * status. Deviation is minutes from local time to UTC (UTC = local + deviation); 0x8000 = unknown (taken as UTC).
 */
export function dateTimeFromHex(hex: string): string | null {
  const b = Array.from({ length: 12 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const year = (b[0] << 8) | b[1];
  const [month, day, , hour, minute, second, hundredths] = b.slice(2, 9);
  if (year === 0xffff || month > 12 || month < 1 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const rawDeviation = (b[9] << 8) | b[10];
  const deviation = rawDeviation === 0x8000 ? 0 : rawDeviation > 0x7fff ? rawDeviation - 0x10000 : rawDeviation;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, hundredths === 0xff ? 0 : hundredths * 10) + deviation * 60_000;
  return new Date(ms).toISOString();
}

/** A value as plain JSON for callers: numbers, text, hex for bytes, ISO instants, nested arrays. */
export function plainValue(value: CosemValue): unknown {
  switch (value.type) {
    case 'null':
      return null;
    case 'octet-string':
      return value.hex;
    case 'array':
    case 'structure':
      return value.value.map(plainValue);
    case 'date-time':
      return value.instant ?? value.hex;
    case 'date':
    case 'time':
      return value.hex;
    case 'date-time-now':
      return 'now';
    default:
      return value.value;
  }
}

/** Text a meter keeps in an octet string or visible string (firmware identifiers). */
export function textOf(value: CosemValue | undefined, what: string): string {
  if (value?.type === 'visible-string' || value?.type === 'utf8-string') return value.value;
  if (value?.type === 'octet-string') {
    const bytes = Array.from({ length: value.hex.length / 2 }, (_, i) => parseInt(value.hex.slice(i * 2, i * 2 + 2), 16));
    const printable = bytes.every((c) => c >= 0x20 && c < 0x7f);
    return printable ? String.fromCharCode(...bytes) : value.hex;
  }
  throw new CosemDecodeError(`${what}: expected text, got ${value?.type ?? 'nothing'}`);
}

/** One column of a profile generic buffer: capture_objects element { class_id, logical_name, attribute_index, data_index }. */
export interface CaptureObject extends CosemAttributeRef {
  dataIndex: number;
}

export function decodeCaptureObjects(value: CosemValue | undefined): CaptureObject[] {
  return itemsOf(value, 'capture_objects').map((element, i) => {
    const [classId, logicalName, attribute, dataIndex] = itemsOf(element, `capture_objects[${i}]`);
    return {
      classId: numberOf(classId, `capture_objects[${i}].class_id`),
      obis: obisOf(logicalName, `capture_objects[${i}].logical_name`),
      attribute: numberOf(attribute, `capture_objects[${i}].attribute_index`),
      dataIndex: dataIndex ? numberOf(dataIndex, `capture_objects[${i}].data_index`) : 0,
    };
  });
}

/** The rows of a profile buffer: each an array of values, one per capture object. */
export function decodeBufferRows(value: CosemValue | undefined, columns: number): CosemValue[][] {
  return itemsOf(value, 'buffer').map((row, i) => {
    const cells = itemsOf(row, `buffer[${i}]`);
    if (cells.length !== columns) throw new CosemDecodeError(`buffer[${i}]: ${cells.length} values for ${columns} capture objects`);
    return cells;
  });
}

export const attributeAccessModes = [
  'NO_ACCESS',
  'READ_ONLY',
  'WRITE_ONLY',
  'READ_AND_WRITE',
  'AUTHENTICATED_READ_ONLY',
  'AUTHENTICATED_WRITE_ONLY',
  'AUTHENTICATED_READ_AND_WRITE',
] as const;
export const methodAccessModes = ['NO_ACCESS', 'ACCESS', 'AUTHENTICATED_ACCESS'] as const;

export function sameObject(a: { classId: number; obis: string }, b: { classId: number; obis: string }): boolean {
  return a.classId === b.classId && a.obis === b.obis;
}
