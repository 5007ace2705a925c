/** IEC 62056-47 TCP wrapper: version 1, source wPort, destination wPort, length, APDU. */
import { DlmsError } from './errors';

export const WRAPPER_HEADER_LENGTH = 8;
export const WRAPPER_VERSION = 1;

export interface WrapperFrame {
  source: number;
  destination: number;
  apdu: Buffer;
}

export function encodeWrapper(frame: WrapperFrame): Buffer {
  if (frame.apdu.length > 0xffff) throw new DlmsError('PROTOCOL', `APDU of ${frame.apdu.length} bytes does not fit a wrapper frame`);
  const h = Buffer.alloc(WRAPPER_HEADER_LENGTH);
  h.writeUInt16BE(WRAPPER_VERSION, 0);
  h.writeUInt16BE(frame.source, 2);
  h.writeUInt16BE(frame.destination, 4);
  h.writeUInt16BE(frame.apdu.length, 6);
  return Buffer.concat([h, frame.apdu]);
}

/**
 * Takes one complete frame from the front of `buffer`: the frame and the bytes after it, or undefined
 * while the frame is incomplete.
 */
export function takeWrapperFrame(buffer: Buffer): { frame: WrapperFrame; rest: Buffer } | undefined {
  if (buffer.length < WRAPPER_HEADER_LENGTH) return undefined;
  const version = buffer.readUInt16BE(0);
  if (version !== WRAPPER_VERSION) throw new DlmsError('PROTOCOL', `wrapper version ${version}, expected ${WRAPPER_VERSION}`);
  const length = buffer.readUInt16BE(6);
  if (buffer.length < WRAPPER_HEADER_LENGTH + length) return undefined;
  return {
    frame: {
      source: buffer.readUInt16BE(2),
      destination: buffer.readUInt16BE(4),
      apdu: Buffer.from(buffer.subarray(WRAPPER_HEADER_LENGTH, WRAPPER_HEADER_LENGTH + length)),
    },
    rest: Buffer.from(buffer.subarray(WRAPPER_HEADER_LENGTH + length)),
  };
}
