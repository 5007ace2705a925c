/**
 * Building and sending OSLP frames as a device (or an attacker replaying one) would, for tests of the real
 * listener: signed frames, their variants that still verify (the other ECDSA signature, other padding), and
 * one raw exchange over TCP that reports the answer or that there was none.
 */
import net from 'node:net';
import type { KeyObject } from 'node:crypto';
import { decodeEnvelope, encodeEnvelope, SIGNATURE_FIELD_LENGTH, trimSignature, verifyEnvelope } from '../../adapters/oslp/envelope';
import { decodeMessage, encodeMessage, type OslpMessage } from '../../adapters/oslp/messages';

/** The order of the P-256 group: s and n - s are both valid signatures of the same message. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

export function signedFrame(deviceUid: Buffer, privateKey: KeyObject, sequenceNumber: number, message: OslpMessage | Buffer): Buffer {
  const payload = Buffer.isBuffer(message) ? message : encodeMessage(message);
  return encodeEnvelope({ sequenceNumber, deviceUid, payload }, privateKey);
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** The same frame with the other valid signature (r, n - s): new bytes, same signed content. */
export function withOtherSignature(frame: Buffer): Buffer {
  const der = trimSignature(frame.subarray(0, SIGNATURE_FIELD_LENGTH));
  if (!der) throw new Error('frame has no DER signature');
  const rLength = der[3];
  const r = BigInt(`0x${der.subarray(4, 4 + rLength).toString('hex')}`);
  const sStart = 4 + rLength + 2;
  const s = BigInt(`0x${der.subarray(sStart, sStart + der[sStart - 1]).toString('hex')}`);
  const body = Buffer.concat([derInteger(r), derInteger(P256_ORDER - s)]);
  const signature = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  const field = Buffer.alloc(SIGNATURE_FIELD_LENGTH);
  signature.copy(field);
  return Buffer.concat([field, frame.subarray(SIGNATURE_FIELD_LENGTH)]);
}

/** The same frame with other bytes in the signature field's padding (not covered by the signature). */
export function withOtherPadding(frame: Buffer, fill = 0xa5): Buffer {
  const der = trimSignature(frame.subarray(0, SIGNATURE_FIELD_LENGTH));
  if (!der) throw new Error('frame has no DER signature');
  const copy = Buffer.from(frame);
  copy.fill(fill, der.length, SIGNATURE_FIELD_LENGTH);
  return copy;
}

/**
 * Writes the bytes on a fresh connection and resolves with everything that came back before the listener
 * closed it (an empty buffer: no answer). `halfClose` ends our side after writing, so that the listener
 * sees an incomplete frame end at once instead of waiting for the rest until its read timeout; it also
 * ends the listener's side (net's allowHalfOpen is off), so a complete frame sent so gets no answer.
 */
export function exchangeRaw(port: number, bytes: Buffer, halfClose = false): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      if (halfClose) socket.end(bytes);
      else socket.write(bytes);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** The answer to a frame, verified with the platform's key and decoded; null when there was none. */
export async function answerTo(port: number, frame: Buffer, platformPublicKey: KeyObject): Promise<OslpMessage | null> {
  const bytes = await exchangeRaw(port, frame);
  if (bytes.length === 0) return null;
  const envelope = decodeEnvelope(bytes);
  if (!verifyEnvelope(envelope, platformPublicKey)) throw new Error('answer not signed by the platform');
  return decodeMessage(envelope.payload);
}
