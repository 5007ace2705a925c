/**
 * OSLP sequence numbers: 16-bit counters that wrap from 65535 to 0.
 *
 * Each side stores the newest number it exchanged with the other; a message carries the stored
 * number + 1 (or, for a response, the request's number + 1). A number is accepted when it lies at
 * most `window` steps, in either direction, from the expected one. That tolerance is what OSGP's
 * own acceptance tests check: answers from 6 below to 6 above the expected number pass, 7 away fail.
 */
import { randomInt } from 'node:crypto';

export const SEQUENCE_NUMBER_MODULUS = 0x10000;
export const MAX_SEQUENCE_NUMBER = SEQUENCE_NUMBER_MODULUS - 1;
/** The window the platform hands out in ConfirmRegisterDeviceResponse. */
export const DEFAULT_SEQUENCE_WINDOW = 6;

export function isSequenceNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SEQUENCE_NUMBER;
}

function assertSequenceNumber(value: number, name: string): void {
  if (!isSequenceNumber(value)) throw new RangeError(`${name} must be an integer 0..${MAX_SEQUENCE_NUMBER}, got ${value}`);
}

export function nextSequenceNumber(current: number): number {
  assertSequenceNumber(current, 'sequence number');
  return (current + 1) % SEQUENCE_NUMBER_MODULUS;
}

/**
 * Signed shortest distance from `from` to `to` on the 16-bit circle, in -32768..32767:
 * positive when `to` is ahead of `from`. Example: from 65535 to 1 is +2.
 */
export function sequenceDistance(from: number, to: number): number {
  assertSequenceNumber(from, 'from');
  assertSequenceNumber(to, 'to');
  const ahead = (to - from + SEQUENCE_NUMBER_MODULUS) % SEQUENCE_NUMBER_MODULUS;
  return ahead >= SEQUENCE_NUMBER_MODULUS / 2 ? ahead - SEQUENCE_NUMBER_MODULUS : ahead;
}

export function isWithinWindow(expected: number, actual: number, window: number = DEFAULT_SEQUENCE_WINDOW): boolean {
  if (!Number.isInteger(window) || window < 0) throw new RangeError(`window must be a non-negative integer, got ${window}`);
  return Math.abs(sequenceDistance(expected, actual)) <= window;
}

/** The newer of the stored number and a number just exchanged: what a side keeps after a message. */
export function newestSequenceNumber(stored: number | null, exchanged: number): number {
  assertSequenceNumber(exchanged, 'exchanged');
  if (stored === null) return exchanged;
  return sequenceDistance(stored, exchanged) > 0 ? exchanged : stored;
}

/** A fresh 16-bit random: a device's first sequence number, randomDevice, randomPlatform. */
export function randomUint16(): number {
  return randomInt(0, SEQUENCE_NUMBER_MODULUS);
}
