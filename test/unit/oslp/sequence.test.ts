import {
  isWithinWindow,
  newestSequenceNumber,
  nextSequenceNumber,
  randomUint16,
  sequenceDistance,
} from '../../../adapters/oslp/sequence';

describe('OSLP sequence numbers', () => {
  it('counts up by one and wraps from 65535 to 0', () => {
    expect(nextSequenceNumber(0)).toBe(1);
    expect(nextSequenceNumber(41)).toBe(42);
    expect(nextSequenceNumber(65535)).toBe(0);
  });

  it('refuses numbers that do not fit 16 bits', () => {
    expect(() => nextSequenceNumber(-1)).toThrow(RangeError);
    expect(() => nextSequenceNumber(65536)).toThrow(RangeError);
    expect(() => nextSequenceNumber(1.5)).toThrow(RangeError);
  });

  it('measures the shortest signed distance around the wrap', () => {
    expect(sequenceDistance(10, 13)).toBe(3);
    expect(sequenceDistance(13, 10)).toBe(-3);
    expect(sequenceDistance(65535, 1)).toBe(2);
    expect(sequenceDistance(1, 65535)).toBe(-2);
    expect(sequenceDistance(0, 32768)).toBe(-32768);
  });

  it('accepts numbers up to the window away from the expected one, in both directions', () => {
    for (let actual = 4; actual <= 16; actual++) expect(isWithinWindow(10, actual)).toBe(true);
    expect(isWithinWindow(10, 3)).toBe(false);
    expect(isWithinWindow(10, 17)).toBe(false);
  });

  it('applies the window across the wrap-around', () => {
    expect(isWithinWindow(65534, 4)).toBe(true); // 6 ahead
    expect(isWithinWindow(65534, 5)).toBe(false); // 7 ahead
    expect(isWithinWindow(2, 65532)).toBe(true); // 6 behind
    expect(isWithinWindow(2, 65531)).toBe(false); // 7 behind
  });

  it('honours a custom window', () => {
    expect(isWithinWindow(100, 102, 1)).toBe(false);
    expect(isWithinWindow(100, 100, 0)).toBe(true);
    expect(() => isWithinWindow(1, 1, -1)).toThrow(RangeError);
  });

  it('keeps the newest of stored and exchanged numbers, wrap-aware', () => {
    expect(newestSequenceNumber(null, 7)).toBe(7);
    expect(newestSequenceNumber(7, 9)).toBe(9);
    expect(newestSequenceNumber(9, 7)).toBe(9);
    expect(newestSequenceNumber(65535, 2)).toBe(2);
    expect(newestSequenceNumber(2, 65535)).toBe(2);
  });

  it('draws 16-bit randoms', () => {
    const draws = Array.from({ length: 200 }, randomUint16);
    expect(draws.every((n) => Number.isInteger(n) && n >= 0 && n <= 65535)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(150);
  });
});
